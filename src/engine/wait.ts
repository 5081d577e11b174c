import { transition, type IncidentState } from '../core/incident-state.ts';
import { countByStatus, countOpenSteps, getIncident, insertSteps, listArtifacts, listExceptions, listSteps, updateIncident, type NewStepRow } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { handleRevokeBatch } from './handle-revoke.ts';
import { handleVerifyBatch } from './handle-verify.ts';

export interface StepsSummary {
  pendingSteps: number;
  byStatus: Record<string, number>;
  total: number;
}

export type ProgressFn = (s: StepsSummary) => void;

export async function summarize(ctx: EngineContext, incidentId: string): Promise<StepsSummary> {
  return countByStatus(ctx.db, incidentId);
}

/** Starts this process's workers for every incident's steps (idempotent). */
export async function startWorkers(ctx: EngineContext): Promise<void> {
  await ctx.runner.startWorkers({ revoke: (ids) => handleRevokeBatch(ctx, ids), verify: (ids) => handleVerifyBatch(ctx, ids) });
}

/**
 * Runs the workers until no step of the incident is pending. Then reconciles: an artifact left
 * acknowledged (`revoking`/`revoked`) with no pending step would never be proved, so it gets a
 * verify step (read-only, always safe) and the wait goes on. It is logged so that it stays
 * visible. (What looked like such orphans with two workers on PostgreSQL was a stale summary: the
 * counts and the pending steps were read in two statements; see countByStatus.)
 */
export async function waitForSteps(ctx: EngineContext, incidentId: string, onProgress?: ProgressFn): Promise<StepsSummary> {
  for (let round = 0; ; round++) {
    const s = await waitOnce(ctx, incidentId, onProgress);
    if (round >= 3 || !(await reconcile(ctx, incidentId))) return s;
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

async function waitOnce(ctx: EngineContext, incidentId: string, onProgress?: ProgressFn): Promise<StepsSummary> {
  await startWorkers(ctx);
  let last = '';
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
    await new Promise((r) => setTimeout(r, ctx.tuning.waitPollMs));
  }
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
