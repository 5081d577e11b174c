import { iso } from '../core/clock.ts';
import { ExceptionRecord } from '../core/records.ts';
import { validateException } from '../core/gate.ts';
import { SeverError } from '../core/errors.ts';
import type { ArtifactStatus } from '../core/model.ts';
import { getArtifact, getIncident, upsertException } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { settleIncident } from './wait.ts';
import { attestationRecord, checkSigned, recordRunbook, type SignedAttestation } from './attest.ts';

/** Statuses an exception cannot cover: already proved, or still being contained (the outcome is not known yet). */
const NOT_EXCEPTABLE: readonly ArtifactStatus[] = ['verified-dead', 'verified-expired', 'revoking', 'rotating', 'revoked'];

/**
 * The IR lead accepts an artifact that is not proved dead, with a reason and an expiry, in a
 * statement signed with their own registered key. The exception is bound to the artifact's status
 * and the ledger head at that moment: if either moves on (the artifact is re-verified, the
 * incident reopened), the gate no longer counts it.
 */
export async function grantException(ctx: EngineContext, incidentId: string, att: SignedAttestation, expect: { person?: string; artifactId?: string } = {}): Promise<void> {
  await getIncident(ctx.db, incidentId);
  const signed = await checkSigned(ctx, ctx.db, att, { action: 'exception', incidentId, ...expect });
  const { artifactId, person: by, reason, expiresAt } = signed.parsed;
  if (!artifactId || !reason || !expiresAt) {
    throw new SeverError('ERR_EXCEPTION_REFUSED', 'an exception statement names the artifact, the reason and the expiry', { details: { artifactId: artifactId ?? null } });
  }
  const art = await getArtifact(ctx.db, artifactId);
  if (art.incidentId !== incidentId) throw new SeverError('ERR_ARTIFACT_NOT_FOUND', `artifact ${artifactId} does not belong to incident ${incidentId}`);
  const now = ctx.clock.now();
  validateException(ctx.runbook, { artifactId, grantedBy: by, reason, expiresAt }, now);
  await ctx.db.transaction(async (tx) => {
    // Locks the incident: the exception is recorded against its chain as it is now.
    await getIncident(tx, incidentId, true);
    await checkSigned(ctx, tx, att, { action: 'exception', incidentId, ...expect });
    const current = await getArtifact(tx, artifactId);
    const status = current.status as ArtifactStatus;
    if (NOT_EXCEPTABLE.includes(status)) {
      throw new SeverError('ERR_EXCEPTION_REFUSED', `artifact ${artifactId} is ${status}: ${status.startsWith('verified') ? 'it is already proved; it needs no exception' : 'its containment has not settled; grant an exception once its outcome is known'}`, {
        details: { artifactId, status },
      });
    }
    // Bound to the head the IR lead saw when signing, not to the head now.
    const ledgerHead = signed.parsed.ledgerHead;
    await recordRunbook(ctx, tx, incidentId, by);
    const record = ExceptionRecord.make({ incidentId, artifactId, grantedBy: by, reason, grantedAt: iso(now), expiresAt, ledgerHead, artifactStatus: status, attestation: attestationRecord(signed) });
    await upsertException(tx, { incidentId, artifactId, record });
    await ctx.ledger.append(tx, incidentId, 'exception.granted', by, { exception: record, artifactStatus: status, keyFingerprint: signed.keyFingerprint });
  });
  await settleIncident(ctx, incidentId, by);
}
