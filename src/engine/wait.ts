/**
 * Waiting for an incident's steps, and the guarantee that the wait ends. Steps are the truth and
 * jobs only carry step ids, so while `contain`/`verify` wait, every pending step must have a live
 * job: one whose job vanished or was dead-lettered is re-enqueued a bounded number of times, then
 * settled `failed` with ERR_STEP_EXHAUSTED (so the closure gate shows it). And the wait has a
 * deadline, computed before it starts from the pending steps' own deadlines: past it, `contain`
 * and `verify` return with what is still pending; a late worker's settlement is then a no-op.
 */
import { iso } from '../core/clock.ts';
import { SeverError } from '../core/errors.ts';
import { transition, type IncidentState } from '../core/incident-state.ts';
import {
  countByStatus, countOpenSteps, countRequeues, getArtifacts, getIncident, getSteps, insertSteps, listArtifacts, listExceptions, listSteps, requeuesOf, setArtifactStatuses,
  settleSteps, updateIncident, type ArtifactRow, type NewStepRow, type StepRow,
} from '../store/repo.ts';
import type { DbOrTx } from '../store/types.ts';
import { byIncident } from './by-incident.ts';
import { sleep, type EngineContext } from './context.ts';
import { handleRevokeBatch } from './handle-revoke.ts';
import { handleVerifyBatch } from './handle-verify.ts';
import { retryBudgetMs } from './with-retry.ts';

export interface StepsSummary {
  pendingSteps: number;
  byStatus: Record<string, number>;
  total: number;
  /** Set when the wait ended at its deadline with steps unsettled. */
  timedOut?: boolean;
  /** When the wait would end at the latest (set with `timedOut`). */
  deadlineAt?: string;
  /** The steps pending when the deadline passed; those past their own deadline were exhausted (failed). */
  unsettled?: Array<{ stepId: string; artifactId: string; type: string; deadlineAt: string | null; exhausted: boolean }>;
}

export type ProgressFn = (s: StepsSummary) => void;

export async function summarize(ctx: EngineContext, incidentId: string): Promise<StepsSummary> {
  return countByStatus(ctx.db, incidentId);
}

/** Starts this process's workers for every incident's steps, and for the dead-letter queue (idempotent). */
export async function startWorkers(ctx: EngineContext): Promise<void> {
  await ctx.runner.startWorkers({
    revoke: (ids) => handleRevokeBatch(ctx, ids),
    verify: (ids) => handleVerifyBatch(ctx, ids),
    dead: (ids) => requeueOrExhaust(ctx, ids, `failed ${ctx.tuning.jobs.retryLimit + 1} times in a row outside the connector contract (a store failure or a bug)`),
  });
}

/**
 * Time allowed for `n` revoke steps of one connector to get their acknowledgement: the provider's
 * rate budget (two units per step, plus a window), its concurrency at a generous second per call
 * (queueing included), and every retry at its full backoff. The wait adds its margin on top.
 */
export function revokeAllowanceMs(ctx: EngineContext, connector: string, n: number): number {
  const l = ctx.limits.get(connector);
  const rate = l?.rate ? (Math.ceil((2 * n) / l.rate.limit) + 1) * l.rate.windowMs : 0;
  return retryBudgetMs(ctx) + rate + Math.ceil(n / Math.max(1, l?.concurrency ?? 1)) * 1_000;
}

/** How long verification of an acknowledged artifact may poll (what handle-revoke gives its verify step). */
function verifyAllowanceMs(ctx: EngineContext, a: ArtifactRow): number {
  const cap = ctx.connectors.get(a.connector)?.manifest.artifacts.find((c) => c.kind === a.kind);
  return Math.max(ctx.limits.get(a.connector)?.verifyPolicy.deadlineMs ?? 60_000, cap?.expectedDeadByMs ?? 0);
}

/**
 * The latest moment the incident's pending steps should have settled, plus the margin: a revoke
 * step by its deadline (for rotate-then-revoke, the adoption deadline, then the revocation), then
 * the verification that follows it; a verify step by its own.
 */
async function waitDeadline(ctx: EngineContext, incidentId: string): Promise<number> {
  const now = ctx.clock.now();
  const pending = await listSteps(ctx.db, incidentId, 'pending');
  const arts = new Map((await getArtifacts(ctx.db, pending.map((s) => s.artifactId))).map((a) => [a.id, a]));
  const perConnector = new Map<string, number>();
  for (const s of pending) if (s.type === 'revoke') perConnector.set(arts.get(s.artifactId)!.connector, (perConnector.get(arts.get(s.artifactId)!.connector) ?? 0) + 1);
  let latest = now;
  for (const s of pending) {
    const a = arts.get(s.artifactId)!;
    let end: number;
    if (s.type === 'revoke') {
      const allowance = revokeAllowanceMs(ctx, a.connector, perConnector.get(a.connector) ?? 1);
      end = (s.deadlineAt ?? now + allowance) + (a.action === 'rotate-then-revoke' ? allowance : 0) + verifyAllowanceMs(ctx, a);
    } else {
      end = s.deadlineAt ?? now + verifyAllowanceMs(ctx, a);
    }
    latest = Math.max(latest, end);
  }
  return latest + ctx.tuning.deadlineMarginMs;
}

/**
 * Runs the workers until no step of the incident is pending, or until the deadline (told once to
 * `onDeadline` before waiting). Then reconciles: an artifact left acknowledged
 * (`revoking`/`revoked`) with no pending step would never be proved, so it gets a verify step
 * (read-only, always safe) and the wait goes on. It is logged so that it stays visible. (What
 * looked like such orphans with two workers on PostgreSQL was a stale summary: the counts and the
 * pending steps were read in two statements; see countByStatus.)
 */
export async function waitForSteps(ctx: EngineContext, incidentId: string, onProgress?: ProgressFn, onDeadline?: (deadlineAt: string) => void): Promise<StepsSummary> {
  await startWorkers(ctx);
  await keepStepsAlive(ctx, incidentId);
  const deadlineAt = await waitDeadline(ctx, incidentId);
  onDeadline?.(iso(deadlineAt));
  for (let round = 0; ; round++) {
    const s = await waitOnce(ctx, incidentId, deadlineAt, onProgress);
    if (s.timedOut || round >= 3 || !(await reconcile(ctx, incidentId))) return s;
  }
}

async function reconcile(ctx: EngineContext, incidentId: string): Promise<boolean> {
  // Steps first: a revoke step gives way to its verify step in one transaction, so an artifact
  // acknowledged now had a pending step then, unless it really has none (read the other way
  // round, a batch settling in between looks like orphans).
  const steps = await listSteps(ctx.db, incidentId);
  const arts = await listArtifacts(ctx.db, incidentId);
  const pending = new Set(steps.filter((x) => x.state === 'pending').map((x) => x.artifactId));
  const orphans = arts.filter((a) => (a.status === 'revoking' || a.status === 'revoked') && !pending.has(a.id));
  if (orphans.length === 0) return false;
  ctx.log.warn({ incidentId, artifacts: orphans.length }, 'acknowledged artifacts had no pending verification; scheduling it');
  const now = ctx.clock.now();
  await ctx.db.transaction(async (tx) => {
    const rows: NewStepRow[] = orphans.map((a) => ({
      id: ctx.ids.next('stp'), incidentId, artifactId: a.id, type: 'verify', idempotencyKey: `verify:${a.id}:reconcile:${now}`, state: 'pending', actor: 'sever',
      deadlineAt: now + (ctx.limits.get(a.connector)?.verifyPolicy.deadlineMs ?? 60_000), createdAt: now, updatedAt: now,
    }));
    const inserted = await insertSteps(tx, rows);
    const byId = new Map(orphans.map((a) => [a.id, a.connector]));
    await ctx.runner.enqueue(tx, 'verify', inserted.map((x) => ({ stepId: x.id, connector: byId.get(x.artifactId)! })));
  });
  return true;
}

async function waitOnce(ctx: EngineContext, incidentId: string, deadlineAt: number, onProgress?: ProgressFn): Promise<StepsSummary> {
  let last = '';
  let nextCheck = ctx.clock.now() + ctx.tuning.liveCheckMs;
  for (;;) {
    // Without a progress display only the pending steps are counted while waiting (the counts by
    // status cost a scan of the incident's artifacts); the summary returned is one statement.
    if (onProgress || (await countOpenSteps(ctx.db, incidentId)) === 0) {
      const s = await summarize(ctx, incidentId);
      const key = JSON.stringify(s);
      if (onProgress && key !== last) onProgress(s);
      last = key;
      if (s.pendingSteps === 0) return s;
    }
    const now = ctx.clock.now();
    if (now >= deadlineAt) return passDeadline(ctx, incidentId, deadlineAt);
    if (now >= nextCheck) {
      await keepStepsAlive(ctx, incidentId);
      nextCheck = ctx.clock.now() + ctx.tuning.liveCheckMs;
    }
    await sleep(ctx, Math.min(ctx.tuning.waitPollMs, deadlineAt - now));
  }
}

/** The wait is over: steps past their own deadline are exhausted; the rest is reported as pending. */
async function passDeadline(ctx: EngineContext, incidentId: string, deadlineAt: number): Promise<StepsSummary> {
  const now = ctx.clock.now();
  const pending = await listSteps(ctx.db, incidentId, 'pending');
  const overdue = pending.filter((s) => s.deadlineAt !== null && s.deadlineAt <= now);
  const exhausted = await exhaust(ctx, overdue, 'passed its deadline without settling');
  ctx.log.warn({ incidentId, pending: pending.length, exhausted: exhausted.size, deadlineAt: iso(deadlineAt) }, 'the wait passed its deadline; returning with steps unsettled');
  return {
    ...(await summarize(ctx, incidentId)),
    timedOut: true,
    deadlineAt: iso(deadlineAt),
    unsettled: pending.map((s) => ({ stepId: s.id, artifactId: s.artifactId, type: s.type, deadlineAt: s.deadlineAt === null ? null : iso(s.deadlineAt), exhausted: exhausted.has(s.id) })),
  };
}

/** Every pending step of the incident has a live job, or gets one (a bounded number of times). */
export async function keepStepsAlive(ctx: EngineContext, incidentId: string): Promise<void> {
  const orphans = await ctx.runner.stepsWithoutJob(ctx.db, incidentId);
  if (orphans.length) await requeueOrExhaust(ctx, orphans, 'lost its job (gone, or failed for good)');
}

/**
 * Steps whose job died: each still pending gets a fresh job, up to `requeueLimit` times in its
 * life; after that it is settled `failed` with ERR_STEP_EXHAUSTED instead of waiting forever.
 */
export async function requeueOrExhaust(ctx: EngineContext, stepIds: string[], why: string): Promise<void> {
  const steps = (await getSteps(ctx.db, stepIds)).filter((s) => s.state === 'pending');
  if (steps.length === 0) return;
  const limit = ctx.tuning.jobs.requeueLimit;
  const again = steps.filter((s) => requeuesOf(s) < limit);
  const spent = steps.filter((s) => requeuesOf(s) >= limit);
  const arts = new Map((await getArtifacts(ctx.db, steps.map((s) => s.artifactId))).map((a) => [a.id, a]));
  const now = ctx.clock.now();
  await ctx.db.transaction(async (tx) => {
    const counted = await countRequeues(tx, again.map((s) => s.id), now);
    for (const type of ['revoke', 'verify'] as const) {
      await ctx.runner.enqueue(tx, type, again.filter((s) => s.type === type && counted.has(s.id)).map((s) => ({ stepId: s.id, connector: arts.get(s.artifactId)!.connector })));
    }
    await exhaustIn(ctx, tx, spent, arts, `${why}, and was re-enqueued ${limit} times already`, now);
  });
  if (again.length) ctx.log.warn({ steps: again.length, why }, 'steps re-enqueued');
  if (spent.length) ctx.log.error({ steps: spent.length, why }, 'steps exhausted (ERR_STEP_EXHAUSTED)');
}

async function exhaust(ctx: EngineContext, steps: StepRow[], why: string): Promise<Set<string>> {
  if (steps.length === 0) return new Set();
  const arts = new Map((await getArtifacts(ctx.db, steps.map((s) => s.artifactId))).map((a) => [a.id, a]));
  return ctx.db.transaction((tx) => exhaustIn(ctx, tx, steps, arts, why, ctx.clock.now()));
}

/**
 * Settles steps `failed` with ERR_STEP_EXHAUSTED (only those still pending: a worker that settled
 * one first wins), marks their artifacts `failed`, and records it as the step's own error would be:
 * `revoke.error` for a revoke step; `verify.observation` and `artifact.verdict` for a verify step.
 */
async function exhaustIn(ctx: EngineContext, tx: DbOrTx, steps: StepRow[], arts: Map<string, ArtifactRow>, why: string, now: number): Promise<Set<string>> {
  if (steps.length === 0) return new Set();
  const items = steps.map((step) => {
    const art = arts.get(step.artifactId)!;
    const error = new SeverError('ERR_STEP_EXHAUSTED', `the ${step.type} step of ${art.label} ${why}; the artifact is marked failed. Fix the cause and run contain again.`, {
      details: { stepId: step.id, artifactId: art.id, type: step.type, attempts: step.attempts, requeues: requeuesOf(step) },
    });
    return { step, art, error };
  });
  const settled = await settleSteps(tx, items.map(({ step, error }) => ({ id: step.id, state: 'failed', attempts: step.attempts, result: { error: error.toJSON(), requeues: requeuesOf(step) } })), now);
  const mine = items.filter((i) => settled.has(i.step.id));
  await setArtifactStatuses(tx, mine.map((i) => ({ id: i.art.id, status: 'failed' })), now);
  for (const [incidentId, group] of byIncident(mine.filter((i) => i.step.type === 'revoke'))) {
    await ctx.ledger.append(tx, incidentId, 'revoke.error', 'sever', {
      errors: group.map(({ step, art, error }) => ({ artifactId: art.id, stepId: step.id, attempt: step.attempts, final: true, error: error.toJSON() })),
    });
  }
  for (const [incidentId, group] of byIncident(mine.filter((i) => i.step.type !== 'revoke'))) {
    const entry = await ctx.ledger.append(tx, incidentId, 'verify.observation', 'sever', {
      observations: group.map(({ step, art, error }) => ({ artifactId: art.id, stepId: step.id, connector: art.connector, kind: art.kind, poll: step.attempts + 1, error: error.toJSON() })),
    });
    await ctx.ledger.append(tx, incidentId, 'artifact.verdict', 'sever', {
      verdicts: group.map(({ art }) => ({ artifactId: art.id, connector: art.connector, kind: art.kind, verdict: 'failed', observationSeq: entry.seq, reason: `verification exhausted: ${why}` })),
    });
  }
  return settled;
}

const PROVED = new Set(['verified-dead', 'verified-expired']);

/** After steps settle: containing → verifying → awaiting-signoff when every artifact is proved or excepted. */
export async function settleIncident(ctx: EngineContext, incidentId: string, actor: string): Promise<IncidentState> {
  return ctx.db.transaction(async (tx) => {
    const incident = await getIncident(tx, incidentId, true);
    let state = incident.state as IncidentState;
    if ((await countOpenSteps(tx, incidentId)) > 0) return state;
    const arts = await listArtifacts(tx, incidentId);
    const exc = await listExceptions(tx, incidentId);
    const excepted = new Set(exc.map((e) => e.artifactId));
    const allProved = arts.every((a) => PROVED.has(a.status) || excepted.has(a.id));
    const steps: IncidentState[] = state === 'containing' ? ['verifying'] : [];
    if (allProved && (state === 'containing' || state === 'verifying')) steps.push('awaiting-signoff');
    for (const to of steps) {
      transition(state, to);
      await ctx.ledger.append(tx, incidentId, 'incident.state-changed', actor, {
        from: state, to,
        ...(to === 'verifying' || !allProved ? { unproved: arts.filter((a) => !PROVED.has(a.status) && !excepted.has(a.id)).map((a) => ({ artifactId: a.id, status: a.status })) } : {}),
      });
      state = to;
    }
    await updateIncident(tx, incidentId, { state, updatedAt: ctx.clock.now() });
    return state;
  });
}
