/**
 * sever.yaml: connectors (named `kind:instance`, credentials by reference only), the revocation
 * policy, the runbook and where the ledger key lives. Documented in docs/config.md.
 */
import { z } from 'zod';

export const CONNECTOR_NAME = /^[a-z][a-z0-9-]*:[a-z0-9][a-z0-9._-]*$/;

const connectorInstance = z.strictObject({
  /** Settings validated by the connector kind's own schema. */
  settings: z.record(z.string(), z.unknown()).default({}),
  /** Lower (never raise beyond the provider's documented limits) the connector's concurrency. */
  concurrency: z.number().int().positive().max(1024).optional(),
  rate: z.strictObject({ limit: z.number().int().positive(), windowMs: z.number().int().positive() }).optional(),
  verify: z.strictObject({ pollIntervalMs: z.number().int().positive().optional(), deadlineMs: z.number().int().positive().optional() }).optional(),
  /** rotate-then-revoke: how often to look for the dependents using the new credential, and for how long. */
  adoption: z.strictObject({ pollIntervalMs: z.number().int().positive().optional(), deadlineMs: z.number().int().positive().optional() }).optional(),
});

export const configSchema = z.strictObject({
  version: z.literal(1),
  connectors: z.record(z.string(), connectorInstance),
  policy: z.unknown().optional(),
  policyFile: z.string().optional(),
  runbook: z.unknown().optional(),
  runbookFile: z.string().optional(),
  ledger: z.strictObject({ keyFile: z.string().optional() }).optional(),
});

export type ConfigFile = z.output<typeof configSchema>;
export type ConnectorInstanceConfig = z.output<typeof connectorInstance>;
