import type { StepRow, ArtifactRow } from '../store/repo.ts';
import { takeRateBudgetN } from '../store/repo.ts';
import type { EngineContext } from './context.ts';

/**
 * Splits a batch of steps into those the providers' shared rate budgets allow now and those that
 * must wait for the next window (with the wait). One budget row per provider instance, shared by
 * every worker on the database.
 */
export async function applyRateBudgets(ctx: EngineContext, steps: StepRow[], arts: Map<string, ArtifactRow>): Promise<{ run: StepRow[]; deferred: Array<{ step: StepRow; waitMs: number }> }> {
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
    const { granted, waitMs } = await takeRateBudgetN(ctx.db, `connector:${connector}`, rate.limit, rate.windowMs, ctx.clock.now(), list.length);
    run.push(...list.slice(0, granted));
    for (const step of list.slice(granted)) deferred.push({ step, waitMs });
  }
  return { run, deferred };
}
