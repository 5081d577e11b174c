import { iso } from '../core/clock.ts';
import { SeverError } from '../core/errors.ts';
import { SignoffRecord } from '../core/records.ts';
import { validateSignoff } from '../core/gate.ts';
import { parseStatement } from '../ledger/attestation.ts';
import { countOpenSteps, getIncident, upsertSignoff } from '../store/repo.ts';
import { attestationRecord, checkSigned, recordRunbook, type SignedAttestation } from './attest.ts';
import type { EngineContext } from './context.ts';

/** States in which containment has settled and the incident can be attested to. */
const ATTESTABLE = new Set(['verifying', 'awaiting-signoff']);

/**
 * Records a runbook role's sign-off: a statement naming the incident, the role and the ledger head
 * the person saw, signed with one of the person's registered keys. A later change to the inventory,
 * an artifact status or a reopen makes it stale at the gate. Refused (and the refusal recorded)
 * when it is not signed by the person's own key, when the person does not hold the role, or before
 * containment has settled: nobody can attest to an outcome that is not known yet.
 */
/** `expect`: what the caller says is being signed (the CLI's --role and --as); a statement saying otherwise is refused. */
export async function signoff(ctx: EngineContext, incidentId: string, att: SignedAttestation, expect: { person?: string; role?: string } = {}): Promise<void> {
  await getIncident(ctx.db, incidentId);
  // Who the statement claims, for the refusal's record (nothing is trusted from it before the check).
  const claimed = att && typeof att.statement === 'string' ? parseStatement(att.statement) : undefined;
  const claim = claimed && !('code' in claimed) ? { person: claimed.person, role: claimed.role ?? '' } : { person: 'unknown', role: '' };
  const refused = await ctx.db.transaction(async (tx) => {
    const incident = await getIncident(tx, incidentId, true);
    const now = ctx.clock.now();
    let checked;
    try {
      if (incident.state === 'remediated') throw new SeverError('ERR_SIGNOFF_REFUSED', `incident ${incidentId} is already remediated`, { details: { state: incident.state } });
      checked = await checkSigned(ctx, tx, att, { action: 'signoff', incidentId, ...expect });
      validateSignoff(ctx.runbook, checked.parsed.role ?? '', checked.parsed.person);
      const pending = await countOpenSteps(tx, incidentId);
      if (!ATTESTABLE.has(incident.state) || pending > 0) {
        const why = pending > 0 ? `${pending} containment step(s) are still pending` : `it is "${incident.state}"`;
        throw new SeverError('ERR_SIGNOFF_REFUSED', `incident ${incidentId} cannot be signed off yet: ${why}; sign off once containment has settled (the incident is verifying or awaiting-signoff with no pending step)`, {
          details: { state: incident.state, pendingSteps: pending },
        });
      }
    } catch (e) {
      if (e instanceof SeverError) {
        await ctx.ledger.append(tx, incidentId, 'signoff.refused', claim.person, { role: claim.role, person: claim.person, error: e.toJSON() });
        return e;
      }
      throw e;
    }
    const { person, role, ledgerHead, note } = { ...checked.parsed, role: checked.parsed.role! };
    await recordRunbook(ctx, tx, incidentId, person);
    const record = SignoffRecord.make({ incidentId, role, person, at: iso(now), ...(note ? { note } : {}), ledgerHead, attestation: attestationRecord(checked) });
    await upsertSignoff(tx, { incidentId, role, person, at: now, record });
    await ctx.ledger.append(tx, incidentId, 'signoff.recorded', person, { role, person, ledgerHead, keyFingerprint: checked.keyFingerprint, signoff: record });
    return undefined;
  });
  if (refused) throw refused;
}
