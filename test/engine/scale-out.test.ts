/**
 * Scale-out on PostgreSQL is more workers, not a redesign: two engines (as two processes would)
 * share one database; one dispatches, both work, each artifact is revoked once and the shared
 * rate budget holds across them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { randomIds, systemClock } from '../../src/core/clock.ts';
import { DEFAULT_POLICY } from '../../src/core/policy.ts';
import { createEngine } from '../../src/engine/create-engine.ts';
import { secretBoxFromKey } from '../../src/engine/secret-box.ts';
import { loadOrCreateKeyFile } from '../../src/ledger/index.ts';
import { openStore } from '../../src/store/open.ts';
import { listLedger } from '../../src/store/repo.ts';
import { verifyChain } from '../../src/ledger/index.ts';
import { createMemoryConnector, createMemoryProvider, memoryManifest } from '../../lab/memory/provider.ts';
import { createTestDatabase } from '../support/databases.ts';
import { TEST_RUNBOOK } from '../support/engine-harness.ts';
import { assertRateBudgetHeld } from '../support/rate.ts';

// Under the full suite's parallel load this once reported one job's worth of artifacts (32)
// 'revoking' with no pending step: the summary read the statuses and the pending steps in two
// statements, and the other worker settled a batch in between. Both are one statement now.
test('two workers on one PostgreSQL database share the work and the rate budget, with no double revocation', { timeout: 60_000 }, async () => {
  const tdb = await createTestDatabase('postgres');
  const provider = createMemoryProvider(systemClock, { latencyMs: 5 });
  for (let i = 0; i < 160; i++) provider.add({ subject: 'alice', kind: 'refresh-token', externalId: `rt-${i}`, revocable: true });
  const seenBy = new Map<string, Set<string>>();
  const tracked = (who: string) => {
    const c = createMemoryConnector('memory:shared', provider, systemClock, memoryManifest({ limits: { concurrency: 16, rate: { limit: 80, windowMs: 200 } } }));
    return { ...c, revoke: async (h: Parameters<typeof c.revoke>[0]) => (seenBy.set(who, (seenBy.get(who) ?? new Set()).add(h.externalId)), c.revoke(h)) };
  };
  const signer = await loadOrCreateKeyFile(join(tdb.dataDir, 'k.jwk'));
  const secrets = secretBoxFromKey(randomBytes(32));
  const engines = await Promise.all(['a', 'b'].map(async (who) => {
    const conn = await openStore({ dataDir: join(tdb.dataDir, who), databaseUrl: tdb.databaseUrl! });
    const engine = createEngine({ conn, connectors: [tracked(who)], policy: DEFAULT_POLICY, runbook: TEST_RUNBOOK, clock: systemClock, ids: randomIds((n) => randomBytes(n)), signer, secrets, tuning: { batchSize: 1, pollers: 1 } });
    return { conn, engine };
  }));
  try {
    const [a, b] = engines as [typeof engines[0], typeof engines[0]];
    // Both workers are polling before anything is dispatched, each taking one job (32 steps) at a time.
    await a.engine.work();
    await b.engine.work();
    const id = await a.engine.openIncident({ subject: { type: 'service-account', handle: 'alice', identifiers: {} }, actor: 'ida' });
    await a.engine.discover(id, 'ida');
    await a.engine.plan(id, 'ida');
    const s = await a.engine.contain(id, 'eddie');
    assert.equal(s.byStatus['verified-dead'], 160, JSON.stringify(s.byStatus));
    const fresh = await a.engine.show(id);
    assert.equal(fresh.artifacts.filter((x) => x.status === 'verified-dead').length, 160, 'the store agrees with the summary');
    assert.ok((seenBy.get('a')?.size ?? 0) > 0 && (seenBy.get('b')?.size ?? 0) > 0, `both workers revoked: a=${seenBy.get('a')?.size} b=${seenBy.get('b')?.size}`);
    assert.equal(provider.calls.revoke, 160, 'each artifact was revoked exactly once');
    const t = provider.revokeTimes;
    // 80 operations per window = 40 revokes, each with its verification.
    await assertRateBudgetHeld(a.conn.db, 'memory:shared', 80, 200, t, 2);
    const chain = verifyChain((await listLedger(a.conn.db, id)) as never[], [signer.publicJwk]);
    assert.equal(chain.ok, true, JSON.stringify(chain));
  } finally {
    for (const e of engines) {
      await e.engine.stop();
      await e.conn.close();
    }
    await tdb.drop();
  }
});
