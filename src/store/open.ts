/**
 * Opens the store: PGlite in a data directory by default, PostgreSQL when a URL is given.
 * One schema and one migration folder for both.
 */
import { fileURLToPath } from 'node:url';
import { connectPglite } from './pglite/connect.ts';
import { connectPostgres } from './postgres/connect.ts';
import type { Connection } from './types.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

export interface OpenStoreOptions {
  /** Embedded data directory (default `./.sever`). Ignored when `databaseUrl` is set. */
  dataDir?: string;
  /** PostgreSQL connection string; when set, the store is PostgreSQL. */
  databaseUrl?: string;
  poolSize?: number;
}

export async function openStore(options: OpenStoreOptions): Promise<Connection> {
  if (options.databaseUrl) return connectPostgres(options.databaseUrl, MIGRATIONS_FOLDER, options.poolSize);
  return connectPglite(options.dataDir ?? '.sever', MIGRATIONS_FOLDER);
}
