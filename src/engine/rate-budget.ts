import type { StepRow, ArtifactRow } from '../store/repo.ts';
import { takeRateBudgetN } from '../store/repo.ts';
import type { EngineContext } from './context.ts';

/**
 * Splits a batch of steps into those the providers' shared rate budgets allow now and those that
 * must wait for the next window (with the wait). One budget row per provider instance, shared by
 * every worker on the database. The budget counts connector operations: a revoke step costs two
 * units (the revocation and the verification that follows it at once), a verify step one.
 */
export async function applyRateBudgets(ctx: EngineContext, steps: StepRow[], arts: Map<string, ArtifactRow>, unitsPerStep = 1): Promise<{ run: StepRow[]; deferred: Array<{ step: StepRow; waitMs: number }> }> {
  const byConnector = new Map<string, StepRow[]>();
  for (const s of steps) {
    const c = arts.get(s.artifactId)!.connector;
    byConnector.set(c, [...(byConnector.get(c) ?? []), s]);
  }
  const run: StepRow[] = [];
  const deferred: Array<{ step: StepRow; waitMs: number }> = [];
  for (const [connector, list] of byConnector) {
    const rate = ctx.limits.get(connector)?.rate;
    if (!rate) {
      run.push(...list);
      continue;
    }
    const units = Math.min(unitsPerStep, rate.limit);
    const { granted, waitMs } = await takeRateBudgetN(ctx.db, `connector:${connector}`, rate.limit, rate.windowMs, ctx.clock.now(), list.length * units);
    const n = Math.floor(granted / units);
    run.push(...list.slice(0, n));
    for (const step of list.slice(n)) deferred.push({ step, waitMs: waitMs || rate.windowMs });
  }
  return { run, deferred };
}
