import { SYSTEM_ACTOR } from '../core/actor.ts';
import { transition, type IncidentState } from '../core/incident-state.ts';
import { getIncident, updateIncident } from '../store/repo.ts';
import { attestationRecord, checkSigned, recordRunbook, type SignedAttestation } from './attest.ts';
import type { EngineContext } from './context.ts';

/**
 * Reopens a remediated incident (e.g. a revoked artifact was used again) and records the alert.
 * A person reopens with a statement signed by their own registered key; Sever itself (the reuse
 * watch) reopens as `sever`, signed by the instance's ledger key: reopening only adds scrutiny.
 */
export async function reopen(ctx: EngineContext, incidentId: string, by: SignedAttestation | typeof SYSTEM_ACTOR, reason: string, alert?: Record<string, unknown>, expect: { person?: string } = {}): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const incident = await getIncident(tx, incidentId, true);
    const signed = by === SYSTEM_ACTOR ? undefined : await checkSigned(ctx, tx, by, { action: 'reopen', incidentId, ...expect });
    const actor = signed ? signed.parsed.person : SYSTEM_ACTOR;
    const why = signed?.parsed.reason ?? reason;
    transition(incident.state as IncidentState, 'reopened');
    if (signed) await recordRunbook(ctx, tx, incidentId, actor);
    if (alert) await ctx.ledger.append(tx, incidentId, 'alert.raised', actor, alert);
    await updateIncident(tx, incidentId, { state: 'reopened', closedAt: null, updatedAt: ctx.clock.now() });
    await ctx.ledger.append(tx, incidentId, 'incident.reopened', actor, { reason: why, ...(signed ? { keyFingerprint: signed.keyFingerprint, attestation: attestationRecord(signed) } : {}) });
  });
}
