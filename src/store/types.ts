import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { schema } from './schema.ts';

/** The application is written once against this type; the driver folders differ only in how they connect. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A transaction or the database itself. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

export type Driver = 'pglite' | 'postgres';

/** What a driver folder returns. */
export interface Connection {
  driver: Driver;
  db: Db;
  /** Options that point pg-boss at the same database. */
  bossOptions: Record<string, unknown>;
  /** True when the previous holder of an embedded data directory died without releasing it. */
  recoveredStaleLock: boolean;
  close(): Promise<void>;
}
