/**
 * A provider's fixed-window rate limit, as the simulators enforce it: `limit` requests per window of
 * `windowMs` aligned to the epoch (Okta's per-minute windows, GitHub's per-hour ones, scaled down for
 * benches). It also keeps what each window saw, so a bench can say how much of the budget a client
 * used and how often it was refused.
 */
export interface WindowStats {
  start: number;
  /** Requests answered normally in this window. */
  served: number;
  /** Requests refused for the rate limit (429) in this window. */
  refused: number;
}

export class FixedWindow {
  #windows = new Map<number, WindowStats>();
  readonly limit: number;
  readonly windowMs: number;
  readonly #now: () => number;
  constructor(limit: number, windowMs: number, now: () => number = Date.now) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.#now = now;
  }

  /** Counts one request: whether it is within the limit, what is left, and when the window resets (ms). */
  hit(): { allowed: boolean; remaining: number; resetAt: number } {
    const t = this.#now();
    const start = t - (t % this.windowMs);
    let w = this.#windows.get(start);
    if (!w) this.#windows.set(start, (w = { start, served: 0, refused: 0 }));
    const allowed = w.served < this.limit;
    if (allowed) w.served++;
    else w.refused++;
    return { allowed, remaining: Math.max(0, this.limit - w.served), resetAt: start + this.windowMs };
  }

  /** Every window that saw a request, oldest first. */
  stats(): WindowStats[] {
    return [...this.#windows.values()].sort((a, b) => a.start - b.start);
  }

  reset(): void {
    this.#windows.clear();
  }
}

/**
 * How much of a provider's budget a client used while it was busy: served / (limit × windows) over
 * the windows strictly between the first and the last one that saw a request (those two are partial
 * by nature: the run started and ended inside them; an idle window in between counts as unused), and
 * the share of requests refused overall.
 */
export function budgetUse(stats: WindowStats[], limit: number, windowMs: number): { windows: number; used: number; refusedShare: number; served: number; refused: number } {
  const served = stats.reduce((n, w) => n + w.served, 0);
  const refused = stats.reduce((n, w) => n + w.refused, 0);
  const first = stats[0]?.start ?? 0;
  const last = stats.at(-1)?.start ?? 0;
  const windows = Math.max(0, Math.round((last - first) / windowMs) - 1);
  const innerServed = stats.filter((w) => w.start > first && w.start < last).reduce((n, w) => n + w.served, 0);
  return { windows, used: windows > 0 ? innerServed / (limit * windows) : NaN, refusedShare: served + refused ? refused / (served + refused) : 0, served, refused };
}
