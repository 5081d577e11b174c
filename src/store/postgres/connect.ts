import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { SeverError } from '../../core/errors.ts';
import { schema } from '../schema.ts';
import type { Connection, Db } from '../types.ts';

const MIGRATION_LOCK = 7_245_001; // advisory lock id: one migrator at a time across workers

/** Connects to PostgreSQL and applies migrations under an advisory lock. */
export async function connectPostgres(databaseUrl: string, migrationsFolder: string, poolSize = 10): Promise<Connection> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle client whose server connection ends (restart, admin termination) must not crash the process.
  pool.on('error', () => undefined);
  try {
    const c = await pool.connect();
    try {
      await c.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await migrate(drizzle(c), { migrationsFolder });
    } finally {
      await c.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      c.release();
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new SeverError('ERR_STORE_FAILED', `cannot open PostgreSQL store: ${(e as Error).message}`, {
      cause: e,
      retryable: true,
      details: { database: redact(databaseUrl) },
    });
  }
  return {
    driver: 'postgres',
    db: drizzle(pool, { schema }) as unknown as Db,
    bossOptions: { connectionString: databaseUrl, max: 5 },
    recoveredStaleLock: false,
    close: () => pool.end(),
  };
}

/** A connection string with its password removed, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}
