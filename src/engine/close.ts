import { iso } from '../core/clock.ts';
import { SeverError } from '../core/errors.ts';
import { evaluateClosure } from '../core/gate.ts';
import { transition, type IncidentState } from '../core/incident-state.ts';
import { getIncident, listArtifacts, updateArtifacts, updateIncident } from '../store/repo.ts';
import { lastMaterialSeq } from '../store/attestation.ts';
import type { EngineContext } from './context.ts';
import { closureInput } from './gate-input.ts';
import { attestationRecord, checkSigned, recordRunbook, type SignedAttestation } from './attest.ts';
import { parseStatement } from '../ledger/attestation.ts';

/**
 * Closes the incident as remediated through the closure gate, on the IR lead's statement signed
 * with their own registered key and bound to the ledger as it is now. A refusal is recorded in
 * the ledger and thrown as ERR_CLOSE_REFUSED with the complete list of what is missing (or
 * ERR_ATTESTATION_INVALID when the closure itself is not signed by its holder). On closure, held
 * artifact values are purged: they are no longer needed.
 */
export async function close(ctx: EngineContext, incidentId: string, att: SignedAttestation, expect: { person?: string } = {}): Promise<void> {
  const claimed = att && typeof att.statement === 'string' ? parseStatement(att.statement) : undefined;
  const claimer = claimed && !('code' in claimed) ? claimed.person : 'unknown';
  const bad = await ctx.db.transaction(async (tx) => {
    await getIncident(tx, incidentId, true);
    try {
      return { signed: await checkSigned(ctx, tx, att, { action: 'close', incidentId, ...expect }) };
    } catch (e) {
      if (!(e instanceof SeverError)) throw e;
      await ctx.ledger.append(tx, incidentId, 'close.refused', claimer, { closer: claimer, error: e.toJSON() });
      return { error: e };
    }
  });
  if (bad.error) throw bad.error;
  const signed = bad.signed!;
  const closer = signed.parsed.person;
  await ctx.db.transaction(async (tx) => {
    const incident = await getIncident(tx, incidentId, true);
    const arts = await listArtifacts(tx, incidentId);
    const now = ctx.clock.now();
    // A closure decides on the incident as it is: one signed before the last material change is stale.
    const stale = signed.parsed.ledgerHead.seq < (await lastMaterialSeq(tx, incidentId));
    const input = await closureInput(ctx, tx, incident, closer, arts);
    const verdict = evaluateClosure(input);
    const missing = [
      ...(stale ? [{ code: 'STALE_CLOSURE' as const, person: closer, message: `The closure by ${closer} saw the ledger up to entry ${signed.parsed.ledgerHead.seq}, but the incident changed since; review it as it is now and sign the closure again.` }] : []),
      ...(verdict.ok ? [] : verdict.missing),
    ];
    if (missing.length) {
      await ctx.ledger.append(tx, incidentId, 'close.refused', closer, { closer, keyFingerprint: signed.keyFingerprint, missing });
      return missing;
    }
    await recordRunbook(ctx, tx, incidentId, closer);
    if (incident.state === 'verifying') {
      transition('verifying', 'awaiting-signoff');
      await ctx.ledger.append(tx, incidentId, 'incident.state-changed', closer, { from: 'verifying', to: 'awaiting-signoff' });
    } else {
      transition(incident.state as IncidentState, 'remediated');
    }
    await updateIncident(tx, incidentId, { state: 'remediated', closedAt: now, updatedAt: now });
    await updateArtifacts(tx, arts.filter((a) => a.secretEnc).map((a) => a.id), { secretEnc: null, updatedAt: now });
    await ctx.ledger.append(tx, incidentId, 'incident.closed', closer, {
      closer, state: 'remediated', closedAt: iso(now), executors: input.executors, ledgerHeadSeen: signed.parsed.ledgerHead, attestation: attestationRecord(signed),
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
