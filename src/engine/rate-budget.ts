import { takeRateBudgetN } from '../store/repo.ts';
import type { EngineContext } from './context.ts';

/**
 * Takes `units` of one provider's shared budget right before a call (inside the connector's
 * concurrency slot, so that the call lands in the window it was counted in). Returns 0 when
 * taken, otherwise how long to wait for the next window. Once it returns 0, the caller makes the
 * call without awaiting anything else first.
 */
export async function takeBudget(ctx: EngineContext, connector: string, units: number): Promise<number> {
  const rate = ctx.limits.get(connector)?.rate;
  if (!rate) return 0;
  const want = Math.min(units, rate.limit);
  for (;;) {
    const at = ctx.clock.now();
    const { granted, waitMs } = await takeRateBudgetN(ctx.db, `connector:${connector}`, rate.limit, rate.windowMs, at, want);
    // A grant that came back after its window ended (a slow store, a busy event loop) would put the
    // call in the next window uncounted: it is dropped (the units stay spent) and taken again.
    const stale = ctx.clock.now() >= Math.floor(at / rate.windowMs) * rate.windowMs + rate.windowMs;
    if (granted >= want && !stale) return 0;
    if (granted >= want) continue;
    const wait = waitMs || rate.windowMs;
    // A short wait is cheaper in process than a re-queued job; a long one frees the worker.
    if (wait >= SHORT_WAIT_MS) return wait;
    await new Promise((r) => setTimeout(r, wait));
  }
}

const SHORT_WAIT_MS = 1_000;
