/**
 * Test databases: a fresh PGlite directory, or a fresh database on the PostgreSQL at
 * SEVER_TEST_PG (default postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.SEVER_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  driver: 'pglite' | 'postgres';
  dataDir: string;
  databaseUrl?: string;
  drop(): Promise<void>;
}

export function tempDir(prefix = 'sever-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function createTestDatabase(driver: 'pglite' | 'postgres'): Promise<TestDatabase> {
  const dataDir = tempDir();
  if (driver === 'pglite') {
    return { driver, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `sever_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    driver,
    dataDir,
    databaseUrl: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const DRIVERS = ['pglite', 'postgres'] as const;
