/**
 * Evaluates the controls mappings on one incident's evidence: per control, whether it applies,
 * which of its requirements the bundle holds, and the entries that prove them. Pure.
 *
 * A control whose requirements all hold is `met` (`partly` when its coverage is partial: Sever's
 * evidence covers only part of it); some hold: `partly`; none: `not met`. A bundle that does not
 * verify proves nothing: every applicable control is then `not met`, whatever its content claims.
 */
import { atLeast, PROOF_STRENGTHS, type ProofStrength } from '../core/proof.ts';
import type { Control, ControlFramework, Requirement } from './controls-schema.ts';
import { isProved } from './compute-exposure.ts';
import { asString, type ArtifactFact, type IncidentFacts } from './read-bundle.ts';
import type { ReportVerification } from './types.ts';

export type ControlStatus = 'met' | 'partly' | 'not-applicable' | 'not-met';

export interface RequirementResult {
  says: string;
  result: 'held' | 'not-held' | 'not-applicable';
  /** The entries that prove it (or, when not held, the ones that show why). */
  seqs: number[];
  detail: string | null;
}

export interface ControlResult {
  control: Control;
  status: ControlStatus;
  /** Why, when not applicable or when the bundle does not verify. */
  why: string | null;
  requirements: RequirementResult[];
  /** Every entry that proves a held requirement, in order. */
  seqs: number[];
}

export interface FrameworkResult {
  framework: ControlFramework;
  results: ControlResult[];
}

const listIds = (arts: readonly ArtifactFact[], max = 5) =>
  `${arts.slice(0, max).map((a) => `${a.id} (${a.status})`).join(', ')}${arts.length > max ? ` and ${arts.length - max} more` : ''}`;

function artifactsProved(kinds: readonly string[] | undefined, least: ProofStrength | undefined, facts: IncidentFacts): Omit<RequirementResult, 'says'> {
  const scope = kinds ? facts.artifacts.filter((a) => kinds.includes(a.kind)) : facts.artifacts;
  if (!scope.length) return { result: 'not-applicable', seqs: [], detail: kinds ? `no artifact of kind ${kinds.join(', ')}` : 'no artifacts' };
  const strong = (a: ArtifactFact) => !least || ((PROOF_STRENGTHS as readonly string[]).includes(a.verdict?.strength ?? '') && atLeast(a.verdict!.strength as ProofStrength, least));
  const proved = scope.filter((a) => isProved(a) && strong(a));
  const missing = scope.filter((a) => !(isProved(a) && strong(a)));
  const seqs = [...new Set(proved.map((a) => a.verdict!.seq))].sort((x, y) => x - y);
  const how = `${proved.length} of ${scope.length} proved${least ? ` at ${least} or stronger` : ''}`;
  return missing.length ? { result: 'not-held', seqs, detail: `${how}; not: ${listIds(missing)}` } : { result: 'held', seqs, detail: how };
}

function unprovedAccepted(facts: IncidentFacts): Omit<RequirementResult, 'says'> {
  const open = facts.artifacts.filter((a) => !isProved(a));
  if (!open.length) return { result: 'not-applicable', seqs: [], detail: 'every artifact is proved: nothing left to accept' };
  const accepted = open.filter((a) => a.exception && a.exception.seq > (a.verdict?.seq ?? -1));
  const seqs = accepted.map((a) => a.exception!.seq).sort((x, y) => x - y);
  const missing = open.filter((a) => !(a.exception && a.exception.seq > (a.verdict?.seq ?? -1)));
  return missing.length
    ? { result: 'not-held', seqs, detail: `${accepted.length} of ${open.length} unproved artifact(s) accepted; no exception after the last verdict for ${listIds(missing)}` }
    : { result: 'held', seqs, detail: `${open.length} unproved artifact(s), each accepted by an exception` };
}

function separationOfDuties(facts: IncidentFacts): Omit<RequirementResult, 'says'> {
  const closed = facts.entries.find((e) => e.seq === facts.closedSeq);
  if (!closed) return { result: 'not-held', seqs: [], detail: 'the incident is not closed' };
  const runs = facts.entries.filter((e) => e.type === 'revoke.intent' && e.actor !== 'sever');
  const listed = Array.isArray(closed.payload.executors) ? closed.payload.executors.flatMap((x) => asString(x) ?? []) : [];
  const executors = new Set([...runs.map((e) => e.actor), ...listed]);
  if (!executors.size) return { result: 'not-applicable', seqs: [closed.seq], detail: 'nobody ran a revocation' };
  const closer = asString(closed.payload.closer) ?? closed.actor;
  const sole = executors.size === 1 && executors.has(closer);
  return { result: sole ? 'not-held' : 'held', seqs: [closed.seq, ...runs.slice(0, 3).map((e) => e.seq)], detail: `closed by ${closer}; revocations run by ${[...executors].join(', ')}` };
}

function check(r: Requirement, facts: IncidentFacts, v: ReportVerification): Omit<RequirementResult, 'says'> {
  switch (r.check) {
    case 'entries': {
      const types = new Set<string>(r.types);
      const seqs = facts.entries.filter((e) => types.has(e.type)).map((e) => e.seq);
      return { result: seqs.length ? 'held' : 'not-held', seqs, detail: seqs.length ? null : `no ${r.types.join(' or ')} entry` };
    }
    case 'artifacts-proved':
      return artifactsProved(r.kinds, r.atLeast, facts);
    case 'unproved-accepted':
      return unprovedAccepted(facts);
    case 'incident-closed':
      return facts.closedSeq !== null ? { result: 'held', seqs: [facts.closedSeq], detail: null } : { result: 'not-held', seqs: [], detail: `the incident is ${facts.state}, not closed` };
    case 'separation-of-duties':
      return separationOfDuties(facts);
    case 'bundle-verified':
      return v.ok ? { result: 'held', seqs: [], detail: null } : { result: 'not-held', seqs: v.seq === null ? [] : [v.seq], detail: `${v.code} at ${v.part}: ${v.reason}` };
    case 'bundle-pinned':
      if (v.ok && v.pinned) return { result: 'held', seqs: [], detail: null };
      return { result: 'not-held', seqs: [], detail: v.ok ? 'verified without a pinned key: intact, but not shown to be made by the expected Sever instance' : 'the bundle does not verify' };
  }
}

function applies(control: Control, facts: IncidentFacts): string | null {
  if (!control.appliesWhen) return null;
  const kinds = new Set(facts.artifacts.map((a) => a.kind));
  const types = new Set(facts.entries.map((e) => e.type));
  const ok = control.appliesWhen.some((alt) =>
    (!alt.subjectTypes || (alt.subjectTypes as readonly string[]).includes(facts.subjectType ?? ''))
    && (!alt.artifactKinds || alt.artifactKinds.some((k) => kinds.has(k)))
    && (!alt.entryTypes || alt.entryTypes.some((t) => types.has(t))));
  if (ok) return null;
  const want = control.appliesWhen.map((alt) => [
    alt.subjectTypes && `a subject of type ${alt.subjectTypes.join(' or ')}`,
    alt.artifactKinds && `an artifact of kind ${alt.artifactKinds.join(' or ')}`,
    alt.entryTypes && `a ${alt.entryTypes.join(' or ')} entry`,
  ].filter(Boolean).join(' with ')).join('; or ');
  return `applies to an incident with ${want}; this one's subject is ${facts.subjectType ?? 'of unknown type'}`;
}

function evaluate(control: Control, facts: IncidentFacts, v: ReportVerification): ControlResult {
  const na = (why: string): ControlResult => ({ control, status: 'not-applicable', why, requirements: [], seqs: [] });
  if (control.coverage === 'none') return na(control.note ?? 'the bundle cannot show it');
  const why = applies(control, facts);
  if (why) return na(why);
  const requirements = control.requires.map((r) => ({ says: r.says, ...check(r, facts, v) }));
  const counted = requirements.filter((r) => r.result !== 'not-applicable');
  if (!counted.length) return { control, status: 'not-applicable', why: requirements.map((r) => r.detail).filter(Boolean).join('; '), requirements, seqs: [] };
  const held = counted.filter((r) => r.result === 'held').length;
  const seqs = [...new Set(requirements.filter((r) => r.result === 'held').flatMap((r) => r.seqs))].sort((x, y) => x - y);
  let status: ControlStatus = held === counted.length ? (control.coverage === 'full' ? 'met' : 'partly') : held ? 'partly' : 'not-met';
  let because: string | null = control.coverage === 'partial' ? control.note ?? null : null;
  if (!v.ok) {
    status = 'not-met';
    because = 'the bundle does not verify, so none of its entries can be relied on';
  }
  return { control, status, why: because, requirements, seqs };
}

/** Every framework's controls, evaluated on `facts` with the verifier's verdict `v`. */
export function evaluateControls(frameworks: readonly ControlFramework[], facts: IncidentFacts, v: ReportVerification): FrameworkResult[] {
  return frameworks.map((framework) => ({ framework, results: framework.controls.map((c) => evaluate(c, facts, v)) }));
}

/** For tests and summaries: the status of control `id` in framework `frameworkId`. */
export function statusOf(results: readonly FrameworkResult[], frameworkId: string, id: string): ControlStatus | undefined {
  return results.find((f) => f.framework.id === frameworkId)?.results.find((r) => r.control.id === id)?.status;
}

