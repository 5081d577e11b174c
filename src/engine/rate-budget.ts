import { takeRateBudgetN } from '../store/repo.ts';
import type { EngineContext } from './context.ts';

/**
 * Takes `units` of one provider's shared budget right before a call (inside the connector's
 * concurrency slot, so that the call lands in the window it was counted in). Returns 0 when
 * taken, otherwise how long to wait for the next window.
 */
export async function takeBudget(ctx: EngineContext, connector: string, units: number): Promise<number> {
  const rate = ctx.limits.get(connector)?.rate;
  if (!rate) return 0;
  const want = Math.min(units, rate.limit);
  for (;;) {
    const { granted, waitMs } = await takeRateBudgetN(ctx.db, `connector:${connector}`, rate.limit, rate.windowMs, ctx.clock.now(), want);
    if (granted >= want) return 0;
    const wait = waitMs || rate.windowMs;
    // A short wait is cheaper in process than a re-queued job; a long one frees the worker.
    if (wait >= SHORT_WAIT_MS) return wait;
    await new Promise((r) => setTimeout(r, wait));
  }
}

const SHORT_WAIT_MS = 1_000;
