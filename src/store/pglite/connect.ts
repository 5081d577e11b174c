import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { fromPglite } from 'pg-boss';
import { SeverError } from '../../core/errors.ts';
import { schema } from '../schema.ts';
import type { Connection, Db } from '../types.ts';
import { acquireDirLock } from './lock.ts';

/** Opens (creating if needed) the embedded store in `<dataDir>/pgdata`, under a single-writer lock. */
export async function connectPglite(dataDir: string, migrationsFolder: string): Promise<Connection> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock = acquireDirLock(dataDir);
  let client: PGlite | undefined;
  try {
    client = await PGlite.create(join(dataDir, 'pgdata'));
    const db = drizzle(client, { schema }) as unknown as Db;
    await migrate(drizzle(client), { migrationsFolder });
    await vacuumWhenDue(client, Date.now());
    const pglite = client;
    return {
      driver: 'pglite',
      db,
      bossOptions: { db: fromPglite(pglite), backend: 'pglite' },
      recoveredStaleLock: lock.stale,
      close: async () => {
        try {
          await pglite.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (e) {
    await client?.close().catch(() => undefined);
    lock.release();
    if (e instanceof SeverError) throw e;
    throw new SeverError('ERR_STORE_FAILED', `cannot open embedded store in ${dataDir}: ${(e as Error).message}`, { cause: e });
  }
}

const VACUUM_EVERY_MS = 24 * 3600_000;

/** PGlite has no autovacuum: vacuum at open when the last one is older than a day. */
export async function vacuumWhenDue(client: PGlite, now: number): Promise<boolean> {
  const r = await client.query<{ value: { at: number } }>("select value from meta where key = 'last_vacuum'");
  const last = r.rows[0]?.value.at;
  if (last !== undefined && now - last < VACUUM_EVERY_MS) return false;
  if (last !== undefined) await client.exec('VACUUM ANALYZE');
  await client.query("insert into meta (key, value) values ('last_vacuum', $1) on conflict (key) do update set value = excluded.value", [JSON.stringify({ at: now })]);
  return last !== undefined;
}
