/** Time and identity sources are parameters of the core, never globals, so tests can freeze them. */

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface IdSource {
  /** A new unique id with the given prefix, e.g. `inc_…`. */
  next(prefix: string): string;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests. */
export function frozenClock(startMs: number): Clock & { advance(ms: number): void; set(ms: number): void } {
  let t = startMs;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    set: (ms: number) => {
      t = ms;
    },
  };
}

/** Random ids: prefix + 20 base32 characters (100 bits). The random source is injected. */
export function randomIds(randomBytes: (n: number) => Uint8Array): IdSource {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return {
    next(prefix: string): string {
      const bytes = randomBytes(20);
      let s = '';
      for (const b of bytes) s += alphabet[b & 31];
      return `${prefix}_${s}`;
    },
  };
}

/** Deterministic ids for tests: prefix + counter. */
export function sequentialIds(): IdSource {
  let n = 0;
  return { next: (prefix: string) => `${prefix}_${String(++n).padStart(6, '0')}` };
}

export const iso = (ms: number): string => new Date(ms).toISOString();
