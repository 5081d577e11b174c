import { iso } from '../core/clock.ts';
import { SeverError } from '../core/errors.ts';
import { SUBJECT_TYPES, type Subject } from '../core/model.ts';
import { insertIncident } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { runbookHash } from './attest.ts';

export interface OpenIncidentInput {
  subject: Subject;
  reason?: string;
  /** ISO 8601: when the compromise began, if known (e.g. the phishing e-mail's time). */
  compromisedAt?: string;
  actor: string;
}

/** Opens an incident for a subject and records it as the first evidence entry. */
export async function openIncident(ctx: EngineContext, input: OpenIncidentInput): Promise<string> {
  const { subject } = input;
  if (!subject.handle?.trim()) throw new SeverError('ERR_INPUT_INVALID', 'subject: a non-empty handle is required', { details: { field: 'subject' } });
  if (!SUBJECT_TYPES.includes(subject.type)) {
    throw new SeverError('ERR_INPUT_INVALID', `subject type: expected one of ${SUBJECT_TYPES.join(', ')}, got ${JSON.stringify(subject.type)}`, { details: { field: 'subject-type' } });
  }
  for (const name of Object.keys(subject.identifiers)) {
    if (!ctx.connectors.has(name)) {
      throw new SeverError('ERR_CONNECTOR_UNKNOWN', `subject identifier for ${name}: no such connector in the configuration (configured: ${[...ctx.connectors.keys()].join(', ') || 'none'})`, { details: { connector: name } });
    }
  }
  const compromisedAt = input.compromisedAt === undefined ? undefined : Date.parse(input.compromisedAt);
  if (compromisedAt !== undefined && (Number.isNaN(compromisedAt) || !/^\d{4}-\d{2}-\d{2}T/.test(input.compromisedAt!))) {
    throw new SeverError('ERR_INPUT_INVALID', `--compromised-at ${JSON.stringify(input.compromisedAt)}: expected an ISO 8601 time`, { details: { field: 'compromised-at' } });
  }
  const id = ctx.ids.next('inc');
  const now = ctx.clock.now();
  if (compromisedAt !== undefined && compromisedAt > now) {
    throw new SeverError('ERR_INPUT_INVALID', `--compromised-at ${input.compromisedAt}: is in the future`, { details: { field: 'compromised-at' } });
  }
  await ctx.db.transaction(async (tx) => {
    await insertIncident(tx, {
      id, state: 'open', subjectType: subject.type, handle: subject.handle, subject, reason: input.reason ?? '',
      openedBy: input.actor, openedAt: now, updatedAt: now, ...(compromisedAt !== undefined ? { compromisedAt } : {}),
    });
    await ctx.ledger.append(tx, id, 'incident.opened', input.actor, {
      subject, reason: input.reason ?? '', openedAt: iso(now), ...(compromisedAt !== undefined ? { compromisedAt: iso(compromisedAt) } : {}), publicKey: ctx.ledger.signer.publicJwk, keyId: ctx.ledger.signer.keyId,
      // The runbook in force, with everyone's registered keys: attestations are checked against it, offline too.
      runbook: ctx.runbook, runbookHash: runbookHash(ctx.runbook),
    });
  });
  return id;
}
