/**
 * Fault injection for the lab provider: the misbehaviours a containment engine must survive.
 * Set at start (`startLabIdp({ faults })`) and changed at runtime (`lab.faults.set(…)`).
 * Calls carrying the lab's internal header (delayed application replays) bypass every fault.
 */

/** Which part of the lab a call hits. */
export type Surface =
  | 'admin'
  | 'revocation'
  | 'introspection'
  | 'token'
  | 'userinfo'
  | 'authorization'
  | 'resource-server';

export const SURFACES: readonly Surface[] = ['admin', 'revocation', 'introspection', 'token', 'userinfo', 'authorization', 'resource-server'];

/** Admin API and RFC 7009 revocation: the calls a revoker makes. */
export const REVOKER_SURFACES: readonly Surface[] = ['admin', 'revocation'];

export interface FaultOptions {
  /** Milliseconds added before answering each call (default on every surface). */
  latencyMs?: number;
  latencyOn?: Surface[];
  /**
   * 429 with `Retry-After: retryAfterSeconds` on every `every`-th call, and/or when more than
   * `limit` calls arrive within `windowMs` (Retry-After is then the rest of the window).
   * Default surfaces: admin + revocation.
   */
  rateLimit?: { every?: number; limit?: number; windowMs?: number; retryAfterSeconds?: number; on?: Surface[] };
  /** The next `count` calls answer `status` (default 503). Default surfaces: admin + revocation. */
  failFirst?: { count: number; status?: number; on?: Surface[] };
  /**
   * The next `count` mutating calls (admin DELETE / logout, RFC 7009 revocation) answer success but
   * change nothing. `Infinity` for all of them.
   */
  ackWithoutApply?: { count: number };
  /** Mutating calls are acknowledged at once and take effect only after this many ms. */
  applyDelayMs?: number;
  /**
   * RFC 7662 introspection answers `{"active":false}` for every token, whatever its real state:
   * a provider whose own opinion of itself is wrong (the token still refreshes and calls).
   */
  introspectionInactive?: boolean;
}

export interface FaultAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type MutationMode = 'apply' | 'ack-only' | { delayMs: number };

/** Live fault state with counters. */
export class Faults {
  #options: FaultOptions = {};
  #everyCounter = 0;
  #windowStart = 0;
  #windowCount = 0;
  #failLeft = 0;
  #ackLeft = 0;
  /** Calls seen per surface (faulted or not); handy for asserting what a connector did. */
  readonly calls: Record<Surface, number> = Object.fromEntries(SURFACES.map((s) => [s, 0])) as Record<Surface, number>;

  constructor(options: FaultOptions = {}) {
    this.set(options);
  }

  /** Replaces the whole fault configuration and resets its counters. */
  set(options: FaultOptions): void {
    this.#options = structuredClone(options);
    this.#everyCounter = 0;
    this.#windowStart = 0;
    this.#windowCount = 0;
    this.#failLeft = options.failFirst?.count ?? 0;
    this.#ackLeft = options.ackWithoutApply?.count ?? 0;
  }

  /** Merges into the current configuration (counters of changed knobs restart). */
  update(partial: FaultOptions): void {
    this.set({ ...this.#options, ...(this.#options.ackWithoutApply ? { ackWithoutApply: { count: this.#ackLeft } } : {}), ...partial });
  }

  clear(): void {
    this.set({});
  }

  get options(): FaultOptions {
    return structuredClone(this.#options);
  }

  /** Called before a call is served; answers the fault to send instead, if any. */
  async before(surface: Surface, now: number = Date.now()): Promise<FaultAnswer | undefined> {
    this.calls[surface]++;
    const o = this.#options;
    if (o.latencyMs && (o.latencyOn ?? SURFACES).includes(surface)) await new Promise((r) => setTimeout(r, o.latencyMs));
    if (o.failFirst && this.#failLeft > 0 && (o.failFirst.on ?? REVOKER_SURFACES).includes(surface)) {
      this.#failLeft--;
      const status = o.failFirst.status ?? 503;
      return { status, headers: {}, body: { error: 'unknown_error', error_description: `lab fault: injected ${status}` } };
    }
    if (surface === 'introspection' && o.introspectionInactive) return { status: 200, headers: {}, body: { active: false } };
    const rl = o.rateLimit;
    if (rl && (rl.on ?? REVOKER_SURFACES).includes(surface)) {
      if (rl.every) {
        this.#everyCounter++;
        if (this.#everyCounter % rl.every === 0) return tooMany(rl.retryAfterSeconds ?? 1);
      }
      if (rl.limit !== undefined) {
        const windowMs = rl.windowMs ?? 1000;
        if (now - this.#windowStart >= windowMs) {
          this.#windowStart = now;
          this.#windowCount = 0;
        }
        this.#windowCount++;
        if (this.#windowCount > rl.limit) {
          return tooMany(rl.retryAfterSeconds ?? Math.max(1, Math.ceil((this.#windowStart + windowMs - now) / 1000)));
        }
      }
    }
    return undefined;
  }

  /** How a mutating call that passed `before` is to be handled. */
  mutation(): MutationMode {
    if (this.#ackLeft > 0) {
      this.#ackLeft--;
      return 'ack-only';
    }
    if (this.#options.applyDelayMs) return { delayMs: this.#options.applyDelayMs };
    return 'apply';
  }
}

function tooMany(retryAfterSeconds: number): FaultAnswer {
  return {
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: { error: 'too_many_requests', error_description: 'lab fault: rate limited' },
  };
}
