/**
 * The revoke step, for a batch of jobs. Each step's intent (step row + idempotency key + ledger
 * entry) was stored before this runs; here each provider is called once per step, concurrently
 * within the provider's limits, and the responses are stored with the next steps (verify) in one
 * transaction. A repeated delivery finds its step settled and does nothing.
 *
 * What a crash between the call and that transaction would lose is kept on the step itself: the
 * batch's steps are marked `calledAt` (one statement) before any provider is called, and each
 * acknowledgement is written to its step's `ack` (one statement) the moment it arrives, before
 * its verification and before the provider's slot is released. A redelivered step that has an
 * acknowledgement is never sent to the provider again: the recorded one is its outcome. So at most
 * the calls in flight when a process dies (one per slot of the provider's concurrency) are made
 * twice, and the second answer (`already_revoked`) says `afterOwnCall`.
 */
import { SeverError, toSeverError } from '../core/errors.ts';
import type { RevokeOutcome } from '../connectors/contract.ts';
import { hashObservation } from '../ledger/index.ts';
import {
  ackOf, getArtifacts, getSteps, insertSteps, markStepsCalled, recordStepAck, setArtifactStatuses, settleSteps, unmarkStepsCalled, type ArtifactRow, type NewStepRow, type RevokeAck,
  type StepRow, type StepSettlement,
} from '../store/repo.ts';
import { toHandle } from './artifact-handle.ts';
import type { DbOrTx } from '../store/types.ts';
import type { EngineContext } from './context.ts';
import { learnFromProvider, takeBudget } from './rate-budget.ts';
import { byIncident } from './by-incident.ts';
import { observe, recordPolls, settlementOf, toPoll, type Poll } from './handle-verify.ts';
import { retryDelay } from './with-retry.ts';
import { rotateFirst, type RotationPhase } from './rotate-first.ts';

interface Attempt {
  step: StepRow;
  art: ArtifactRow;
  outcome?: RevokeOutcome;
  /** The outcome is the acknowledgement an earlier delivery recorded before its process died. */
  recorded?: boolean;
  error?: SeverError;
  observed?: Pick<Poll, 'obs' | 'error'>;
  /** rotate-then-revoke: what the rotation phase did in this attempt. */
  phase?: RotationPhase;
}

const revokeAck = (o: RevokeOutcome, at: number, afterOwnCall: boolean): RevokeAck => ({
  status: o.status, method: o.method, at, request: o.request,
  response: { ...(o.response.status !== undefined ? { status: o.response.status } : {}), ...(o.response.body !== undefined ? { body: o.response.body } : {}) },
  responseHash: hashObservation(o.response as never), afterOwnCall,
});

const outcomeOf = (a: RevokeAck): RevokeOutcome => ({ status: a.status, method: a.method, request: a.request as Record<string, unknown>, response: a.response });

export async function handleRevokeBatch(ctx: EngineContext, stepIds: string[]): Promise<void> {
  const steps = (await getSteps(ctx.db, stepIds)).filter((s) => s.state === 'pending');
  if (steps.length === 0) return;
  const arts = new Map((await getArtifacts(ctx.db, steps.map((s) => s.artifactId))).map((a) => [a.id, a]));
  // Marked before this delivery: an earlier one may have reached the provider (a crash cut it off).
  const calledBefore = new Set(steps.filter((s) => s.calledAt !== null).map((s) => s.id));
  const marked = steps.filter((s) => s.calledAt === null && !ackOf(s).revoke).map((s) => s.id);
  await markStepsCalled(ctx.db, marked, ctx.clock.now());
  const results = await Promise.all(
    steps.map(async (step): Promise<Attempt & { deferMs?: number }> => {
      const art = arts.get(step.artifactId)!;
      const connector = ctx.connectors.get(art.connector);
      if (!connector) return { step, art, error: new SeverError('ERR_CONNECTOR_UNKNOWN', `connector ${art.connector} is no longer configured`) };
      const recorded = ackOf(step).revoke;
      if (recorded) {
        // The provider answered an earlier delivery: never ask it again; verify, which is read-only.
        const wait = await takeBudget(ctx, art.connector, 1);
        if (wait > 0) return { step, art, deferMs: wait };
        return { step, art, outcome: outcomeOf(recorded), recorded: true, observed: await observe(ctx, art) };
      }
      const afterOwnCall = calledBefore.has(step.id);
      let outcome: RevokeOutcome;
      let rotation: { phase?: RotationPhase } = {};
      try {
        const r = await ctx.runner.semaphore(art.connector).run(async (): Promise<{ deferMs?: number; outcome?: RevokeOutcome; phase?: RotationPhase }> => {
          // rotate-then-revoke: the old credential is revoked only once its dependents use the new one.
          const phase = art.action === 'rotate-then-revoke' ? await rotateFirst(ctx, step, art, connector, toHandle(art, ctx.secrets), afterOwnCall) : undefined;
          if (phase && !phase.ready) return { phase, ...(phase.deferMs !== undefined ? { deferMs: phase.deferMs } : {}) };
          // Two units of the provider's budget: the revocation and the verification that follows it.
          const wait = await takeBudget(ctx, art.connector, 2);
          if (wait > 0) return { deferMs: wait, ...(phase ? { phase } : {}) };
          const answer = await connector.revoke(toHandle(art, ctx.secrets));
          // Recorded before the slot is released, so at most one unrecorded call per slot at any time.
          await recordStepAck(ctx.db, step.id, 'revoke', revokeAck(answer, ctx.clock.now(), afterOwnCall)).catch((e: unknown) => {
            throw new SeverError('ERR_STORE_FAILED', `could not record the acknowledgement for ${art.label}: ${(e as Error).message}`, { retryable: true, cause: e });
          });
          return { outcome: answer, ...(phase ? { phase } : {}) };
        });
        rotation = r.phase ? { phase: r.phase } : {};
        if (r.phase?.error) return { step, art, error: r.phase.error, ...rotation };
        if (r.deferMs !== undefined) return { step, art, deferMs: r.deferMs, ...rotation };
        outcome = r.outcome!;
      } catch (e) {
        const error = toSeverError(e);
        learnFromProvider(ctx, art.connector, error);
        return { step, art, error };
      }
      // Verification follows each acknowledgement at once (pipelined per artifact).
      return { step, art, outcome, observed: await observe(ctx, art), ...rotation };
    }),
  );
  const deferred = results.filter((r) => r.deferMs !== undefined).map((r) => ({ step: r.step, waitMs: r.deferMs!, called: r.phase?.rotation !== undefined }));
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
    if (deferred.length) {
      await ctx.runner.enqueue(tx, 'revoke', deferred.map((d) => ({ stepId: d.step.id, connector: arts.get(d.step.artifactId)!.connector, startAfterMs: d.waitMs })));
      // Deferred before any call in this delivery: not called after all.
      const unmark = new Set(marked);
      await unmarkStepsCalled(tx, deferred.filter((d) => !d.called && unmark.has(d.step.id)).map((d) => d.step.id));
    }
    await recordRotations(ctx, tx, results, now);
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
        responses: group.map(({ step, art, outcome, recorded }) => ({
          artifactId: art.id, stepId: step.id, idempotencyKey: step.idempotencyKey, connector: art.connector, kind: art.kind,
          method: outcome!.method, status: outcome!.status, request: outcome!.request, response: outcome!.response, responseHash: hashObservation(outcome!.response as never),
          ...(recorded ? { recordedBeforeCrash: true } : {}),
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

/**
 * The rotation half of rotate-then-revoke in the evidence: each new credential issued (secret-free),
 * each adoption that lets the old credential die; artifacts waiting for adoption become `rotating`.
 */
async function recordRotations(ctx: EngineContext, tx: DbOrTx, results: Array<{ step: StepRow; art: ArtifactRow; phase?: RotationPhase }>, now: number): Promise<void> {
  const rotated = results.filter((r) => r.phase?.rotation);
  for (const [incidentId, group] of byIncident(rotated)) {
    await ctx.ledger.append(tx, incidentId, 'rotate.response', 'sever', {
      note: 'a new credential for the dependents; the old one stays live until they are seen using the new one',
      responses: group.map(({ step, art, phase }) => ({
        artifactId: art.id, stepId: step.id, connector: art.connector, kind: art.kind, method: phase!.rotation!.method, status: phase!.rotation!.status,
        request: phase!.rotation!.request, response: phase!.rotation!.response, responseHash: hashObservation(phase!.rotation!.response as never),
        adoptBy: step.deadlineAt ? new Date(step.deadlineAt).toISOString() : null,
      })),
    });
  }
  const adopted = results.filter((r) => r.phase?.ready && r.phase.adoption);
  for (const [incidentId, group] of byIncident(adopted)) {
    await ctx.ledger.append(tx, incidentId, 'rotate.adoption', 'sever', {
      note: 'the dependents use the new credential: the old one is revoked now',
      observations: group.map(({ step, art, phase }) => ({ artifactId: art.id, stepId: step.id, adopted: true, checks: phase!.adoption!.checks, observedHash: hashObservation(phase!.adoption as never) })),
    });
  }
  const waiting = results.filter((r) => r.phase?.adoption && !r.phase.ready && !r.phase.error && r.art.status !== 'rotating');
  if (waiting.length) await setArtifactStatuses(tx, waiting.map((r) => ({ id: r.art.id, status: 'rotating' })), now);
}
