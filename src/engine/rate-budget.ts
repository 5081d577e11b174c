import type { SeverError } from '../core/errors.ts';
import { pauseRateKey, takeRateBudgetN } from '../store/repo.ts';
import { sleep, type EngineContext } from './context.ts';

/** What budgeting needs from the engine: it exists before the connectors do (their fetch is metered). */
export type RateState = Pick<EngineContext, 'db' | 'clock' | 'limits' | 'budgets' | 'pauses' | 'metered' | 'inflight' | 'log'>;

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
export async function takeBudget(ctx: RateState, connector: string, units: number): Promise<number> {
  // A provider that answered "rate limited, retry after N" is not called by any step until then.
  const pausedFor = (ctx.pauses.get(connector) ?? 0) - ctx.clock.now();
  if (pausedFor > 0) return pausedFor;
  const limits = ctx.limits.get(connector);
  const rate = limits?.rate;
  if (!rate) return 0;
  // A connector whose every HTTP call is metered (meteredFetch) is counted call by call there; a step
  // only learns whether to wait at all: a long wait re-queues the step instead of holding a worker.
  if (ctx.metered.has(connector)) {
    const held = ctx.budgets.get(connector);
    const left = (held?.exhaustedUntil ?? 0) - ctx.clock.now();
    return left >= SHORT_WAIT_MS ? left : 0;
  }
  return takeUnits(ctx, connector, units, rate, limits.concurrency);
}

async function takeUnits(ctx: RateState, connector: string, units: number, rate: { limit: number; windowMs: number }, concurrency: number): Promise<number> {
  const want = Math.min(units, rate.limit);
  const chunk = Math.max(want, Math.min(Math.ceil(rate.limit / 10), 2 * concurrency));
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
    const { granted, waitMs, pausedUntil } = taken;
    // Another worker learned from the provider that it must not be called yet.
    if (pausedUntil > ctx.clock.now()) {
      if (pausedUntil > (ctx.pauses.get(connector) ?? 0)) ctx.pauses.set(connector, pausedUntil);
      const mine = ctx.budgets.get(connector);
      ctx.budgets.set(connector, { windowStart, units: (mine && mine.windowStart === windowStart ? mine.units : 0) + granted });
      return pausedUntil - ctx.clock.now();
    }
    // A grant that came back after its window ended (a slow store, a busy event loop) would put the
    // call in the next window uncounted: it is dropped (the units stay spent) and taken again.
    if (ctx.clock.now() >= windowStart + rate.windowMs) continue;
    const mine = ctx.budgets.get(connector);
    const pool = (mine && mine.windowStart === windowStart ? mine.units : 0) + granted;
    if (pool >= want) {
      ctx.budgets.set(connector, { windowStart, units: pool - want });
      return 0;
    }
    const wait = waitMs || rate.windowMs;
    ctx.budgets.set(connector, { windowStart, units: pool, exhaustedUntil: ctx.clock.now() + wait });
    // A short wait is cheaper in process than a re-queued job; a long one frees the worker.
    if (wait >= SHORT_WAIT_MS) return wait;
    await sleep(ctx, wait);
  }
}

const SHORT_WAIT_MS = 1_000;

/**
 * Learns from a provider's own answer: a rate-limit error with its delay (from `Retry-After`,
 * `X-Rate-Limit-Reset`, GitHub's `x-ratelimit-reset`, Slack's tier answers, as each connector reads
 * them) pauses every step of that provider until then, in this process at once and in every other
 * worker on the same database at its next refill, instead of letting the other concurrent calls
 * spend more of an exhausted budget. Any other error is ignored.
 */
export function learnFromProvider(ctx: RateState, connector: string, error: SeverError | undefined): void {
  if (error?.code !== 'ERR_PROVIDER_RATE_LIMITED' || !(error.retryAfterMs && error.retryAfterMs > 0)) return;
  pauseUntil(ctx, connector, ctx.clock.now() + error.retryAfterMs);
}

function pauseUntil(ctx: RateState, connector: string, until: number): Promise<void> {
  const held = ctx.budgets.get(connector);
  if (held) held.units = 0;
  if (until <= (ctx.pauses.get(connector) ?? 0)) return Promise.resolve();
  ctx.pauses.set(connector, until);
  return pauseRateKey(ctx.db, `connector:${connector}`, until).catch((e: unknown) => {
    ctx.log.warn({ connector, err: (e as Error).message }, 'could not share a provider pause with other workers; this worker still waits');
  });
}

/** What a provider's answer says about its budget: the headers each documents. */
export interface RateHeaders {
  /** The provider's limit for its current window (`X-Rate-Limit-Limit`, GitHub `x-ratelimit-limit`). */
  limit?: number;
  /** Calls left in the provider's current window (`X-Rate-Limit-Remaining`, GitHub `x-ratelimit-remaining`). */
  remaining?: number;
  /** When that window ends, clock ms (`X-Rate-Limit-Reset`, `x-ratelimit-reset`: epoch seconds). */
  resetAt?: number;
  /** `Retry-After` (seconds or an HTTP date), as clock ms from now. */
  retryAfterMs?: number;
}

export function readRateHeaders(h: Headers, now: number): RateHeaders {
  const num = (name: string) => {
    const v = h.get(name);
    if (v === null || v.trim() === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const out: RateHeaders = {};
  const limit = num('x-rate-limit-limit') ?? num('x-ratelimit-limit');
  if (limit !== undefined && limit > 0) out.limit = limit;
  const remaining = num('x-rate-limit-remaining') ?? num('x-ratelimit-remaining');
  if (remaining !== undefined && remaining >= 0) out.remaining = remaining;
  const reset = num('x-rate-limit-reset') ?? num('x-ratelimit-reset');
  if (reset !== undefined && reset > 0) out.resetAt = reset * 1000;
  const ra = h.get('retry-after');
  if (ra !== null && ra.trim() !== '') {
    const secs = Number(ra);
    const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(ra) - now;
    if (Number.isFinite(ms) && ms >= 0) out.retryAfterMs = ms;
  }
  return out;
}

/**
 * Learns from every answer, not only from refusals: a 429 (or GitHub's 403 at zero remaining, or a
 * 503 with Retry-After) pauses the provider until its retry time; `remaining` at zero pauses it until
 * the reset, before the next call is refused; a smaller `remaining` than the units this process holds
 * caps them at what is left once the calls still in flight land (the provider's count is the truth
 * when it disagrees with ours: another client of the same credential, a lower limit than
 * configured). While the provider has more left than this process holds, nothing changes: the
 * configured budget is then the tighter one.
 */
export async function learnFromHeaders(ctx: RateState, connector: string, status: number, h: Headers): Promise<void> {
  const now = ctx.clock.now();
  const r = readRateHeaders(h, now);
  const refused = status === 429 || (status === 403 && r.remaining === 0) || (status === 503 && r.retryAfterMs !== undefined);
  if (refused) {
    const until = r.retryAfterMs !== undefined ? now + r.retryAfterMs : r.resetAt !== undefined && r.resetAt > now ? r.resetAt : now + 1_000;
    return pauseUntil(ctx, connector, until);
  }
  lowerLimit(ctx, connector, r, now);
  if (r.remaining === undefined) return;
  if (r.remaining === 0 && r.resetAt !== undefined && r.resetAt > now) return pauseUntil(ctx, connector, r.resetAt);
  const held = ctx.budgets.get(connector);
  if (held && held.units > r.remaining) held.units = Math.max(0, r.remaining - (ctx.inflight.get(connector) ?? 0));
}

/**
 * A provider that says its limit is lower than the configured budget, for a window no longer than
 * the configured one, is taken at its word in this process from then on (and the configuration is
 * named as wrong, once): otherwise every window would start with a burst the provider refuses.
 */
function lowerLimit(ctx: RateState, connector: string, r: RateHeaders, now: number): void {
  const l = ctx.limits.get(connector);
  if (!l?.rate || r.limit === undefined || r.limit >= l.rate.limit) return;
  if (r.resetAt === undefined || r.resetAt - now > l.rate.windowMs) return;
  ctx.limits.set(connector, { ...l, rate: { ...l.rate, limit: r.limit } });
  ctx.log.warn({ connector, configured: l.rate.limit, provider: r.limit, windowMs: l.rate.windowMs }, 'the provider allows fewer calls per window than the configured rate budget; using the provider\'s limit (lower connectors.<name>.rate.limit in sever.yaml)');
}

/**
 * The fetch a connector gets from the engine: every HTTP call takes one unit of the provider's
 * budget first (waiting in this process for a short wait; the step itself re-queues for a long one,
 * see takeBudget) and every answer is read for what it says about the budget. Calls made through a
 * provider's SDK that does not use this fetch are counted per step instead.
 */
export function meteredFetch(ctx: RateState, connector: string, fetch: typeof globalThis.fetch): typeof globalThis.fetch {
  // Slow start: until the provider's first answer is in, one call at a time, so that a burst of
  // concurrent calls does not meet a lower limit than configured before its headers could say so.
  let firstAnswer: Promise<unknown> | undefined;
  let answered = false;
  // Calls in flight and the window each was counted in here. A call sent near the end of a window
  // may reach the provider in the next one and be counted there: each call still in flight from the
  // window just ended is reserved once more in the new one, and given back when its answer shows
  // the provider counted it in its own window after all.
  const flying = new Set<{ window: number; reservedIn?: number }>();
  return async (input, init) => {
    ctx.metered.add(connector);
    while (!answered && firstAnswer) await firstAnswer.catch(() => undefined);
    let done: (() => void) | undefined;
    if (!answered) firstAnswer = new Promise<void>((r) => (done = r));
    let me: { window: number; reservedIn?: number } | undefined;
    for (;;) {
      const l = ctx.limits.get(connector);
      const paused = (ctx.pauses.get(connector) ?? 0) - ctx.clock.now();
      if (paused > 0) {
        await sleep(ctx, paused);
        continue;
      }
      const rate = l?.rate;
      if (!rate) break;
      const window = Math.floor(ctx.clock.now() / rate.windowMs) * rate.windowMs;
      // Only a call granted in the window just ended can land in this one, and only once: one that
      // has been in flight longer was counted, or will be refused, wherever it landed.
      // Claimed before the await, so that concurrent callers do not reserve the same call twice.
      const carried = [...flying].filter((c) => c.window === window - rate.windowMs && c.reservedIn === undefined);
      for (const c of carried) c.reservedIn = window;
      const wait = await takeUnits(ctx, connector, 1 + carried.length, rate, l.concurrency);
      if (wait <= 0) {
        // The window the units came from: takeUnits may have waited into the next one.
        me = { window: Math.floor(ctx.clock.now() / rate.windowMs) * rate.windowMs };
        break;
      }
      for (const c of carried) delete c.reservedIn;
      await sleep(ctx, wait);
    }
    if (me) flying.add(me);
    ctx.inflight.set(connector, (ctx.inflight.get(connector) ?? 0) + 1);
    let res: Response;
    try {
      res = await fetch(input, init);
      await learnFromHeaders(ctx, connector, res.status, res.headers);
      answered = true;
      const windowMs = ctx.limits.get(connector)?.rate?.windowMs;
      const resetAt = readRateHeaders(res.headers, ctx.clock.now()).resetAt;
      if (me?.reservedIn !== undefined && windowMs && resetAt !== undefined && resetAt <= me.window + windowMs) {
        const held = ctx.budgets.get(connector);
        if (held && held.windowStart === me.reservedIn) held.units++;
      }
    } finally {
      if (me) flying.delete(me);
      ctx.inflight.set(connector, (ctx.inflight.get(connector) ?? 1) - 1);
      if (done) {
        firstAnswer = undefined;
        done();
      }
    }
    return res;
  };
}
