/**
 * What every engine operation receives. Built once by `createEngine`; no module singletons.
 */
import type { Clock, IdSource } from '../core/clock.ts';
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
  /** How often `contain`/`verify` look at the step table while waiting. */
  waitPollMs: number;
}

export const DEFAULT_TUNING: EngineTuning = {
  retry: { baseMs: 500, factor: 2, maxMs: 30_000, maxAttempts: 8 },
  batchSize: 2,
  pollers: 4,
  waitPollMs: 50,
};

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
  /** Rate-budget units this process took from a provider's current window and has not used yet. */
  budgets: Map<string, { windowStart: number; units: number; refill?: Promise<unknown> }>;
}
