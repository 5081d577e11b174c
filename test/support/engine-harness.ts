/**
 * An engine over a real store (PGlite or PostgreSQL) with in-memory providers, for engine tests.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { randomIds, type Clock } from '../../src/core/clock.ts';
import { DEFAULT_POLICY, type Policy } from '../../src/core/policy.ts';
import type { Runbook } from '../../src/core/runbook.ts';
import { withKeys } from './signing.ts';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/create-engine.ts';
import { secretBoxFromKey } from '../../src/engine/secret-box.ts';
import { loadOrCreateKeyFile } from '../../src/ledger/index.ts';
import { openStore } from '../../src/store/open.ts';
import type { Connection } from '../../src/store/types.ts';
import type { Connector } from '../../src/connectors/contract.ts';
import type { EngineTuning } from '../../src/engine/context.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';

/** Every person named has their own key (test/support/signing.ts). */
export const TEST_RUNBOOK = withKeys({
  version: 1,
  roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'], responders: ['eddie', 'ida', 'irene'] },
  applications: [{ name: 'payroll', connectors: ['memory:*'], owners: ['paula'] }],
});

export interface Harness {
  engine: Engine;
  conn: Connection;
  tdb: TestDatabase;
  close(): Promise<void>;
}

export async function startHarness(driver: 'pglite' | 'postgres', connectors: Connector[], clock: Clock, tuning: Partial<EngineTuning> = {}, policy: Policy = DEFAULT_POLICY, runbook: Runbook = TEST_RUNBOOK, extra: Partial<EngineOptions> = {}): Promise<Harness> {
  const tdb = await createTestDatabase(driver);
  const conn = await openStore({ dataDir: tdb.dataDir, ...(tdb.databaseUrl ? { databaseUrl: tdb.databaseUrl } : {}) });
  const signer = await loadOrCreateKeyFile(join(tdb.dataDir, 'ledger.jwk'));
  const engine = createEngine({
    conn, connectors, policy, runbook, clock, ids: randomIds((n) => randomBytes(n)), signer,
    secrets: secretBoxFromKey(randomBytes(32)), tuning: { retry: { baseMs: 10, factor: 2, maxMs: 100, maxAttempts: 6 }, ...tuning },
    ...extra,
  });
  return {
    engine, conn, tdb,
    close: async () => {
      await engine.stop();
      await conn.close();
      await tdb.drop();
    },
  };
}
