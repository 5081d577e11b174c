/**
 * docs/coverage.md: every artifact kind × every connector, from the manifests alone: how it is
 * discovered, revoked (selectively or by which fallback), verified (each path with its proof
 * strength) and what survives. A kind no connector handles says so, so gaps stay visible.
 */
import { ARTIFACT_KINDS } from '../core/model.ts';
import type { ConnectorModule } from './contract.ts';

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function renderCoverage(modules: Record<string, ConnectorModule>): string {
  const out = [
    '# Coverage: what each connector contains, proves and leaves behind',
    '',
    '<!-- Generated from the connectors\' manifests by `npm run docs`; do not edit by hand. -->',
    '',
    'One row per artifact kind and connector. **Proof** lists every independent verification path with its',
    'strength (`replay` > `relist` > `self-report`, see docs/policy.md); the policy decides which strength each',
    'artifact needs. **Survives** is the known residue of the revocation and its compensating action.',
    '',
    '| artifact kind | connector | discovered by | revoked by | proof (strength) | survives → compensating action |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const uncovered: string[] = [];
  for (const kind of ARTIFACT_KINDS) {
    const rows = Object.entries(modules).flatMap(([name, mod]) => mod.manifest.artifacts.filter((a) => a.kind === kind).map((a) => ({ name, a })));
    if (rows.length === 0) {
      uncovered.push(kind);
      continue;
    }
    for (const { name, a } of rows) {
      const revoke = a.revoke.selective ? a.revoke.method : `${a.revoke.method} (not selective: ${a.revoke.fallback ?? 'no fallback'})`;
      const rotate = a.rotate ? `; rotate first: ${a.rotate.method}` : '';
      const proof = a.verify.map((v) => `${v.path} (**${v.strength}**)`).join('; ');
      const residue = a.residue.map((r) => `${r.what} → ${r.compensatingAction}`).join('; ') || 'none known';
      out.push(`| \`${kind}\` | \`${name}\` | ${cell(a.discover)} | ${cell(revoke + rotate)} | ${cell(proof)} | ${cell(residue)} |`);
    }
  }
  out.push('', '## Kinds no connector handles yet', '', uncovered.length ? uncovered.map((k) => `- \`${k}\``).join('\n') : 'None.', '');
  return out.join('\n');
}
