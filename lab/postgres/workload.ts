/**
 * A dependent workload for rotate-then-revoke: a worker that reads its connection string from a
 * file (as one mounted from a secret store), keeps one connection, and runs a query every
 * `everyMs`. When the file changes it connects with the new string first and only then closes the
 * old connection (a graceful cutover, as a connection pool does); when its connection is ended it
 * reconnects with whatever the file holds then. It counts what it saw, so tests can tell whether
 * the rotation ever interrupted it.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';

export interface Workload {
  /** The login role of the current connection, or undefined while disconnected. */
  role(): string | undefined;
  /** Queries that succeeded, failed, and times the connection was lost. */
  stats(): { ok: number; failed: number; reconnects: number; lastError?: string };
  /** Resolves once the workload runs on a connection of `role`. */
  waitForRole(role: string, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface WorkloadOptions {
  credentialFile: string;
  applicationName: string;
  /** A query proving the workload can still do its job (privileges included). */
  query: string;
  everyMs?: number;
  /** False: the workload never re-reads the file (a workload that cannot be rotated). */
  rereads?: boolean;
}

export async function startWorkload(o: WorkloadOptions): Promise<Workload> {
  const every = o.everyMs ?? 100;
  const stats = { ok: 0, failed: 0, reconnects: 0, lastError: undefined as string | undefined };
  let url = readFileSync(o.credentialFile, 'utf8').trim();
  let client: pg.Client | undefined;
  let role: string | undefined;
  let stopped = false;

  const connect = async (u: string) => {
    const c = new pg.Client({ connectionString: u, application_name: o.applicationName });
    c.on('error', () => undefined);
    c.on('end', () => {
      if (client === c) {
        client = undefined;
        role = undefined;
      }
    });
    await c.connect();
    return c;
  };
  client = await connect(url);
  role = decodeURIComponent(new URL(url).username);

  const tick = async () => {
    if (o.rereads !== false) {
      let now = url;
      try {
        now = readFileSync(o.credentialFile, 'utf8').trim();
      } catch {
        // being replaced: read it next time
      }
      if (now !== url) {
        try {
          const next = await connect(now);
          const old = client;
          client = next;
          role = decodeURIComponent(new URL(now).username);
          url = now;
          await old?.end().catch(() => undefined);
        } catch (e) {
          stats.lastError = (e as Error).message;
        }
      }
    }
    if (!client) {
      try {
        client = await connect(url);
        role = decodeURIComponent(new URL(url).username);
        stats.reconnects++;
      } catch (e) {
        stats.failed++;
        stats.lastError = (e as Error).message;
        return;
      }
    }
    try {
      await client.query(o.query);
      stats.ok++;
    } catch (e) {
      stats.failed++;
      stats.lastError = (e as Error).message;
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await tick();
      await new Promise((r) => setTimeout(r, every));
    }
  })();

  return {
    role: () => role,
    stats: () => ({ ...stats }),
    async waitForRole(want, timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (role !== want) {
        if (Date.now() > until) throw new Error(`the workload did not move to ${want} within ${timeoutMs} ms (on ${role ?? 'no connection'}; ${stats.lastError ?? 'no error'})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      stopped = true;
      await loop;
      await client?.end().catch(() => undefined);
    },
  };
}
