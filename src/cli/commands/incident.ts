import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SeverError } from '../../core/errors.ts';
import { SUBJECT_TYPES, type SubjectType } from '../../core/model.ts';
import type { IncidentView } from '../../engine/view.ts';
import type { StepsSummary } from '../../engine/wait.ts';
import { table, type Output } from '../output.ts';
import { defaultActor, withEngine, type GlobalOptions } from '../session.ts';

type Run = (fn: (g: GlobalOptions, out: Output) => Promise<void>) => Promise<void>;

const progress = (out: Output) => (s: StepsSummary) =>
  out.note(`  ${s.total} artifacts: ${Object.entries(s.byStatus).map(([k, v]) => `${v} ${k}`).join(', ')}; ${s.pendingSteps} step(s) pending`);

const summaryLine = (s: StepsSummary) => `${Object.entries(s.byStatus).map(([k, v]) => `${v} ${k}`).join(', ')}`;

export function renderIncident(v: IncidentView): string {
  const lines = [
    `incident ${v.id}  [${v.state}]`,
    `subject  ${JSON.stringify(v.subject)}`,
    `opened   ${v.openedAt} by ${v.openedBy}${v.reason ? ` — ${v.reason}` : ''}${v.closedAt ? `\nclosed   ${v.closedAt}` : ''}`,
    `ledger   ${v.ledger.entries} signed entries, head ${v.ledger.head?.slice(0, 16) ?? '-'}…`,
    '',
    table([['ARTIFACT', 'CONNECTOR', 'KIND', 'TIER', 'STATUS', 'LABEL'], ...v.artifacts.map((a) => [a.id, a.connector, a.kind, a.tier ?? '-', a.status, a.label])]),
  ];
  if (v.residualExposure.length) {
    lines.push('', 'residual exposure (cannot be revoked; live until expiry):');
    for (const r of v.residualExposure) lines.push(`  - ${r.artifactId} ${r.label} until ${r.until ?? 'unknown (needs an exception)'}`);
  }
  lines.push('', `sign-offs required: ${v.requiredSignoffs.join(', ')}`);
  for (const s of v.signoffs) lines.push(`  ✓ ${s.role} by ${s.person} at ${s.at}`);
  if (v.pendingSteps) lines.push('', `${v.pendingSteps} step(s) pending: run \`sever incident contain ${v.id}\` to resume`);
  lines.push('', v.state === 'remediated' ? `closed as remediated at ${v.closedAt}` : v.gate.ok ? 'closure gate: open (the IR lead may close)' : 'closure gate: refused');
  for (const m of v.gate.missing) lines.push(`  - [${m.code}] ${m.message}`);
  return lines.join('\n');
}

function parseIdentifiers(values: string[]): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const v of values) {
    const i = v.lastIndexOf('=');
    if (i <= 0 || i === v.length - 1) throw new SeverError('ERR_INPUT_INVALID', `--id ${v}: expected connector=identifier, e.g. keycloak:lab=alice`, { details: { field: 'id' } });
    ids[v.slice(0, i)] = v.slice(i + 1);
  }
  return ids;
}

function parseExpiry(s: string, now = Date.now()): string {
  const m = /^(\d+)([smhd])$/.exec(s);
  if (m) return new Date(now + Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as 's']).toISOString();
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new SeverError('ERR_INPUT_INVALID', `--expires ${s}: expected an ISO-8601 time or a duration like 24h`, { details: { field: 'expires' } });
  return new Date(t).toISOString();
}

export function registerIncident(program: Command, run: Run): void {
  const incident = program.command('incident').description('open, contain, verify and close incidents');
  const collect = (v: string, prev: string[]) => [...prev, v];

  incident.command('open').description('open an incident for a compromised subject')
    .requiredOption('--subject <handle>', 'the subject: user name, service account, workload or agent id')
    .option('--subject-type <type>', `one of ${SUBJECT_TYPES.join(', ')}`, 'human')
    .option('--id <connector=identifier>', 'the subject id in a connector (repeatable)', collect, [])
    .option('--reason <text>', 'why the incident is opened', '')
    .option('--as <person>', 'who opens it')
    .action((o) => run(async (g, out) => {
      if (!SUBJECT_TYPES.includes(o.subjectType)) throw new SeverError('ERR_INPUT_INVALID', `--subject-type ${o.subjectType}: expected one of ${SUBJECT_TYPES.join(', ')}`, { details: { field: 'subject-type' } });
      const id = await withEngine(g, (e) => e.openIncident({ subject: { type: o.subjectType as SubjectType, handle: o.subject, identifiers: parseIdentifiers(o.id) }, reason: o.reason, actor: o.as ?? defaultActor() }));
      out.result({ id }, (r) => `opened incident ${r.id}`);
    }));

  incident.command('discover <id>').description('find every live artifact of the subject across connectors').option('--as <person>')
    .action((id, o) => run(async (g, out) => {
      const r = await withEngine(g, (e) => e.discover(id, o.as ?? defaultActor()));
      out.result(r, (r) => [`discovered ${r.total} artifact(s) (${r.added} new)`, ...Object.entries(r.connectors).map(([n, c]: [string, any]) => `  ${n} (${c.identifier}): ${c.found} found${c.error ? `  ERROR ${c.error.code}: ${c.error.message}` : ''}`)].join('\n'));
    }));

  incident.command('plan <id>').description('classify artifacts by revocation tier using the policy').option('--as <person>')
    .action((id, o) => run(async (g, out) => {
      const p = await withEngine(g, (e) => e.plan(id, o.as ?? defaultActor()));
      out.result(p, (p) => [`plan for ${id}: ${p.summary.total} item(s)`, `  by tier: ${JSON.stringify(p.summary.byTier)}`, `  by action: ${JSON.stringify(p.summary.byAction)}`,
        ...(p.residualExposure.length ? [`  residual exposure: ${p.residualExposure.map((r: any) => `${r.artifactId} until ${r.until}`).join(', ')}`] : [])].join('\n'));
    }));

  incident.command('contain <id>').description('revoke and verify every planned artifact (resumes after a crash)').option('--as <person>')
    .option('--tier <tier>', 'only this tier of the plan: immediate, scheduled-rotation or post-incident-validation (repeatable; default every tier)', (v: string, all: string[] = []) => [...all, v])
    .action((id, o) => run(async (g, out) => {
      out.note(`containing ${id}${o.tier ? ` (tiers: ${(o.tier as string[]).join(', ')})` : ''}…`);
      const s = await withEngine(g, (e) => e.contain(id, o.as ?? defaultActor(), progress(out), o.tier ? { tiers: o.tier } : {}));
      out.result(s, (s) => `contained ${id}: ${summaryLine(s)}`);
    }));

  incident.command('verify <id>').description('re-verify every artifact not yet proved dead').option('--as <person>')
    .action((id, o) => run(async (g, out) => {
      const s = await withEngine(g, (e) => e.verify(id, o.as ?? defaultActor(), progress(out)));
      out.result(s, (s) => `verified ${id}: ${summaryLine(s)}`);
    }));

  program.command('worker').description('work on every incident\'s pending steps until stopped (scale-out on PostgreSQL: run several)')
    .action(() => run(async (g, out) => {
      await withEngine(g, async (e) => {
        await e.work();
        out.note('worker running; stop with Ctrl-C (SIGINT) or SIGTERM');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
      });
      out.result({ stopped: true }, () => 'worker stopped');
    }));

  incident.command('show <id>').description('state, artifacts, sign-offs and what the closure gate says')
    .action((id) => run(async (g, out) => out.result(await withEngine(g, (e) => e.show(id)), renderIncident)));

  incident.command('list').description('all incidents')
    .action(() => run(async (g, out) => {
      const l = await withEngine(g, (e) => e.list());
      out.result(l, (l) => (l.length ? table([['ID', 'STATE', 'SUBJECT', 'OPENED'], ...l.map((i: any) => [i.id, i.state, i.subject, i.openedAt])]) : 'no incidents'));
    }));

  incident.command('signoff <id>').description('sign off for a runbook role')
    .requiredOption('--role <role>', 'identity-engineering, ir-lead, or app-owner:<application>')
    .requiredOption('--as <person>', 'who signs').option('--note <text>')
    .action((id, o) => run(async (g, out) => {
      await withEngine(g, (e) => e.signoff(id, o.role, o.as, o.note));
      out.result({ id, role: o.role, person: o.as }, (r) => `signed off ${r.role} by ${r.person}`);
    }));

  incident.command('except <id>').description('IR lead: accept an artifact that is not proved dead, with a reason and an expiry')
    .requiredOption('--artifact <artifactId>').requiredOption('--reason <text>').requiredOption('--expires <time>', 'ISO-8601 time or duration (24h)')
    .requiredOption('--as <person>')
    .action((id, o) => run(async (g, out) => {
      const expiresAt = parseExpiry(o.expires);
      await withEngine(g, (e) => e.grantException(id, o.artifact, o.as, o.reason, expiresAt));
      out.result({ id, artifactId: o.artifact, expiresAt }, (r) => `exception granted for ${r.artifactId} until ${r.expiresAt}`);
    }));

  incident.command('close <id>').description('close as remediated through the closure gate').requiredOption('--as <person>', 'the IR lead closing it')
    .action((id, o) => run(async (g, out) => {
      await withEngine(g, (e) => e.close(id, o.as));
      out.result({ id, state: 'remediated' }, (r) => `incident ${r.id} closed as remediated`);
    }));

  incident.command('reopen <id>').description('reopen a remediated incident').requiredOption('--reason <text>').requiredOption('--as <person>')
    .action((id, o) => run(async (g, out) => {
      await withEngine(g, (e) => e.reopen(id, o.as, o.reason));
      out.result({ id, state: 'reopened' }, (r) => `incident ${r.id} reopened`);
    }));

  incident.command('add-artifact <id>').description('add an artifact a connector cannot enumerate (a leaked token, a key)')
    .requiredOption('--connector <name>', 'kind:instance').requiredOption('--kind <kind>')
    .option('--value-file <path>', 'file holding the value (held encrypted; evidence keeps only its hash)')
    .option('--ref <id>', "the provider's id for it, when the value is unknown")
    .option('--label <text>').option('--expires-at <time>').option('--as <person>')
    .option('--attribute <name=value>', 'what the connector needs to know, e.g. clientId=crm for a refresh token (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .action((id, o) => run(async (g, out) => {
      const attributes: Record<string, string> = {};
      for (const kv of (o.attribute ?? []) as string[]) {
        const at = kv.indexOf('=');
        if (at <= 0) throw new SeverError('ERR_INPUT_INVALID', `--attribute ${kv}: expected name=value`, { details: { field: 'attribute' } });
        if (Object.hasOwn(attributes, kv.slice(0, at))) throw new SeverError('ERR_INPUT_INVALID', `--attribute ${kv.slice(0, at)}: given twice`, { details: { field: 'attribute' } });
        attributes[kv.slice(0, at)] = kv.slice(at + 1);
      }
      let value: string | undefined;
      if (o.valueFile !== undefined) {
        try {
          value = readFileSync(o.valueFile, 'utf8');
        } catch (e) {
          throw new SeverError('ERR_INPUT_INVALID', `--value-file ${o.valueFile}: cannot read (${(e as NodeJS.ErrnoException).code})`, { details: { field: 'value-file' } });
        }
      }
      const artifactId = await withEngine(g, (e) => e.addArtifact(id, {
        connector: o.connector, kind: o.kind, ...(value !== undefined ? { value } : {}), ...(o.ref !== undefined ? { ref: o.ref } : {}),
        ...(o.label ? { label: o.label } : {}), ...(o.expiresAt ? { expiresAt: parseExpiry(o.expiresAt) } : {}), actor: o.as ?? defaultActor(),
        ...(Object.keys(attributes).length ? { attributes } : {}),
      }));
      out.result({ id, artifactId }, (r) => `added ${r.artifactId} to ${r.id}; run \`sever incident contain ${r.id}\``);
    }));
}
