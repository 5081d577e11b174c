import { iso } from '../core/clock.ts';
import { SeverError } from '../core/errors.ts';
import { evaluateClosure } from '../core/gate.ts';
import { transition, type IncidentState } from '../core/incident-state.ts';
import { getIncident, listArtifacts, updateArtifacts, updateIncident } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { closureInput } from './gate-input.ts';

/**
 * Closes the incident as remediated through the closure gate. A refusal is recorded in the ledger
 * and thrown as ERR_CLOSE_REFUSED with the complete list of what is missing. On closure, held
 * artifact values are purged: they are no longer needed.
 */
export async function close(ctx: EngineContext, incidentId: string, closer: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const incident = await getIncident(tx, incidentId, true);
    const arts = await listArtifacts(tx, incidentId);
    const now = ctx.clock.now();
    const input = await closureInput(ctx, tx, incident, closer, arts);
    const verdict = evaluateClosure(input);
    if (!verdict.ok) {
      await ctx.ledger.append(tx, incidentId, 'close.refused', closer, { closer, missing: verdict.missing });
      return verdict.missing;
    }
    if (incident.state === 'verifying') {
      transition('verifying', 'awaiting-signoff');
      await ctx.ledger.append(tx, incidentId, 'incident.state-changed', closer, { from: 'verifying', to: 'awaiting-signoff' });
    } else {
      transition(incident.state as IncidentState, 'remediated');
    }
    await updateIncident(tx, incidentId, { state: 'remediated', closedAt: now, updatedAt: now });
    await updateArtifacts(tx, arts.filter((a) => a.secretEnc).map((a) => a.id), { secretEnc: null, updatedAt: now });
    await ctx.ledger.append(tx, incidentId, 'incident.closed', closer, {
      closer, state: 'remediated', closedAt: iso(now), executors: input.executors, ledgerHeadSeen: { seq: incident.ledgerSeq - 1, hash: incident.ledgerHead },
      signoffs: input.records.signoffs, exceptions: input.records.exceptions,
      artifacts: arts.map((a) => ({ artifactId: a.id, status: a.status })),
      valuesPurged: arts.filter((a) => a.secretEnc).length,
    });
    return undefined;
  }).then((missing) => {
    if (missing) {
      throw new SeverError('ERR_CLOSE_REFUSED', `incident ${incidentId} cannot be closed: ${missing.length} item(s) missing`, { details: { missing } });
    }
  });
}
