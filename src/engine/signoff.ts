import { iso } from '../core/clock.ts';
import { SeverError } from '../core/errors.ts';
import { SignoffRecord } from '../core/records.ts';
import { validateSignoff } from '../core/gate.ts';
import { getIncident, upsertSignoff } from '../store/repo.ts';
import type { EngineContext } from './context.ts';

/** Records a runbook role's sign-off; refused (and the refusal recorded) when the person does not hold the role. */
export async function signoff(ctx: EngineContext, incidentId: string, role: string, person: string, note?: string): Promise<void> {
  const incident = await getIncident(ctx.db, incidentId);
  const now = ctx.clock.now();
  try {
    if (incident.state === 'remediated') throw new SeverError('ERR_SIGNOFF_REFUSED', `incident ${incidentId} is already remediated`, { details: { state: incident.state } });
    validateSignoff(ctx.runbook, role, person);
  } catch (e) {
    if (e instanceof SeverError) {
      await ctx.db.transaction((tx) => ctx.ledger.append(tx, incidentId, 'signoff.refused', person, { role, person, error: e.toJSON() }));
    }
    throw e;
  }
  const record = SignoffRecord.make({ incidentId, role, person, at: iso(now), ...(note ? { note } : {}) });
  await ctx.db.transaction(async (tx) => {
    await upsertSignoff(tx, { incidentId, role, person, at: now, record });
    await ctx.ledger.append(tx, incidentId, 'signoff.recorded', person, { role, person, signoff: record });
  });
}
