/**
 * Attestations are signed by the person: the engine prepares the statement to sign (bound to the
 * ledger head now) and checks a signed one before anything counts. The runbook in force, with
 * its keys, is in the incident's ledger before any attestation that relies on it, so an auditor
 * checks every signature offline against the keys that were registered then.
 */
import { iso } from '../core/clock.ts';
import { SeverError } from '../core/errors.ts';
import type { Runbook } from '../core/runbook.ts';
import {
  checkAttestation, statementMismatch, statementText, type AttestationAction, type CheckedAttestation, type SignedAttestation, type Statement,
} from '../ledger/attestation.ts';
import { canonicalize } from '../ledger/canonical.ts';
import { sha256Hex } from '../ledger/digest.ts';
import { getIncident } from '../store/repo.ts';
import { lastRunbookHash, ledgerHashAt } from '../store/attestation.ts';
import type { DbOrTx } from '../store/types.ts';
import type { EngineContext } from './context.ts';

export type { SignedAttestation } from '../ledger/attestation.ts';

/** What a person is about to attest to; the engine adds the incident, the ledger head and the time. */
export interface StatementInput {
  action: AttestationAction;
  person: string;
  role?: string;
  artifactId?: string;
  reason?: string;
  expiresAt?: string;
  note?: string;
}

/** The statement to sign for `input`, bound to the incident's ledger head now, and its exact text. */
export async function prepareStatement(ctx: EngineContext, incidentId: string, input: StatementInput): Promise<{ statement: Statement; text: string }> {
  const incident = await getIncident(ctx.db, incidentId);
  if (!incident.ledgerHead) throw new SeverError('ERR_INPUT_INVALID', `incident ${incidentId} has no ledger yet`, { details: { field: 'incident' } });
  const statement: Statement = {
    kind: 'sever.statement', version: 1, action: input.action, incidentId, person: input.person.trim(),
    ...(input.role !== undefined ? { role: input.role } : {}),
    ...(input.artifactId !== undefined ? { artifactId: input.artifactId } : {}),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt } : {}),
    ...(input.note !== undefined && input.note !== '' ? { note: input.note } : {}),
    ledgerHead: { seq: incident.ledgerSeq - 1, hash: incident.ledgerHead },
    at: iso(ctx.clock.now()),
  };
  let text: string;
  try {
    text = statementText(statement);
  } catch (e) {
    throw new SeverError('ERR_INPUT_INVALID', `the statement cannot be made: ${(e as Error).message.slice(0, 300)}`, { details: { field: 'statement' } });
  }
  return { statement, text };
}

/** The public key lines the runbook registers for a person. */
export const keysOf = (runbook: Runbook) => (person: string): readonly string[] => runbook.keys?.[person] ?? [];

/**
 * Checks a signed attestation for `want` on this incident: a valid statement, signed by one of the
 * person's registered keys, saying what is claimed, bound to an entry of this incident's chain.
 *
 * @throws SeverError `ERR_ATTESTATION_INVALID` naming what is wrong and what would fix it.
 */
export async function checkSigned(
  ctx: EngineContext, db: DbOrTx, att: SignedAttestation | undefined, want: { action: AttestationAction; incidentId: string; person?: string; role?: string; artifactId?: string },
): Promise<CheckedAttestation> {
  const fail = (message: string, code: string, extra: Record<string, unknown> = {}) =>
    new SeverError('ERR_ATTESTATION_INVALID', `${want.action} on ${want.incidentId} refused: ${message}`, { details: { problem: code, action: want.action, ...extra } });
  if (!att) throw fail(`it must be signed by the person with their own key (a typed name attests to nothing); sign with --key <your ssh key>, or submit --statement and --signature`, 'UNSIGNED');
  const checked = checkAttestation(att, keysOf(ctx.runbook));
  if ('code' in checked) throw fail(checked.message, checked.code);
  const mismatch = statementMismatch(checked.parsed, want);
  if (mismatch) throw fail(mismatch.message, mismatch.code, { person: checked.parsed.person });
  const head = checked.parsed.ledgerHead;
  const hash = await ledgerHashAt(db, want.incidentId, head.seq);
  if (hash !== head.hash) {
    throw fail(`the statement is bound to ledger entry ${head.seq} with hash ${head.hash.slice(0, 12)}…, which is not an entry of this incident's ledger; prepare a new statement and sign it`, 'MISMATCH', { person: checked.parsed.person });
  }
  return checked;
}

/** The canonical hash of a runbook as recorded in the ledger. */
export const runbookHash = (runbook: Runbook): string => sha256Hex(canonicalize(runbook as never));

/**
 * Puts the runbook in force (with its keys) in the incident's ledger when it is not the one last
 * recorded there, so that every attestation is checked, offline too, against the keys of its time.
 */
export async function recordRunbook(ctx: EngineContext, tx: DbOrTx, incidentId: string, actor: string): Promise<void> {
  const hash = runbookHash(ctx.runbook);
  if ((await lastRunbookHash(tx, incidentId)) === hash) return;
  await ctx.ledger.append(tx, incidentId, 'runbook.recorded', actor, { runbook: ctx.runbook, runbookHash: hash });
}

/** What the ledger and the stored record keep of a checked attestation. */
export const attestationRecord = (a: CheckedAttestation) => ({ statement: a.statement, signature: a.signature, keyFingerprint: a.keyFingerprint });
