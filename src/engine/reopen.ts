import { transition, type IncidentState } from '../core/incident-state.ts';
import { getIncident, updateIncident } from '../store/repo.ts';
import type { EngineContext } from './context.ts';

/** Reopens a remediated incident (e.g. a revoked artifact was used again) and records the alert. */
export async function reopen(ctx: EngineContext, incidentId: string, actor: string, reason: string, alert?: Record<string, unknown>): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const incident = await getIncident(tx, incidentId, true);
    transition(incident.state as IncidentState, 'reopened');
    if (alert) await ctx.ledger.append(tx, incidentId, 'alert.raised', actor, alert);
    await updateIncident(tx, incidentId, { state: 'reopened', closedAt: null, updatedAt: ctx.clock.now() });
    await ctx.ledger.append(tx, incidentId, 'incident.reopened', actor, { reason });
  });
}
