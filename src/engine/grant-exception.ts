import { iso } from '../core/clock.ts';
import { ExceptionRecord } from '../core/records.ts';
import { validateException } from '../core/gate.ts';
import { SeverError } from '../core/errors.ts';
import { getArtifact, getIncident, upsertException } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { settleIncident } from './wait.ts';

/** The IR lead accepts an artifact that is not proved dead, with a reason and an expiry. */
export async function grantException(ctx: EngineContext, incidentId: string, artifactId: string, by: string, reason: string, expiresAt: string): Promise<void> {
  await getIncident(ctx.db, incidentId);
  const art = await getArtifact(ctx.db, artifactId);
  if (art.incidentId !== incidentId) throw new SeverError('ERR_ARTIFACT_NOT_FOUND', `artifact ${artifactId} does not belong to incident ${incidentId}`);
  const now = ctx.clock.now();
  validateException(ctx.runbook, { artifactId, grantedBy: by, reason, expiresAt }, now);
  const record = ExceptionRecord.make({ incidentId, artifactId, grantedBy: by, reason, grantedAt: iso(now), expiresAt });
  await ctx.db.transaction(async (tx) => {
    await upsertException(tx, { incidentId, artifactId, record });
    await ctx.ledger.append(tx, incidentId, 'exception.granted', by, { exception: record, artifactStatus: art.status });
  });
  await settleIncident(ctx, incidentId, by);
}
