/**
 * The revoke step, for a batch of jobs. Each step's intent (step row + idempotency key + ledger
 * entry) was stored before this runs; here each provider is called once per step, concurrently
 * within the provider's limits, and the responses are stored with the next steps (verify) in one
 * transaction. A repeated delivery finds its step settled and does nothing.
 */
import { SeverError, toSeverError } from '../core/errors.ts';
import type { RevokeOutcome } from '../connectors/contract.ts';
import { hashObservation } from '../ledger/index.ts';
import { getArtifacts, getSteps, insertSteps, setArtifactStatuses, settleSteps, type ArtifactRow, type NewStepRow, type StepRow, type StepSettlement } from '../store/repo.ts';
import { toHandle } from './artifact-handle.ts';
import type { EngineContext } from './context.ts';
import { takeBudget } from './rate-budget.ts';
import { byIncident } from './by-incident.ts';
import { observe, recordPolls, settlementOf, toPoll, type Poll } from './handle-verify.ts';
import { retryDelay } from './with-retry.ts';

interface Attempt {
  step: StepRow;
  art: ArtifactRow;
  outcome?: RevokeOutcome;
  error?: SeverError;
  observed?: Pick<Poll, 'obs' | 'error'>;
}

export async function handleRevokeBatch(ctx: EngineContext, stepIds: string[]): Promise<void> {
  const steps = (await getSteps(ctx.db, stepIds)).filter((s) => s.state === 'pending');
  if (steps.length === 0) return;
  const arts = new Map((await getArtifacts(ctx.db, steps.map((s) => s.artifactId))).map((a) => [a.id, a]));
  const results = await Promise.all(
    steps.map(async (step): Promise<Attempt & { deferMs?: number }> => {
      const art = arts.get(step.artifactId)!;
      const connector = ctx.connectors.get(art.connector);
      if (!connector) return { step, art, error: new SeverError('ERR_CONNECTOR_UNKNOWN', `connector ${art.connector} is no longer configured`) };
      let outcome: RevokeOutcome;
      try {
        // Two units of the provider's budget: the revocation and the verification that follows it.
        const r = await ctx.runner.semaphore(art.connector).run(async () => {
          const wait = await takeBudget(ctx, art.connector, 2);
          return wait > 0 ? { deferMs: wait } : { outcome: await connector.revoke(toHandle(art, ctx.secrets)) };
        });
        if (r.deferMs !== undefined) return { step, art, deferMs: r.deferMs };
        outcome = r.outcome!;
      } catch (e) {
        return { step, art, error: toSeverError(e) };
      }
      // Verification follows each acknowledgement at once (pipelined per artifact).
      return { step, art, outcome, observed: await observe(ctx, art) };
    }),
  );
  const deferred = results.filter((r) => r.deferMs !== undefined).map((r) => ({ step: r.step, waitMs: r.deferMs! }));
  const attempts: Attempt[] = results.filter((r) => r.deferMs === undefined);
  const now = ctx.clock.now();
  const max = ctx.tuning.retry.maxAttempts;
  const settlements: StepSettlement[] = attempts.map(({ step, outcome, error }) => {
    const n = step.attempts + 1;
    if (outcome) return { id: step.id, state: 'done', attempts: n, result: { status: outcome.status, method: outcome.method, responseStatus: outcome.response.status ?? null, responseHash: hashObservation(outcome.response as never) } };
    if (error!.retryable && n < max) return { id: step.id, state: 'pending', attempts: n };
    return { id: step.id, state: 'failed', attempts: n, result: { error: error!.toJSON() } };
  });

  await ctx.db.transaction(async (tx) => {
    if (deferred.length) await ctx.runner.enqueue(tx, 'revoke', deferred.map((d) => ({ stepId: d.step.id, connector: arts.get(d.step.artifactId)!.connector, startAfterMs: d.waitMs })));
    const settled = await settleSteps(tx, settlements, now);
    const mine = attempts.filter((a) => settled.has(a.step.id));
    const ok = mine.filter((a) => a.outcome);
    const failed = mine.filter((a) => a.error);
    const retry = failed.filter((a) => settlements.find((s) => s.id === a.step.id)!.state === 'pending');
    const final = failed.filter((a) => !retry.includes(a));
    // Verification follows at once, through the connector's independent paths; only what is not
    // yet proved becomes a verify step polled later. Each verification is tied to a step row.
    const polls = ok.map(({ step, art, observed }) => {
      const cap = ctx.connectors.get(art.connector)!.manifest.artifacts.find((c) => c.kind === art.kind);
      const deadline = now + Math.max(ctx.limits.get(art.connector)!.verifyPolicy.deadlineMs, cap?.expectedDeadByMs ?? 0);
      const vstep = { id: ctx.ids.next('stp'), incidentId: step.incidentId, attempts: 0, deadlineAt: deadline, idempotencyKey: `verify:${step.idempotencyKey}`, actor: step.actor };
      return toPoll(ctx, vstep, { ...art, status: 'revoked' }, observed!, now);
    });
    // Artifacts settled by their first poll get their final status from recordPolls (one write).
    await setArtifactStatuses(tx, [
      ...polls.filter((p) => p.next === 'again').map((p) => ({ id: p.art.id, status: 'revoked' })),
      ...final.map((a) => ({ id: a.art.id, status: a.error!.code === 'ERR_NOT_REVOCABLE' ? 'residual' : 'failed' })),
    ], now);
    for (const [incidentId, group] of byIncident(ok)) {
      await ctx.ledger.append(tx, incidentId, 'revoke.response', 'sever', {
        note: 'acknowledgements, not evidence: each is verified through an independent path',
        responses: group.map(({ step, art, outcome }) => ({
          artifactId: art.id, stepId: step.id, idempotencyKey: step.idempotencyKey, connector: art.connector, kind: art.kind,
          method: outcome!.method, status: outcome!.status, request: outcome!.request, response: outcome!.response, responseHash: hashObservation(outcome!.response as never),
        })),
      });
    }
    for (const [incidentId, group] of byIncident(failed)) {
      await ctx.ledger.append(tx, incidentId, 'revoke.error', 'sever', {
        errors: group.map(({ step, art, error }) => ({
          artifactId: art.id, stepId: step.id, attempt: step.attempts + 1, final: final.some((f) => f.step.id === step.id),
          ...(retry.some((r) => r.step.id === step.id) ? { retryInMs: retryDelay(ctx, step.attempts + 1, error!) } : {}),
          error: error!.toJSON(),
        })),
      });
    }
    await ctx.runner.enqueue(tx, 'revoke', retry.map(({ step, art, error }) => ({ stepId: step.id, connector: art.connector, startAfterMs: retryDelay(ctx, step.attempts + 1, error!) })));
    const rows: NewStepRow[] = polls.map((p) => {
      const s = settlementOf(p);
      const v = p.step as Poll['step'] & { idempotencyKey: string; actor: string };
      return { id: v.id, incidentId: v.incidentId, artifactId: p.art.id, type: 'verify', idempotencyKey: v.idempotencyKey, state: s.state, attempts: s.attempts, result: s.result ?? null, actor: v.actor, deadlineAt: v.deadlineAt, createdAt: now, updatedAt: now };
    });
    const inserted = new Set((await insertSteps(tx, rows)).map((r) => r.id));
    await recordPolls(ctx, tx, polls.filter((p) => inserted.has(p.step.id)), now);
  });
}
