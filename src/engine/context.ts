/**
 * What every engine operation receives. Built once by `createEngine`; no module singletons.
 */
import type { Clock, IdSource } from '../core/clock.ts';
import type { IdentityMapping } from '../core/model.ts';
import type { Policy } from '../core/policy.ts';
import type { Runbook } from '../core/runbook.ts';
import type { Connector } from '../connectors/contract.ts';
import type { Connection, Db } from '../store/types.ts';
import type { LedgerWriter } from './ledger-writer.ts';
import type { Runner } from './runner.ts';
import type { SecretBox } from './secret-box.ts';

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Retry and polling are policy, not hand-written loops. */
export interface EngineTuning {
  /** Backoff for retryable provider errors without a Retry-After. */
  retry: { baseMs: number; factor: number; maxMs: number; maxAttempts: number };
  /** pg-boss batch size per fetch and pollers per queue. */
  batchSize: number;
  pollers: number;
  /**
   * Jobs of one queue that one connector may hold at once in this process (pg-boss
   * `localGroupConcurrency`, each job in its connector's group). A provider whose budget is spent
   * holds its jobs while their calls wait for the next window: without this cap they would take
   * every poller and the other providers' steps would wait behind them. At most `pollers`.
   */
  jobsPerConnector: number;
  /** How often `contain`/`verify` look at the step table while waiting. */
  waitPollMs: number;
  /** How often, while waiting, every pending step is checked for a live job. */
  liveCheckMs: number;
  /** Added to the latest step deadline to give the wait of `contain`/`verify` its end. */
  deadlineMarginMs: number;
  /** Durable jobs (given as a whole when overridden). */
  jobs: JobTuning;
}

/**
 * When a step batch's handler throws (a store failure, a bug: anything outside the connector
 * contract, whose errors settle the step instead), pg-boss retries its job `retryLimit` times, then
 * moves it to the dead-letter queue. A pending step whose job died there, or vanished, is
 * re-enqueued `requeueLimit` times; after that it is settled `failed` with ERR_STEP_EXHAUSTED.
 */
export interface JobTuning {
  retryLimit: number;
  retryDelaySeconds: number;
  retryBackoff: boolean;
  requeueLimit: number;
}

export const DEFAULT_TUNING: EngineTuning = {
  retry: { baseMs: 500, factor: 2, maxMs: 30_000, maxAttempts: 8 },
  batchSize: 1,
  pollers: 8,
  jobsPerConnector: 3,
  waitPollMs: 50,
  liveCheckMs: 2_000,
  deadlineMarginMs: 30_000,
  jobs: { retryLimit: 3, retryDelaySeconds: 1, retryBackoff: true, requeueLimit: 2 },
};

/**
 * Waits `ms`: through the clock when it can sleep (a test clock that moves time on), else on a
 * timer. Every wait of the engine goes through here.
 */
export function sleep(ctx: { clock: Clock }, ms: number): Promise<void> {
  const clock = ctx.clock as Clock & { sleep?: (ms: number) => Promise<void> };
  if (typeof clock.sleep === 'function') return clock.sleep(ms);
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

export interface ConnectorLimits {
  concurrency: number;
  rate?: { limit: number; windowMs: number };
  verifyPolicy: { pollIntervalMs: number; deadlineMs: number };
  adoptionPolicy: { pollIntervalMs: number; deadlineMs: number };
}

/** When a manifest with rotation names no adoption policy: poll every 2 s for up to 15 minutes. */
export const DEFAULT_ADOPTION_POLICY = { pollIntervalMs: 2_000, deadlineMs: 15 * 60_000 };

export interface EngineContext {
  conn: Connection;
  db: Db;
  connectors: Map<string, Connector>;
  limits: Map<string, ConnectorLimits>;
  policy: Policy;
  runbook: Runbook;
  clock: Clock;
  ids: IdSource;
  ledger: LedgerWriter;
  secrets: SecretBox;
  log: Logger;
  tuning: EngineTuning;
  runner: Runner;
  /** Explicit identity links from sever.yaml: a subject's identifier per connector. */
  identities: IdentityMapping[];
  /** Rate-budget units this process took from a provider's current window and has not used yet. */
  budgets: Map<string, { windowStart: number; units: number; refill?: Promise<unknown>; exhaustedUntil?: number }>;
  /** Providers whose HTTP calls go through the engine's metered fetch, so are counted call by call. */
  metered: Set<string>;
  /** Calls this process has sent to each provider and not yet had answered. */
  inflight: Map<string, number>;
  /** Until when (clock ms) a provider asked, by a rate-limit answer, not to be called; every step of it waits. */
  pauses: Map<string, number>;
}
