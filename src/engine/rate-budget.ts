import type { SeverError } from '../core/errors.ts';
import { takeRateBudgetN } from '../store/repo.ts';
import { sleep, type EngineContext } from './context.ts';

/**
 * Takes `units` of one provider's shared budget right before a call (inside the connector's
 * concurrency slot, so that the call lands in the window it was counted in). Returns 0 when
 * taken, otherwise how long to wait for the next window. Once it returns 0, the caller makes the
 * call without awaiting anything else first.
 *
 * Units come from the database's window row in chunks (a tenth of the limit, at most two per
 * concurrent slot) and are handed out in this process while that window lasts; what is left when
 * the window ends is dropped, never carried over. So no window grants more than the limit across
 * every worker, as before, with one statement per chunk instead of one per call; the cost is that
 * a worker may hold units another worker could have used in the same window.
 */
export async function takeBudget(ctx: EngineContext, connector: string, units: number): Promise<number> {
  // A provider that answered "rate limited, retry after N" is not called by any step until then.
  const pausedFor = (ctx.pauses.get(connector) ?? 0) - ctx.clock.now();
  if (pausedFor > 0) return pausedFor;
  const limits = ctx.limits.get(connector);
  const rate = limits?.rate;
  if (!rate) return 0;
  const want = Math.min(units, rate.limit);
  const chunk = Math.max(want, Math.min(Math.ceil(rate.limit / 10), 2 * limits.concurrency));
  for (;;) {
    const at = ctx.clock.now();
    const windowStart = Math.floor(at / rate.windowMs) * rate.windowMs;
    const held = ctx.budgets.get(connector);
    if (held && held.windowStart === windowStart && held.units >= want) {
      held.units -= want;
      return 0;
    }
    // One refill at a time per provider in this process: the others wait for it and look again.
    if (held?.refill) {
      await held.refill;
      continue;
    }
    const refill = takeRateBudgetN(ctx.db, `connector:${connector}`, rate.limit, rate.windowMs, at, chunk);
    ctx.budgets.set(connector, { windowStart: held?.windowStart ?? windowStart, units: held?.units ?? 0, refill: refill.catch(() => undefined) });
    let taken: Awaited<typeof refill>;
    try {
      taken = await refill;
    } finally {
      const now = ctx.budgets.get(connector);
      if (now) delete now.refill;
    }
    const { granted, waitMs } = taken;
    // A grant that came back after its window ended (a slow store, a busy event loop) would put the
    // call in the next window uncounted: it is dropped (the units stay spent) and taken again.
    if (ctx.clock.now() >= windowStart + rate.windowMs) continue;
    const mine = ctx.budgets.get(connector);
    const pool = (mine && mine.windowStart === windowStart ? mine.units : 0) + granted;
    if (pool >= want) {
      ctx.budgets.set(connector, { windowStart, units: pool - want });
      return 0;
    }
    ctx.budgets.set(connector, { windowStart, units: pool });
    const wait = waitMs || rate.windowMs;
    // A short wait is cheaper in process than a re-queued job; a long one frees the worker.
    if (wait >= SHORT_WAIT_MS) return wait;
    await sleep(ctx, wait);
  }
}

const SHORT_WAIT_MS = 1_000;

/**
 * Learns from a provider's own answer: a rate-limit error with its delay (from `Retry-After`,
 * `X-Rate-Limit-Reset`, GitHub's `x-ratelimit-reset`, Slack's tier answers, as each connector reads
 * them) pauses every step of that provider in this process until then, instead of letting the
 * other concurrent calls spend more of an exhausted budget. Any other error is ignored.
 */
export function learnFromProvider(ctx: EngineContext, connector: string, error: SeverError | undefined): void {
  if (error?.code !== 'ERR_PROVIDER_RATE_LIMITED' || !(error.retryAfterMs && error.retryAfterMs > 0)) return;
  const until = ctx.clock.now() + error.retryAfterMs;
  if (until > (ctx.pauses.get(connector) ?? 0)) ctx.pauses.set(connector, until);
  const held = ctx.budgets.get(connector);
  if (held) held.units = 0;
}
