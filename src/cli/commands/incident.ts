import type { Command } from 'commander';
import { ARTIFACT_KINDS, SUBJECT_TYPES, type ArtifactKind, type SubjectType } from '../../core/model.ts';
import type { IncidentView } from '../../engine/view.ts';
import type { StepsSummary } from '../../engine/wait.ts';
import * as arg from '../args.ts';
import type { Run } from '../main.ts';
import { inputError, oneLine, table, type Output } from '../output.ts';
import { defaultActor, ensureWritableFile } from '../session.ts';
import { writeFileSync } from 'node:fs';
import type { Engine } from '../../engine/create-engine.ts';
import type { StatementInput } from '../../engine/attest.ts';
import { parseSshSignature } from '../../ledger/ssh-signature.ts';
import type { SignedAttestation } from '../../ledger/attestation.ts';
import { signedAttestation, type SignOptions } from '../sign.ts';

const keyOf = (a: SignedAttestation): string => {
  try {
    return parseSshSignature(a.signature).publicKey.fingerprint;
  } catch {
    return 'unknown';
  }
};
import { readValueFile } from './value-file.ts';

const counts = (byStatus: Record<string, number>) => Object.entries(byStatus).map(([k, v]) => `${v} ${k}`).join(', ');

const progress = (out: Output) => (s: StepsSummary) =>
  out.note(`  ${s.total} artifacts: ${counts(s.byStatus)}; ${s.pendingSteps} step(s) pending`);

/** Only these statuses are proved; anything else a run leaves behind makes it exit 1. */
const PROVED = new Set(['verified-dead', 'verified-expired']);

/** The outcome of contain or verify: the summary, whether everything it touched is proved, and what is not. */
export interface RunOutcome extends StepsSummary {
  complete: boolean;
  /** Artifacts not proved dead or expired, by status (`pending-steps`: steps still unsettled). */
  incomplete: Record<string, number>;
}

/**
 * Judges a contain or verify run. `untouched` statuses are not the run's business: the artifacts
 * `--tier` left planned, or (for verify) those never contained.
 */
export function judgeRun(s: StepsSummary, untouched: ReadonlySet<string>): RunOutcome {
  const incomplete: Record<string, number> = {};
  for (const [status, n] of Object.entries(s.byStatus)) if (n > 0 && !PROVED.has(status) && !untouched.has(status)) incomplete[status] = n;
  if (s.pendingSteps > 0) incomplete['pending-steps'] = s.pendingSteps;
  return { ...s, complete: Object.keys(incomplete).length === 0, incomplete };
}

/** Prints the outcome; returns 1 (with a line naming what is not proved) when it is incomplete. */
function finish(out: Output, id: string, verb: string, r: RunOutcome): number {
  out.result(r, (r: RunOutcome) => `${verb} ${id}: ${counts(r.byStatus) || 'no artifacts'}`);
  if (r.complete) return 0;
  const what = Object.entries(r.incomplete).map(([k, v]) => (k === 'pending-steps' ? `${v} step(s) still pending` : `${v} ${k}`)).join(', ');
  out.note(`error ERR_CONTAINMENT_INCOMPLETE: not proved dead: ${what}; see \`sever incident show ${id}\``);
  return 1;
}

export function renderIncident(v: IncidentView): string {
  const s = oneLine;
  const lines = [
    `incident ${s(v.id)}  [${s(v.state)}]`,
    `subject  ${s(JSON.stringify(v.subject))}`,
    `opened   ${s(v.openedAt)} by ${s(v.openedBy)}${v.reason ? ` — ${s(v.reason)}` : ''}${v.closedAt ? `\nclosed   ${s(v.closedAt)}` : ''}`,
    `ledger   ${v.ledger.entries} signed entries, head ${v.ledger.head?.slice(0, 16) ?? '-'}…`,
    '',
    table([
      ['ARTIFACT', 'CONNECTOR', 'KIND', 'TIER', 'STATUS', 'PROOF (reached/required)', 'LABEL'],
      ...v.artifacts.map((a) => [a.id, a.connector, a.kind, a.tier ?? '-', a.status, a.proof ? `${a.proof.strength ?? 'none'}/${a.proof.required ?? '-'}` : '-', a.label]),
    ]),
  ];
  const faults = v.artifacts.filter((a) => a.proof?.providerFault);
  if (faults.length) {
    lines.push('', 'provider faults (paths that contradict each other; worth reporting to the provider):');
    for (const a of faults) lines.push(`  - ${s(a.id)}: ${s(a.proof!.providerFault!)}`);
  }
  if (v.residualExposure.length) {
    lines.push('', 'residual exposure (cannot be revoked; live until expiry):');
    for (const r of v.residualExposure) lines.push(`  - ${s(r.artifactId)} ${s(r.label)} until ${r.until ? s(r.until) : 'unknown (needs an exception)'}`);
  }
  lines.push('', `sign-offs required: ${s(v.requiredSignoffs.join(', '))}`);
  for (const x of v.signoffs) lines.push(`  ${x.stale ? '✗' : '✓'} ${s(x.role)} by ${s(x.person)} at ${s(x.at)}${x.stale ? ' (stale: the incident changed after it; sign again)' : ''}`);
  if (v.pendingSteps) lines.push('', `${v.pendingSteps} step(s) pending: run \`sever incident contain ${s(v.id)}\` to resume`);
  lines.push('', v.state === 'remediated' ? `closed as remediated at ${s(v.closedAt)}` : v.gate.ok ? 'closure gate: open (the IR lead may close)' : 'closure gate: refused');
  for (const m of v.gate.missing) lines.push(`  - [${s(m.code)}] ${s(m.message)}`);
  return lines.join('\n');
}

function parseIdentifiers(values: string[]): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const v of values) {
    const i = v.lastIndexOf('=');
    if (i <= 0 || i === v.length - 1) throw inputError(`--id ${oneLine(v)}: expected connector=identifier, e.g. keycloak:lab=alice`, { field: 'id' });
    const name = arg.connector(v.slice(0, i), '--id');
    if (Object.hasOwn(ids, name)) throw inputError(`--id ${name}: given twice`, { field: 'id' });
    ids[name] = arg.name(v.slice(i + 1), `--id ${name}=`);
  }
  return ids;
}

function parseAttributes(values: string[]): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const kv of values) {
    const at = kv.indexOf('=');
    if (at <= 0) throw inputError(`--attribute ${oneLine(kv)}: expected name=value`, { field: 'attribute' });
    const key = kv.slice(0, at);
    if (!/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(key)) throw inputError(`--attribute ${oneLine(key)}: a name is a letter then letters, digits, _ . - (64 at most)`, { field: 'attribute' });
    if (key === 'valueEncoding') throw inputError('--attribute valueEncoding: set by Sever itself (base64 for a value that is not UTF-8 text)', { field: 'attribute' });
    if (Object.hasOwn(attributes, key)) throw inputError(`--attribute ${key}: given twice`, { field: 'attribute' });
    attributes[key] = arg.text(kv.slice(at + 1), `--attribute ${key}`);
  }
  return attributes;
}

/** A provider's id goes into a unique btree index with the incident, connector and kind: at most 2048 bytes of UTF-8. */
const MAX_REF = 512;

const actor = (as: string | undefined) => arg.person(as ?? defaultActor(), as === undefined ? '--as (default $SEVER_ACTOR or the login name)' : '--as');

export function registerIncident(program: Command, run: Run): void {
  const incident = program.command('incident').description('open, contain, verify and close incidents');
  const collect = (v: string, prev: string[] = []) => [...prev, v];

  incident.command('open').description('open an incident for a compromised subject')
    .requiredOption('--subject <handle>', 'the subject: user name, service account, workload or agent id')
    .option('--subject-type <type>', `one of ${SUBJECT_TYPES.join(', ')}`, 'human')
    .option('--id <connector=identifier>', 'the subject id in a connector (repeatable)', collect, [])
    .option('--reason <text>', 'why the incident is opened', '')
    .option('--compromised-at <time>', 'when the compromise began, ISO 8601 (policy may treat what was issued after it differently, e.g. MFA factors)')
    .option('--as <person>', 'who opens it')
    .action((o) => run(async (g, out, cx) => {
      if (!SUBJECT_TYPES.includes(o.subjectType)) throw inputError(`--subject-type ${oneLine(o.subjectType)}: expected one of ${SUBJECT_TYPES.join(', ')}`, { field: 'subject-type' });
      const input = {
        subject: { type: o.subjectType as SubjectType, handle: arg.name(o.subject, '--subject'), identifiers: parseIdentifiers(o.id) },
        reason: arg.text(o.reason, '--reason'), actor: actor(o.as),
        ...(o.compromisedAt !== undefined ? { compromisedAt: arg.time(o.compromisedAt, '--compromised-at') } : {}),
      };
      const id = await cx.withEngine(g, (e) => e.openIncident(input));
      out.result({ id }, (r) => `opened incident ${r.id}`);
    }));

  incident.command('discover <id>').description('find every live artifact of the subject across connectors').option('--as <person>')
    .action((id, o) => run(async (g, out, cx) => {
      const [inc, who] = [arg.id(id, '<id>'), actor(o.as)];
      const r = await cx.withEngine(g, (e) => e.discover(inc, who));
      const via = (src: any) => src.via === 'link' ? `link from ${src.from}${src.matched ? ` by ${src.matched}` : ''}` : src.via === 'identities' ? `sever.yaml identities[${src.entry}]` : src.via === 'incident' ? '--id' : 'the handle';
      out.result(r, (r) => [
        `discovered ${r.total} artifact(s) (${r.added} new)`,
        ...Object.entries(r.connectors).map(([n, c]: [string, any]) => c.unsupported ? `  ${oneLine(n)}: NOT DISCOVERED — ${oneLine(c.unsupported)}` : `  ${oneLine(n)} (${oneLine(c.identifier)}, via ${oneLine(via(c.source))}): ${c.found} found${c.error ? `  ERROR ${oneLine(c.error.code)}: ${oneLine(c.error.message)}` : ''}`),
        ...r.conflicts.map((x: any) => `  CONFLICT ${oneLine(x.connector)}: kept ${oneLine(x.kept)} (${oneLine(via(x.keptFrom))}); ${oneLine(x.from)} links ${oneLine(x.found)}${x.matched ? ` by ${oneLine(x.matched)}` : ''}`),
      ].join('\n'));
    }));

  incident.command('plan <id>').description('classify artifacts by revocation tier using the policy').option('--as <person>')
    .action((id, o) => run(async (g, out, cx) => {
      const [inc, who] = [arg.id(id, '<id>'), actor(o.as)];
      const p = await cx.withEngine(g, (e) => e.plan(inc, who));
      out.result(p, (p) => [`plan for ${inc}: ${p.summary.total} item(s)`, `  by tier: ${JSON.stringify(p.summary.byTier)}`, `  by action: ${JSON.stringify(p.summary.byAction)}`,
        ...(p.residualExposure.length ? [`  residual exposure: ${p.residualExposure.map((r: any) => `${oneLine(r.artifactId)} until ${oneLine(r.until)}`).join(', ')}`] : [])].join('\n'));
    }));

  incident.command('contain <id>').description('revoke and verify every planned artifact (resumes after a crash); exit 1 unless every artifact it touched is proved dead or expired').option('--as <person>')
    .option('--tier <tier>', 'only this tier of the plan: immediate, scheduled-rotation or post-incident-validation (repeatable; default every tier)', collect)
    .action((id, o) => run(async (g, out, cx) => {
      const [inc, who] = [arg.id(id, '<id>'), actor(o.as)];
      const tiers = o.tier ? arg.tiers(o.tier) : undefined;
      out.note(`containing ${inc}${tiers ? ` (tiers: ${tiers.join(', ')})` : ''}…`);
      const onDeadline = (at: string) => out.note(`  containment of ${inc} waits until ${at} at the latest`);
      const s = await cx.withEngine(g, (e) => e.contain(inc, who, progress(out), { ...(tiers ? { tiers } : {}), onDeadline }));
      // Artifacts left planned by --tier are not this run's; without --tier, planned means not contained.
      return finish(out, inc, 'contained', judgeRun(s, new Set(tiers ? ['planned'] : [])));
    }));

  incident.command('verify <id>').description('re-verify every artifact not yet proved dead; exit 1 unless every one is proved dead or expired').option('--as <person>')
    .action((id, o) => run(async (g, out, cx) => {
      const [inc, who] = [arg.id(id, '<id>'), actor(o.as)];
      const onDeadline = (at: string) => out.note(`  verification of ${inc} waits until ${at} at the latest`);
      const s = await cx.withEngine(g, (e) => e.verify(inc, who, progress(out), { onDeadline }));
      // Verify proves what containment acted on; artifacts never planned or contained are not its business.
      return finish(out, inc, 'verified', judgeRun(s, new Set(['discovered', 'planned'])));
    }));

  program.command('worker').description('work on every incident\'s pending steps until stopped (scale-out on PostgreSQL: run several)')
    .action(() => run(async (g, out, cx) => {
      await cx.withEngine(g, async (e) => {
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
    .action((id) => run(async (g, out, cx) => {
      const inc = arg.id(id, '<id>');
      out.result(await cx.withEngine(g, (e) => e.show(inc)), renderIncident);
    }));

  incident.command('list').description('all incidents')
    .action(() => run(async (g, out, cx) => {
      const l = await cx.withEngine(g, (e) => e.list());
      out.result(l, (l) => (l.length ? table([['ID', 'STATE', 'SUBJECT', 'OPENED'], ...l.map((i: any) => [i.id, i.state, i.subject, i.openedAt])]) : 'no incidents'));
    }));

  // Attestations are signed by the person with their own key: --key, or --statement and --signature.
  const signing = (c: Command) => c
    .option('--key <file>', 'your SSH key for ssh-keygen -Y sign: a private key, or a .pub whose private half is in ssh-agent (default $SEVER_SIGNING_KEY)')
    .option('--statement <file>', 'a statement from `incident statement`, signed elsewhere (with --signature)')
    .option('--signature <file>', 'its signature: ssh-keygen -Y sign -n sever-attestation -f <key> <statement>');
  const attest = async (e: Engine, o: SignOptions, inc: string, input: StatementInput) =>
    signedAttestation(o, async () => (await e.statement(inc, input)).text);

  signing(incident.command('signoff <id>').description('sign off for a runbook role, signed with your own registered key')
    .requiredOption('--role <role>', 'identity-engineering, ir-lead, or app-owner:<application>')
    .requiredOption('--as <person>', 'who signs (as the runbook names them; the key must be registered to them)').option('--note <text>'))
    .action((id, o) => run(async (g, out, cx) => {
      const [inc, role, who] = [arg.id(id, '<id>'), arg.role(o.role), arg.person(o.as)];
      const note = o.note === undefined ? undefined : arg.text(o.note, '--note');
      const key = await cx.withEngine(g, async (e) => {
        const att = await attest(e, o, inc, { action: 'signoff', person: who, role, ...(note ? { note } : {}) });
        await e.signoff(inc, att, { person: who, role });
        return keyOf(att);
      });
      out.result({ id: inc, role, person: who, keyFingerprint: key }, (r) => `signed off ${r.role} by ${r.person} (key ${r.keyFingerprint})`);
    }));

  signing(incident.command('except <id>').description('IR lead: accept an artifact that is not proved dead, with a reason and an expiry, signed with your key')
    .requiredOption('--artifact <artifactId>').requiredOption('--reason <text>').requiredOption('--expires <time>', 'ISO-8601 time or duration (24h)')
    .requiredOption('--as <person>'))
    .action((id, o) => run(async (g, out, cx) => {
      const [inc, artifactId, who] = [arg.id(id, '<id>'), arg.id(o.artifact, '--artifact'), arg.person(o.as)];
      const reason = arg.text(o.reason, '--reason', { required: true });
      const expiresAt = arg.time(o.expires, '--expires');
      await cx.withEngine(g, async (e) => e.grantException(inc, await attest(e, o, inc, { action: 'exception', person: who, artifactId, reason, expiresAt }), { person: who, artifactId }));
      out.result({ id: inc, artifactId, expiresAt }, (r) => `exception granted for ${r.artifactId} until ${r.expiresAt}`);
    }));

  signing(incident.command('close <id>').description('close as remediated through the closure gate, signed with the IR lead\'s key').requiredOption('--as <person>', 'the IR lead closing it'))
    .action((id, o) => run(async (g, out, cx) => {
      const [inc, who] = [arg.id(id, '<id>'), arg.person(o.as)];
      await cx.withEngine(g, async (e) => e.close(inc, await attest(e, o, inc, { action: 'close', person: who }), { person: who }));
      out.result({ id: inc, state: 'remediated' }, (r) => `incident ${r.id} closed as remediated`);
    }));

  signing(incident.command('reopen <id>').description('reopen a remediated incident, signed with your key').requiredOption('--reason <text>').requiredOption('--as <person>'))
    .action((id, o) => run(async (g, out, cx) => {
      const [inc, who, reason] = [arg.id(id, '<id>'), arg.person(o.as), arg.text(o.reason, '--reason', { required: true })];
      await cx.withEngine(g, async (e) => e.reopen(inc, await attest(e, o, inc, { action: 'reopen', person: who, reason }), reason, undefined, { person: who }));
      out.result({ id: inc, state: 'reopened' }, (r) => `incident ${r.id} reopened`);
    }));

  incident.command('statement <id>').description('print the statement to sign for a sign-off, exception, closure or reopen (then: ssh-keygen -Y sign -n sever-attestation -f <key> <file>)')
    .requiredOption('--action <action>', 'signoff, exception, close or reopen')
    .requiredOption('--as <person>', 'who will sign it')
    .option('--role <role>', 'for signoff').option('--artifact <artifactId>', 'for exception').option('--reason <text>', 'for exception and reopen')
    .option('--expires <time>', 'for exception').option('--note <text>', 'for signoff')
    .option('--out <file>', 'write the statement to this file (to sign it there) instead of standard output')
    .action((id, o) => run(async (g, out, cx) => {
      const inc = arg.id(id, '<id>');
      const action = o.action as StatementInput['action'];
      if (!['signoff', 'exception', 'close', 'reopen'].includes(action)) throw inputError(`--action ${oneLine(String(o.action))}: expected signoff, exception, close or reopen`, { field: '--action' });
      const need = (v: unknown, flag: string) => {
        if (v === undefined) throw inputError(`${flag}: required for --action ${action}`, { field: flag });
      };
      if (action === 'signoff') need(o.role, '--role');
      if (action === 'exception') [[o.artifact, '--artifact'], [o.reason, '--reason'], [o.expires, '--expires']].forEach(([v, f]) => need(v, f as string));
      if (action === 'reopen') need(o.reason, '--reason');
      const input: StatementInput = {
        action, person: arg.person(o.as),
        ...(o.role !== undefined ? { role: arg.role(o.role) } : {}),
        ...(o.artifact !== undefined ? { artifactId: arg.id(o.artifact, '--artifact') } : {}),
        ...(o.reason !== undefined ? { reason: arg.text(o.reason, '--reason', { required: true }) } : {}),
        ...(o.expires !== undefined ? { expiresAt: arg.time(o.expires, '--expires') } : {}),
        ...(o.note !== undefined ? { note: arg.text(o.note, '--note') } : {}),
      };
      if (o.out !== undefined) ensureWritableFile(o.out, '--out');
      const st = await cx.withEngine(g, (e) => e.statement(inc, input));
      if (o.out !== undefined) {
        writeFileSync(o.out, st.text, { mode: 0o600 });
        out.result({ id: inc, file: o.out, ledgerHead: st.statement.ledgerHead }, (r) => `statement written to ${r.file}; sign it: ssh-keygen -Y sign -n sever-attestation -f <your key> ${r.file}`);
      } else {
        out.result({ id: inc, statement: st.text, ledgerHead: st.statement.ledgerHead }, (r) => r.statement.trimEnd());
      }
    }));

  incident.command('amend <id>').description('give an artifact what a stronger proof needs (an attribute such as clientId, or its value); then run `incident verify`')
    .requiredOption('--artifact <artifactId>')
    .option('--attribute <name=value>', 'add or replace an attribute, e.g. clientId=crm (repeatable)', collect)
    .option('--value-file <path>', 'file holding the value, at most 64 KiB (held encrypted; evidence keeps only its hash)')
    .option('--as <person>')
    .action((id, o) => run(async (g, out, cx) => {
      const [inc, artifactId, who] = [arg.id(id, '<id>'), arg.id(o.artifact, '--artifact'), actor(o.as)];
      const attributes = parseAttributes(o.attribute ?? []);
      if (!Object.keys(attributes).length && o.valueFile === undefined) throw inputError('nothing to amend: give --attribute name=value and/or --value-file', { field: 'attribute|value-file' });
      // Bytes as read: UTF-8 text is held as text, anything else as base64 and hashed as the bytes.
      const value: Uint8Array | undefined = o.valueFile !== undefined ? readValueFile(o.valueFile) : undefined;
      const r = await cx.withEngine(g, (e) => e.amendArtifact(inc, { artifactId, actor: who, ...(Object.keys(attributes).length ? { attributes } : {}), ...(value !== undefined ? { value } : {}) }));
      out.result({ id: inc, ...r }, (r) => `amended ${r.artifactId} of ${r.id}${r.attributes.length ? `: ${r.attributes.join(', ')}` : ''}${r.valueAdded ? ' (value held)' : ''}; run \`sever incident verify ${r.id}\``);
    }));

  incident.command('add-artifact <id>').description('add an artifact a connector cannot enumerate (a leaked token, a key)')
    .requiredOption('--connector <name>', 'kind:instance').requiredOption('--kind <kind>')
    .option('--value-file <path>', 'file holding the value, at most 64 KiB (held encrypted; evidence keeps only its hash)')
    .option('--ref <id>', "the provider's id for it, when the value is unknown")
    .option('--label <text>').option('--expires-at <time>').option('--as <person>')
    .option('--attribute <name=value>', 'what the connector needs to know, e.g. clientId=crm for a refresh token (repeatable)', collect)
    .action((id, o) => run(async (g, out, cx) => {
      const inc = arg.id(id, '<id>');
      const connector = arg.connector(o.connector);
      if (!ARTIFACT_KINDS.includes(o.kind)) throw inputError(`--kind ${oneLine(o.kind)}: expected one of ${ARTIFACT_KINDS.join(', ')}`, { field: 'kind' });
      if ((o.valueFile === undefined) === (o.ref === undefined)) throw inputError('exactly one of --value-file or --ref is required', { field: 'value-file|ref' });
      const attributes = parseAttributes(o.attribute ?? []);
      const input = {
        connector, kind: o.kind as ArtifactKind, actor: actor(o.as),
        ...(o.ref !== undefined ? { ref: arg.name(o.ref, '--ref', MAX_REF) } : {}),
        ...(o.label !== undefined ? { label: arg.text(o.label, '--label', { required: true }) } : {}),
        ...(o.expiresAt !== undefined ? { expiresAt: arg.time(o.expiresAt, '--expires-at') } : {}),
        ...(Object.keys(attributes).length ? { attributes } : {}),
      };
      // Read last: every other argument is checked before the file is opened.
      const value = o.valueFile !== undefined ? readValueFile(o.valueFile) : undefined;
      const artifactId = await cx.withEngine(g, (e) => e.addArtifact(inc, { ...input, ...(value !== undefined ? { value } : {}) }));
      out.result({ id: inc, artifactId }, (r) => `added ${r.artifactId} to ${r.id}; run \`sever incident contain ${r.id}\``);
    }));
}
