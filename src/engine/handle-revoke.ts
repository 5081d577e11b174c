/**
 * The revoke step. Its intent (step row + idempotency key + ledger entry) was stored before this
 * runs; here the provider is called once, and the response is stored with the next step (verify)
 * in one transaction. A repeated delivery finds the step done and does nothing.
 */
import { SeverError, toSeverError } from '../core/errors.ts';
import { hashObservation } from '../ledger/index.ts';
import { getArtifact, getStep, insertSteps, settleStep, takeRateBudget, updateArtifact, type StepRow } from '../store/repo.ts';
import { toHandle } from './artifact-handle.ts';
import type { EngineContext } from './context.ts';
import { retryDelay } from './with-retry.ts';

export async function handleRevoke(ctx: EngineContext, stepId: string): Promise<void> {
  const step = await getStep(ctx.db, stepId);
  if (!step || step.state !== 'pending') return;
  const art = await getArtifact(ctx.db, step.artifactId);
  const connector = ctx.connectors.get(art.connector);
  if (!connector) {
    return fail(ctx, step, new SeverError('ERR_CONNECTOR_UNKNOWN', `connector ${art.connector} is no longer configured`), 'failed');
  }
  if (await deferForRate(ctx, step, art.connector)) return;
  let outcome;
  try {
    outcome = await ctx.runner.semaphore(art.connector).run(() => connector.revoke(toHandle(art, ctx.secrets)));
  } catch (e) {
    const err = toSeverError(e);
    const attempts = step.attempts + 1;
    if (err.retryable && attempts < ctx.tuning.retry.maxAttempts) {
      const delay = retryDelay(ctx, attempts, err);
      await ctx.db.transaction(async (tx) => {
        if (!(await settleStep(tx, step.id, { attempts, updatedAt: ctx.clock.now() }))) return;
        await ctx.ledger.append(tx, step.incidentId, 'revoke.error', 'sever', { artifactId: art.id, stepId: step.id, attempt: attempts, retryInMs: delay, error: err.toJSON() });
        await ctx.runner.enqueue(tx, 'revoke', [{ stepId: step.id, connector: art.connector, startAfterMs: delay }]);
      });
      return;
    }
    return fail(ctx, step, err, err.code === 'ERR_NOT_REVOCABLE' ? 'residual' : 'failed');
  }
  const now = ctx.clock.now();
  const limits = ctx.limits.get(art.connector)!;
  const cap = connector.manifest.artifacts.find((c) => c.kind === art.kind);
  const deadline = now + Math.max(limits.verifyPolicy.deadlineMs, cap?.expectedDeadByMs ?? 0);
  const result = { status: outcome.status, method: outcome.method, responseStatus: outcome.response.status ?? null, responseHash: hashObservation(outcome.response as never) };
  await ctx.db.transaction(async (tx) => {
    if (!(await settleStep(tx, step.id, { state: 'done', attempts: step.attempts + 1, result, updatedAt: now }))) return;
    await updateArtifact(tx, art.id, { status: 'revoked', updatedAt: now });
    await ctx.ledger.append(tx, step.incidentId, 'revoke.response', 'sever', {
      artifactId: art.id, stepId: step.id, idempotencyKey: step.idempotencyKey, connector: art.connector, kind: art.kind,
      method: outcome.method, status: outcome.status, request: outcome.request, response: outcome.response, responseHash: result.responseHash,
      note: 'an acknowledgement, not evidence: verification follows through an independent path',
    });
    const [verifyStep] = await insertSteps(tx, [{
      id: ctx.ids.next('stp'), incidentId: step.incidentId, artifactId: art.id, type: 'verify', idempotencyKey: `verify:${step.idempotencyKey}`,
      state: 'pending', actor: step.actor, deadlineAt: deadline, createdAt: now, updatedAt: now,
    }]);
    if (verifyStep) await ctx.runner.enqueue(tx, 'verify', [{ stepId: verifyStep.id, connector: art.connector }]);
  });
}

async function fail(ctx: EngineContext, step: StepRow, err: SeverError, status: 'failed' | 'residual'): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction(async (tx) => {
    if (!(await settleStep(tx, step.id, { state: 'failed', attempts: step.attempts + 1, result: { error: err.toJSON() }, updatedAt: now }))) return;
    await updateArtifact(tx, step.artifactId, { status, updatedAt: now });
    await ctx.ledger.append(tx, step.incidentId, 'revoke.error', 'sever', { artifactId: step.artifactId, stepId: step.id, final: true, error: err.toJSON() });
  });
}

/** Takes one call from the provider's shared rate budget; when none is left, re-queues the step for the next window. */
export async function deferForRate(ctx: EngineContext, step: StepRow, connector: string): Promise<boolean> {
  const rate = ctx.limits.get(connector)?.rate;
  if (!rate) return false;
  const wait = await takeRateBudget(ctx.db, `connector:${connector}`, rate.limit, rate.windowMs, ctx.clock.now());
  if (wait === 0) return false;
  await ctx.db.transaction((tx) => ctx.runner.enqueue(tx, step.type as 'revoke' | 'verify', [{ stepId: step.id, connector, startAfterMs: wait }]));
  return true;
}
