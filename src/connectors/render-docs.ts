/**
 * Renders a connector's documentation page from its manifest and settings schema, so the page
 * cannot drift from the code (a test compares docs/connectors/<kind>.md with this output).
 */
import { z } from 'zod';
import type { ConnectorModule, RealService } from './contract.ts';

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
const dur = (ms: number) => (ms % 60_000 === 0 && ms >= 60_000 ? `${ms / 60_000} min` : ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

function settingsRows(mod: ConnectorModule): string[] {
  let schema: { properties?: Record<string, { type?: unknown; description?: string; default?: unknown }>; required?: string[] };
  try {
    schema = z.toJSONSchema(mod.settingsSchema, { io: 'input', unrepresentable: 'any' }) as typeof schema;
  } catch {
    return ['(settings schema not representable)'];
  }
  const rows = ['| setting | type | required | default | meaning |', '| --- | --- | --- | --- | --- |'];
  for (const [k, v] of Object.entries(schema.properties ?? {})) {
    const type = Array.isArray(v.type) ? v.type.join(' \\| ') : String(v.type ?? 'object');
    rows.push(`| \`${k}\` | ${type} | ${schema.required?.includes(k) ? 'yes' : 'no'} | ${v.default === undefined ? '' : `\`${JSON.stringify(v.default)}\``} | ${cell(v.description ?? '')} |`);
  }
  return rows;
}

export function renderConnectorDoc(mod: ConnectorModule): string {
  const m = mod.manifest;
  const out: string[] = [
    `# Connector \`${m.kind}\`: ${m.title}`,
    '',
    '<!-- Generated from the connector\'s manifest by `npm run docs`; do not edit by hand. -->',
    '',
    m.description,
    '',
    '## What it handles',
    '',
    '| artifact kind | discovered by | revoked by | selective | fallback | verified by (independent paths, with proof strength) | dead within |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...m.artifacts.map((a) => `| \`${a.kind}\` | ${cell(a.discover)} | ${cell(a.revoke.method)} | ${a.revoke.selective ? 'yes' : 'no'} | ${cell(a.revoke.fallback ?? '')} | ${a.verify.map((v) => `${cell(v.path)} (**${v.strength}**)`).join('; ')} | ${dur(a.expectedDeadByMs)} |`),
    '',
    '## Permissions it needs',
    '',
    ...[...new Set(m.artifacts.flatMap((a) => a.permissions))].map((p) => `- ${p}`),
    '',
    '## Known residue (what survives its revocation) and the compensating action',
    '',
  ];
  const residue = m.artifacts.flatMap((a) => a.residue.map((r) => ({ kind: a.kind, ...r })));
  if (residue.length === 0) out.push('None known.');
  else out.push('| artifact kind | what survives | compensating action |', '| --- | --- | --- |', ...residue.map((r) => `| \`${r.kind}\` | ${cell(r.what)} | ${cell(r.compensatingAction)} |`));
  const rotating = m.artifacts.filter((a) => a.rotate);
  if (rotating.length) {
    out.push(
      '',
      '## Rotate-then-revoke',
      '',
      'Where the plan says `rotate-then-revoke` (docs/policy.md), a new credential goes to the dependents first, and the old one is revoked as above only once they are seen using the new one.',
      '',
      '| artifact kind | rotated by | adoption seen through |',
      '| --- | --- | --- |',
      ...rotating.map((a) => `| \`${a.kind}\` | ${cell(a.rotate!.method)} | ${cell(a.rotate!.adoption)} |`),
    );
  }
  out.push(
    '',
    '## Limits and verification policy',
    '',
    `- concurrency toward one provider instance: ${m.limits.concurrency} (sever.yaml may lower it)`,
    `- rate budget: ${m.limits.rate ? `${m.limits.rate.limit} calls per ${dur(m.limits.rate.windowMs)}, shared by every worker on the database` : 'none'}`,
    `- verification: polled every ${dur(m.verifyPolicy.pollIntervalMs)} until dead or ${dur(m.verifyPolicy.deadlineMs)} after the revocation`,
    ...(m.adoptionPolicy ? [`- adoption of a rotated credential: polled every ${dur(m.adoptionPolicy.pollIntervalMs)} for up to ${dur(m.adoptionPolicy.deadlineMs)} (\`adoption\` in sever.yaml overrides it)`] : []),
    '',
    '## Settings (`connectors.<name>.settings` in sever.yaml)',
    '',
    ...settingsRows(mod),
    '',
    ...realServiceSection(m.realService),
  );
  return out.join('\n');
}

/** "Pointing it at the real service": base URLs, the credential, least privilege, a policy, a sever.yaml excerpt. */
function realServiceSection(r: RealService | undefined): string[] {
  if (!r) return [];
  const fence = (language: string, text: string) => ['```' + language, text.replace(/\n+$/, ''), '```'];
  return [
    '## Pointing it at the real service',
    '',
    'Base URL:',
    '',
    ...r.baseUrls.map((u) => `- ${u}`),
    '',
    '### The credential Sever uses',
    '',
    ...r.credential.map((step, i) => `${i + 1}. ${step}`),
    '',
    '### Least privilege',
    '',
    '| permission | what Sever does with it |',
    '| --- | --- |',
    ...r.leastPrivilege.map((p) => `| ${cell(p.permission)} | ${cell(p.usedFor)}${p.notListedPerKind ? ` (not in "Permissions it needs" above: ${cell(p.notListedPerKind)})` : ''} |`),
    '',
    ...(r.policy ? [...fence(r.policy.language, r.policy.text), ''] : []),
    '### In sever.yaml',
    '',
    ...fence('yaml', r.example),
    '',
    ...(r.notes?.length ? ['### Notes', '', ...r.notes.map((n) => `- ${n}`), ''] : []),
  ];
}
