/**
 * sever.yaml: connectors (named `kind:instance`, credentials by reference only), the revocation
 * policy, the runbook and where the ledger key lives. Documented in docs/config.md.
 *
 * Every number is bounded by what holds it: counts go into PostgreSQL `integer` columns (at most
 * 2^31 − 1), durations into timers and deadlines (whole milliseconds, at most 24 days, below the
 * 2^31 − 1 ms a Node.js timer can wait), so a value that would fail later at the store or fire a
 * timer at once is refused here, with its path.
 */
import { z } from 'zod';

/** `kind:instance`; at most 128 characters (the name keys rate-budget rows and artifact indexes). */
export const CONNECTOR_NAME = /^(?=.{3,128}$)[a-z][a-z0-9-]*:[a-z0-9][a-z0-9._-]*$/;

/** The largest PostgreSQL `integer`. */
export const MAX_PG_INTEGER = 2 ** 31 - 1;
/** The longest deadline or window: 24 days (a Node.js timer waits at most 2^31 − 1 ms, about 24.8 days). */
export const MAX_DURATION_MS = 24 * 24 * 3600_000;
/** The longest poll interval: one hour. */
export const MAX_POLL_MS = 3600_000;
/** The highest concurrency an instance may ask for (the manifest's own limit still applies). */
export const MAX_CONCURRENCY = 1024;

const count = z.number().int().positive().max(MAX_PG_INTEGER);
const durationMs = z.number().int().positive().max(MAX_DURATION_MS);
const pollMs = z.number().int().positive().max(MAX_POLL_MS);

const connectorInstance = z.strictObject({
  /** Settings validated by the connector kind's own schema. */
  settings: z.record(z.string(), z.unknown()).default({}),
  /** Lower (never raise beyond the provider's documented limits) the connector's concurrency. */
  concurrency: z.number().int().positive().max(MAX_CONCURRENCY).optional(),
  /** Operations per window, kept in the database (an `integer` column). */
  rate: z.strictObject({ limit: count, windowMs: durationMs }).optional(),
  verify: z.strictObject({ pollIntervalMs: pollMs.optional(), deadlineMs: durationMs.optional() }).optional(),
  /** rotate-then-revoke: how often to look for the dependents using the new credential, and for how long. */
  adoption: z.strictObject({ pollIntervalMs: pollMs.optional(), deadlineMs: durationMs.optional() }).optional(),
});

export const configSchema = z.strictObject({
  version: z.literal(1),
  connectors: z.record(z.string(), connectorInstance),
  policy: z.unknown().optional(),
  policyFile: z.string().min(1).optional(),
  runbook: z.unknown().optional(),
  runbookFile: z.string().min(1).optional(),
  ledger: z.strictObject({ keyFile: z.string().min(1).optional() }).optional(),
  /** Explicit identity links (docs/config.md): a subject's identifier in each connector. */
  identities: z
    .array(z.strictObject({
      subject: z.string().trim().min(1).max(256),
      aliases: z.array(z.string().trim().min(1).max(256)).max(64).optional(),
      links: z.record(z.string().regex(CONNECTOR_NAME, 'expected a connector instance name kind:instance'), z.string().trim().min(1).max(512)),
    }))
    .max(100_000)
    .default([]),
});

export type ConfigFile = z.output<typeof configSchema>;
export type ConnectorInstanceConfig = z.output<typeof connectorInstance>;
