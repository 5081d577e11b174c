/**
 * The verify step: observe the artifact through a path other than the one that revoked it, record
 * the observation's hash, and either settle a verdict or poll again until the deadline. An
 * acknowledgement is never evidence; a verification through the revoke path is refused as evidence.
 */
import { SeverError, toSeverError } from '../core/errors.ts';
import type { VerifyObservation } from '../connectors/contract.ts';
import { hashObservation } from '../ledger/index.ts';
import { getArtifact, getStep, settleStep, updateArtifact, type ArtifactRow, type StepRow } from '../store/repo.ts';
import { toHandle } from './artifact-handle.ts';
import type { EngineContext } from './context.ts';
import { deferForRate } from './handle-revoke.ts';
import { retryDelay } from './with-retry.ts';

export async function handleVerify(ctx: EngineContext, stepId: string): Promise<void> {
  const step = await getStep(ctx.db, stepId);
  if (!step || step.state !== 'pending') return;
  const art = await getArtifact(ctx.db, step.artifactId);
  const connector = ctx.connectors.get(art.connector);
  if (!connector) return settle(ctx, step, art, 'still-live', { error: `connector ${art.connector} is no longer configured` });
  if (await deferForRate(ctx, step, art.connector)) return;
  const limits = ctx.limits.get(art.connector)!;
  const poll = step.attempts + 1;
  let obs: VerifyObservation | undefined;
  let error: SeverError | undefined;
  try {
    obs = await ctx.runner.semaphore(art.connector).run(() => connector.verify(toHandle(art, ctx.secrets)));
    const revokeMethod = connector.manifest.artifacts.find((c) => c.kind === art.kind)?.revoke.method;
    const same = obs.checks.find((c) => c.path === revokeMethod);
    if (obs.checks.length === 0 || same) {
      error = new SeverError('ERR_VERIFY_SAME_PATH', `${art.connector} verified ${art.kind} ${art.id} ${same ? `through its revoke path (${same.path})` : 'with no check at all'}; not accepted as evidence`);
      obs = undefined;
    }
  } catch (e) {
    error = toSeverError(e);
  }
  const now = ctx.clock.now();
  const deadline = step.deadlineAt ?? now;
  const observedHash = obs ? hashObservation(obs as never) : null;
  const verdict = obs?.verdict;
  const proved = verdict === 'dead' || (verdict === 'expired' && (!art.revocable || (art.expiresAt !== null && art.expiresAt <= now)));
  await ctx.db.transaction(async (tx) => {
    const entry = await ctx.ledger.append(tx, step.incidentId, 'verify.observation', 'sever', {
      artifactId: art.id, stepId: step.id, connector: art.connector, kind: art.kind, poll,
      ...(obs ? { verdict: obs.verdict, checks: obs.checks, observedHash } : { error: error!.toJSON() }),
    });
    if (proved) {
      if (!(await settleStep(tx, step.id, { state: 'done', attempts: poll, result: { verdict, observedHash, proofSeq: entry.seq }, updatedAt: now }))) return;
      const status = verdict === 'dead' ? 'verified-dead' : 'verified-expired';
      await updateArtifact(tx, art.id, { status, verdictAt: now, updatedAt: now });
      await ctx.ledger.append(tx, step.incidentId, 'artifact.verdict', 'sever', {
        artifactId: art.id, connector: art.connector, kind: art.kind, verdict: status, proofSeq: entry.seq, observedHash,
        paths: obs!.checks.map((c) => c.path),
      });
      return;
    }
    const retryable = obs !== undefined || error?.retryable === true;
    const wait = obs ? limits.verifyPolicy.pollIntervalMs : retryDelay(ctx, poll, error!);
    // A residual artifact waits for its expiry; everything else polls until its deadline.
    const waitUntil = art.status === 'residual' && art.expiresAt ? Math.max(now + wait, Math.min(art.expiresAt + 50, deadline)) : now + wait;
    if (retryable && waitUntil <= deadline) {
      if (!(await settleStep(tx, step.id, { attempts: poll, updatedAt: now }))) return;
      await ctx.runner.enqueue(tx, 'verify', [{ stepId: step.id, connector: art.connector, startAfterMs: waitUntil - now }]);
      return;
    }
    if (!(await settleStep(tx, step.id, { state: 'failed', attempts: poll, result: { verdict: verdict ?? null, observedHash }, updatedAt: now }))) return;
    const status = art.status === 'residual' ? 'residual' : 'still-live';
    await updateArtifact(tx, art.id, { status, updatedAt: now });
    await ctx.ledger.append(tx, step.incidentId, 'artifact.verdict', 'sever', {
      artifactId: art.id, connector: art.connector, kind: art.kind, verdict: status, lastObservationSeq: entry.seq,
      reason: obs ? `still ${verdict} at the verification deadline` : `verification failed: ${error!.code}`,
    });
  });
}

async function settle(ctx: EngineContext, step: StepRow, art: ArtifactRow, status: string, detail: Record<string, unknown>): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction(async (tx) => {
    if (!(await settleStep(tx, step.id, { state: 'failed', result: detail, updatedAt: now }))) return;
    await updateArtifact(tx, art.id, { status, updatedAt: now });
    await ctx.ledger.append(tx, step.incidentId, 'artifact.verdict', 'sever', { artifactId: art.id, verdict: status, ...detail });
  });
}
