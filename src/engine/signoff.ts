import { iso } from '../core/clock.ts';
import { SeverError } from '../core/errors.ts';
import { SignoffRecord } from '../core/records.ts';
import { validateSignoff } from '../core/gate.ts';
import { countOpenSteps, getIncident, upsertSignoff } from '../store/repo.ts';
import type { EngineContext } from './context.ts';

/** States in which containment has settled and the incident can be attested to. */
const ATTESTABLE = new Set(['verifying', 'awaiting-signoff']);

/**
 * Records a runbook role's sign-off, bound to the ledger head the signer saw: a later change to
 * the inventory, an artifact status or a reopen makes it stale at the gate. Refused (and the
 * refusal recorded) when the person does not hold the role, or before containment has settled:
 * nobody can attest to an outcome that is not known yet.
 */
export async function signoff(ctx: EngineContext, incidentId: string, role: string, person: string, note?: string): Promise<void> {
  await getIncident(ctx.db, incidentId);
  const refused = await ctx.db.transaction(async (tx) => {
    const incident = await getIncident(tx, incidentId, true);
    const now = ctx.clock.now();
    try {
      if (incident.state === 'remediated') throw new SeverError('ERR_SIGNOFF_REFUSED', `incident ${incidentId} is already remediated`, { details: { state: incident.state } });
      validateSignoff(ctx.runbook, role, person);
      const pending = await countOpenSteps(tx, incidentId);
      if (!ATTESTABLE.has(incident.state) || pending > 0) {
        const why = pending > 0 ? `${pending} containment step(s) are still pending` : `it is "${incident.state}"`;
        throw new SeverError('ERR_SIGNOFF_REFUSED', `incident ${incidentId} cannot be signed off yet: ${why}; sign off once containment has settled (the incident is verifying or awaiting-signoff with no pending step)`, {
          details: { state: incident.state, pendingSteps: pending },
        });
      }
    } catch (e) {
      if (e instanceof SeverError) {
        await ctx.ledger.append(tx, incidentId, 'signoff.refused', person, { role, person, error: e.toJSON() });
        return e;
      }
      throw e;
    }
    const ledgerHead = { seq: incident.ledgerSeq - 1, hash: incident.ledgerHead ?? '' };
    const record = SignoffRecord.make({ incidentId, role, person, at: iso(now), ...(note ? { note } : {}), ledgerHead });
    await upsertSignoff(tx, { incidentId, role, person, at: now, record });
    await ctx.ledger.append(tx, incidentId, 'signoff.recorded', person, { role, person, ledgerHead, signoff: record });
    return undefined;
  });
  if (refused) throw refused;
}
