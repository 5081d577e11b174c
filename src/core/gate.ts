/**
 * The closure gate. An incident closes only when every artifact is proved dead or expired (or
 * covered by a live exception from the IR lead), every required role has signed off, the person
 * closing holds `ir-lead`, and the work was not done, approved and closed by one person alone.
 *
 * {@link evaluateClosure} is pure and returns every missing item at once, in a stable order, so a
 * refused close tells people the whole remaining work rather than one item per attempt.
 */
import { CLOSURE_CATALOGUE, type ClosureCode } from './closure-codes.ts';
import { exceptionProblems, type ExceptionGrant } from './exception.ts';
import type { IncidentState } from './incident-state.ts';
import { TERMINAL_PROOF, type ArtifactKind, type ArtifactStatus } from './model.ts';
import { whatWouldProve, type Inconsistency, type ProofStrength, type UnavailablePath } from './proof.ts';
import { holdsRole, requiredSignoffs, type Runbook } from './runbook.ts';

export { CLOSURE_CATALOGUE, CLOSURE_CODES, type ClosureCode } from './closure-codes.ts';
export { exceptionProblems, validateException, type ExceptionGrant, type ExceptionProblem } from './exception.ts';
export { roleHolders, validateSignoff } from './signoff.ts';

/** An artifact as the gate sees it. */
export interface GateArtifact {
  id: string;
  /** Secret-free, human-readable description. */
  label: string;
  connector: string;
  kind: ArtifactKind;
  status: ArtifactStatus;
  /** ISO 8601. */
  expiresAt?: string;
  /** For a `failed` artifact: the error that ended its last attempt, and whether it was the revocation or its verification. */
  failure?: { code: string; message: string; step?: 'revoke' | 'verify' };
  /** The grade of its last verdict: strength reached, strength required, what would prove it, contradictions seen. */
  proof?: { strength: ProofStrength | null; required: ProofStrength; wanting?: UnavailablePath[]; inconsistency?: Inconsistency };
}

export interface GateSignoff {
  role: string;
  person: string;
  /** ISO 8601. */
  at: string;
  /** The seq of the ledger head the person saw when signing; absent for a sign-off bound to nothing. */
  ledgerSeq?: number;
  /** Whether its signature verifies with a key the runbook registers for the person now; absent or false counts as not signed. */
  verified?: boolean;
  /** Why it does not verify. */
  unverifiedReason?: string;
}

/** An exception as the gate sees it, with what it was bound to when granted. */
export interface GateException extends ExceptionGrant {
  /** The artifact's status when the exception was granted; absent for one bound to nothing. */
  artifactStatus?: ArtifactStatus;
  /** The seq of the ledger head the IR lead saw. */
  ledgerSeq?: number;
  /** Whether its signature verifies with a key the runbook registers for the IR lead now; absent or false does not count. */
  verified?: boolean;
  unverifiedReason?: string;
}

export interface ClosureInput {
  incident: { state: IncidentState };
  artifacts: GateArtifact[];
  exceptions: GateException[];
  signoffs: GateSignoff[];
  /**
   * The seq of the last ledger entry that changed what a sign-off attests to (the inventory, an
   * artifact status, a plan, an exception, a reopen). A sign-off that saw an older head is stale.
   */
  materialSeq: number;
  /** The seq of the last `incident.reopened` entry (-1 when never reopened); older exceptions are stale. */
  reopenedSeq: number;
  /** Connectors the last discovery could not ask (they failed): their inventory is unknown. */
  discoveryFailures?: Array<{ connector: string; code: string; message: string }>;
  runbook: Runbook;
  /** Connector instance names the incident touched; decides which app owners must sign. */
  incidentConnectors: string[];
  /**
   * The people whose runs changed provider state for this incident (a revocation or rotation the
   * provider applied), not everyone who ran a command.
   */
  executors: string[];
  /** The person asking to close. */
  closer: string;
  /** Milliseconds since the epoch. */
  now: number;
}

/** One thing that stands between the incident and its closure. */
export interface MissingItem {
  code: ClosureCode;
  /** What is missing and what to do about it. */
  message: string;
  artifactId?: string;
  role?: string;
  person?: string;
}

export type ClosureVerdict = { ok: true } | { ok: false; missing: MissingItem[] };

/**
 * Decides whether an incident may close.
 *
 * Order of the missing items: state; then each connector discovery could not ask; then each artifact in input order (its status, then each
 * exception that does not count); then each required role without a valid sign-off; then the
 * closer's role; then separation of duties.
 *
 * @param input The incident's state, artifacts, exceptions, sign-offs, runbook and people.
 * @returns `{ ok: true }`, or `{ ok: false, missing }` listing every missing item.
 */
export function evaluateClosure(input: ClosureInput): ClosureVerdict {
  const { runbook, now, closer } = input;
  const missing: MissingItem[] = [];

  const unproved = input.artifacts.filter((a) => !TERMINAL_PROOF.includes(a.status));
  const state = input.incident.state;
  if (state !== 'awaiting-signoff' && !(state === 'verifying' && unproved.length === 0)) {
    const detail =
      state === 'verifying'
        ? `is verifying and ${unproved.length} artifact(s) are not proved dead or expired; it closes from verifying only when every artifact is proved, otherwise from awaiting-signoff`
        : `is "${state}"; it closes only from awaiting-signoff, or from verifying once every artifact is proved`;
    missing.push({ code: 'WRONG_STATE', message: `The incident ${detail}.` });
  }

  for (const f of input.discoveryFailures ?? []) {
    missing.push({ code: 'DISCOVERY_INCOMPLETE', message: `Discovery could not ask ${f.connector} (${f.code}: ${f.message}): what the subject holds there is unknown. Fix it and run discover again.` });
  }

  for (const artifact of unproved) {
    const own = input.exceptions.filter((e) => e.artifactId === artifact.id);
    const checked = own.map((e) => ({
      e,
      problems: [
        ...(e.verified === true ? [] : [{ code: 'UNVERIFIED_EXCEPTION' as const, message: `it is not signed by a key registered for ${e.grantedBy}${e.unverifiedReason ? ` (${e.unverifiedReason})` : ''}` }]),
        ...exceptionProblems(runbook, e, now), ...staleException(e, artifact, input.reopenedSeq),
      ],
    }));
    if (checked.some((c) => c.problems.length === 0)) continue;
    missing.push(statusItem(artifact));
    for (const { e, problems } of checked) {
      for (const p of problems) {
        missing.push({ code: p.code, artifactId: artifact.id, person: e.grantedBy, message: `The exception for ${describe(artifact)} does not count: ${p.message}.` });
      }
    }
  }

  // A sign-off counts only when signed by a key the runbook registers for its person now.
  for (const s of input.signoffs.filter((x) => x.verified !== true && holdsRole(runbook, x.role, x.person))) {
    missing.push({ code: 'UNVERIFIED_SIGNOFF', role: s.role, person: s.person, message: `The sign-off for ${s.role} by ${s.person} is not signed by a key registered for ${s.person}${s.unverifiedReason ? ` (${s.unverifiedReason})` : ''}; ${s.person} must sign off again with their registered key.` });
  }
  const held = input.signoffs.filter((s) => s.verified === true && holdsRole(runbook, s.role, s.person));
  const isStale = (s: GateSignoff) => s.ledgerSeq === undefined || s.ledgerSeq < input.materialSeq;
  const valid = held.filter((s) => !isStale(s));
  const required = requiredSignoffs(runbook, input.incidentConnectors);
  for (const role of required) {
    if (valid.some((s) => s.role === role)) continue;
    const stale = held.filter((s) => s.role === role && isStale(s));
    if (stale.length > 0) {
      for (const s of stale) {
        const saw = s.ledgerSeq === undefined ? 'is bound to no ledger head' : `saw the ledger up to entry ${s.ledgerSeq}`;
        missing.push({ code: 'STALE_SIGNOFF', role, person: s.person, message: `The sign-off for ${role} by ${s.person} ${saw}, but entry ${input.materialSeq} changed the incident since; ${s.person} (or another holder) must review it as it is now and sign off again.` });
      }
      continue;
    }
    const invalid = input.signoffs.filter((s) => s.role === role && !holdsRole(runbook, s.role, s.person)).map((s) => s.person);
    const note = invalid.length === 0 ? '' : ` (signed by ${invalid.join(', ')}, ${invalid.length === 1 ? 'who does' : 'who do'} not hold it)`;
    missing.push({ code: 'MISSING_SIGNOFF', role, message: `No sign-off for ${role} by a person holding it in the runbook${note}.` });
  }

  if (!holdsRole(runbook, 'ir-lead', closer)) {
    missing.push({ code: 'NOT_IR_LEAD', person: closer, message: `"${closer}" does not hold ir-lead in the runbook; only an IR lead may close an incident.` });
  }

  const executors = [...new Set(input.executors)];
  const sole = executors.length === 1 ? executors[0] : undefined;
  if (sole !== undefined && sole === closer) {
    missing.push({ code: 'SOLE_EXECUTOR', person: closer, message: `"${closer}" alone ran the revocations and cannot also close the incident; another IR lead must close it.` });
  }
  if (sole !== undefined && valid.length > 0 && valid.every((s) => s.person === sole)) {
    missing.push({ code: 'SELF_SIGNOFF', person: sole, message: `Every sign-off was given by "${sole}", who alone ran the revocations; another role holder must sign off.` });
  }

  return missing.length === 0 ? { ok: true } : { ok: false, missing };
}

/** Why an exception no longer attests to the artifact as it is: its status changed, or the incident was reopened since. */
function staleException(e: GateException, a: GateArtifact, reopenedSeq: number): Array<{ code: ClosureCode; message: string }> {
  if (e.artifactStatus === undefined || e.ledgerSeq === undefined) return [{ code: 'STALE_EXCEPTION', message: 'it is bound to no artifact status or ledger head' }];
  const out: Array<{ code: ClosureCode; message: string }> = [];
  if (e.artifactStatus !== a.status) out.push({ code: 'STALE_EXCEPTION', message: `it was granted while the artifact was ${e.artifactStatus}, and it is ${a.status} now` });
  if (e.ledgerSeq < reopenedSeq) out.push({ code: 'STALE_EXCEPTION', message: `it was granted before the incident was reopened (ledger entry ${reopenedSeq})` });
  return out;
}

function describe(a: GateArtifact): string {
  return `${a.label} (${a.kind} on ${a.connector}, ${a.id})`;
}

function statusItem(a: GateArtifact): MissingItem {
  const what = describe(a);
  const item = (code: ClosureCode, message: string): MissingItem => ({ code, artifactId: a.id, message });
  switch (a.status) {
    case 'still-live': {
      const fault = a.proof?.inconsistency ? ` Provider fault: ${a.proof.inconsistency.message}.` : '';
      return item('STILL_LIVE', `${what} still works: verification found it live after containment.${fault} Revoke it another way, or the IR lead grants an exception.`);
    }
    case 'unproven':
      return item('UNPROVEN', `${what} is not proved dead: ${a.proof ? whatWouldProve(a.proof) : 'its proof is unknown; run verify.'} Or the IR lead grants an exception.`);
    case 'residual':
      return item(
        'RESIDUAL_EXPOSURE',
        `${what}: residual exposure until ${a.expiresAt ?? 'unknown'}. It cannot be revoked selectively; verify it expired after that time, or the IR lead grants an exception.`,
      );
    case 'failed':
      return item('REVOKE_FAILED', `${what}: ${a.failure?.step === 'verify' ? 'its verification' : 'revocation'} failed permanently${a.failure ? ` (${a.failure.code}: ${a.failure.message})` : ''}. ${a.failure?.step === 'verify' ? 'Fix the cause and run verify again' : 'Revoke it another way'}, or the IR lead grants an exception.`);
    case 'revoked':
      return item('MISSING_EVIDENCE', `${what} is revoked but not verified: an acknowledgement is not evidence. Run verify.`);
    default:
      return item('MISSING_EVIDENCE', `${what} is ${a.status}: it has not been revoked and verified yet. ${CLOSURE_CATALOGUE.MISSING_EVIDENCE.todo}`);
  }
}
