import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.ts';
import * as repo from '../../src/store/repo.ts';
import type { Connection } from '../../src/store/types.ts';
import { createTestDatabase, DRIVERS, type TestDatabase } from '../support/databases.ts';

for (const driver of DRIVERS) {
  describe(`store on ${driver}`, () => {
    let tdb: TestDatabase;
    let conn: Connection;
    before(async () => {
      tdb = await createTestDatabase(driver);
      conn = await openStore({ dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl });
    });
    after(async () => {
      await conn?.close();
      await tdb?.drop();
    });

    it('uses the requested driver', () => assert.equal(conn.driver, driver));

    it('round-trips an incident and its artifacts, ignoring duplicates by identity', async () => {
      await repo.insertIncident(conn.db, {
        id: 'inc_1', state: 'open', subjectType: 'human', handle: 'alice', subject: { type: 'human', handle: 'alice', identifiers: {} },
        openedBy: 'ir', openedAt: 1, updatedAt: 1,
      });
      const base = { incidentId: 'inc_1', connector: 'keycloak:lab', kind: 'idp-session', label: 's', status: 'discovered', createdAt: 2, updatedAt: 2 };
      const first = await repo.insertArtifacts(conn.db, [{ ...base, id: 'art_1', externalId: 'S1' }, { ...base, id: 'art_2', externalId: 'S2' }]);
      assert.equal(first.length, 2);
      const again = await repo.insertArtifacts(conn.db, [{ ...base, id: 'art_3', externalId: 'S1' }]);
      assert.equal(again.length, 0, 'same connector+kind+externalId is not inserted twice');
      const all = await repo.listArtifacts(conn.db, 'inc_1');
      assert.deepEqual(all.map((a) => a.externalId), ['S1', 'S2']);
      await assert.rejects(repo.getIncident(conn.db, 'nope'), { code: 'ERR_INCIDENT_NOT_FOUND' });
    });

    it('records a step intent once per idempotency key', async () => {
      const row = { incidentId: 'inc_1', artifactId: 'art_1', type: 'revoke', state: 'pending', actor: 'bob', createdAt: 3, updatedAt: 3 };
      assert.equal((await repo.insertSteps(conn.db, [{ ...row, id: 'st_1', idempotencyKey: 'revoke:art_1' }])).length, 1);
      assert.equal((await repo.insertSteps(conn.db, [{ ...row, id: 'st_2', idempotencyKey: 'revoke:art_1' }])).length, 0);
      assert.equal(await repo.countOpenSteps(conn.db, 'inc_1'), 1);
    });

    it('rolls back a failed transaction entirely', async () => {
      await assert.rejects(
        conn.db.transaction(async (tx) => {
          await repo.updateIncident(tx, 'inc_1', { state: 'discovering' });
          throw new Error('boom');
        }),
      );
      assert.equal((await repo.getIncident(conn.db, 'inc_1')).state, 'open');
    });

    it('enforces a fixed-window rate budget exactly', async () => {
      const taken = [];
      for (let i = 0; i < 5; i++) taken.push(await repo.takeRateBudget(conn.db, 'p', 3, 1000, 10_100));
      assert.deepEqual(taken, [0, 0, 0, 900, 900]);
      assert.equal(await repo.takeRateBudget(conn.db, 'p', 3, 1000, 11_000), 0, 'a new window has a fresh budget');
    });
  });
}

describe('embedded store housekeeping', () => {
  it('refuses a second live opener of the same data directory, and takes over a dead one\'s lock', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir, hostname } = await import('node:os');
    const { acquireDirLock } = await import('../../src/store/pglite/lock.ts');
    const dir = mkdtempSync(join(tmpdir(), 'sever-lock-'));
    const lock = acquireDirLock(dir);
    assert.equal(lock.stale, false);
    assert.throws(() => acquireDirLock(dir), { code: 'ERR_STORE_LOCKED' });
    lock.release();
    // A lock left by a process that no longer exists (SIGKILL) is stale: taken over, and reported.
    writeFileSync(join(dir, 'sever.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname() }));
    const again = acquireDirLock(dir);
    assert.equal(again.stale, true);
    again.release();
  });

  it('vacuums PGlite when the last vacuum is older than a day', async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const { vacuumWhenDue } = await import('../../src/store/pglite/connect.ts');
    const db = await PGlite.create();
    await db.exec('create table meta (key text primary key, value jsonb not null)');
    assert.equal(await vacuumWhenDue(db, 1_000), false, 'first open only records the time');
    assert.equal(await vacuumWhenDue(db, 1_000 + 3600_000), false, 'not due within a day');
    assert.equal(await vacuumWhenDue(db, 1_000 + 25 * 3600_000), true, 'due after a day');
    await db.close();
  });
});

for (const driver of DRIVERS) {
  describe(`rate budget in bulk on ${driver}`, () => {
    it('grants at most the window\'s limit to a batch and says how long to wait', async () => {
      const tdb = await createTestDatabase(driver);
      const conn = await openStore({ dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl });
      try {
        assert.deepEqual(await repo.takeRateBudgetN(conn.db, 'k', 10, 1000, 5_200, 4), { granted: 4, waitMs: 0, pausedUntil: 0 });
        assert.deepEqual(await repo.takeRateBudgetN(conn.db, 'k', 10, 1000, 5_300, 8), { granted: 6, waitMs: 700, pausedUntil: 0 });
        assert.deepEqual(await repo.takeRateBudgetN(conn.db, 'k', 10, 1000, 5_900, 1), { granted: 0, waitMs: 100, pausedUntil: 0 });
        assert.deepEqual(await repo.takeRateBudgetN(conn.db, 'k', 10, 1000, 6_000, 3), { granted: 3, waitMs: 0, pausedUntil: 0 });
        // A lower limit learned mid-window never hands back units already granted (n never goes down).
        assert.deepEqual(await repo.takeRateBudgetN(conn.db, 'k', 2, 1000, 6_100, 1), { granted: 0, waitMs: 900, pausedUntil: 0 });
        assert.deepEqual(await repo.takeRateBudgetN(conn.db, 'k', 10, 1000, 6_200, 1), { granted: 1, waitMs: 0, pausedUntil: 0 });
        // A pause one worker learned comes back with every grant, greatest first.
        await repo.pauseRateKey(conn.db, 'k', 9_000);
        await repo.pauseRateKey(conn.db, 'k', 8_000);
        assert.deepEqual(await repo.takeRateBudgetN(conn.db, 'k', 10, 1000, 6_300, 1), { granted: 1, waitMs: 0, pausedUntil: 9_000 });
      } finally {
        await conn.close();
        await tdb.drop();
      }
    });
  });
}
