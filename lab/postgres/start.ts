/**
 * A private PostgreSQL 15 instance with password (scram-sha-256) authentication on a loopback
 * port, so that "the old password no longer logs in" is a real check (the shared server here
 * trusts everyone). Runs as the `postgres` OS user (PostgreSQL refuses root), with fsync off.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../net.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface LabPostgres {
  host: string;
  port: number;
  adminUrl: string;
  /** A connection string for `role` with `password` to the lab database. */
  url(role: string, password: string): string;
  admin(): Promise<pg.Client>;
  close(): Promise<void>;
}


export async function startLabPostgres(): Promise<LabPostgres> {
  if (!existsSync(join(PG_BIN, 'initdb'))) throw new Error(`PostgreSQL 15 server binaries are missing (${PG_BIN}); apt-get install -y postgresql-15`);
  const root = mkdtempSync(join(tmpdir(), 'sever-pg-'));
  chmodSync(root, 0o755);
  const data = join(root, 'data');
  const pw = `admin-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(root, 'pw'), pw);
  const { uid, gid } = { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) };
  chownSync(root, uid, gid);
  chownSync(join(root, 'pw'), uid, gid);
  const as = (args: string[]) => {
    const r = spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args[0]} failed: ${r.stderr || r.stdout}`);
  };
  as([join(PG_BIN, 'initdb'), '-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${join(root, 'pw')}`, '-E', 'UTF8', '--no-sync']);
  // A free port can be taken by another test between freePort() and the server's bind (tests run
  // in parallel): start again on a new port, and say what the server logged if it never starts.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      as([join(PG_BIN, 'pg_ctl'), '-D', data, '-l', join(root, 'pg.log'), '-w', '-o', `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
      break;
    } catch (e) {
      const log = existsSync(join(root, 'pg.log')) ? readFileSync(join(root, 'pg.log'), 'utf8').split('\n').slice(-8).join('\n') : '(no log)';
      if (attempt >= 3) {
        rmSync(root, { recursive: true, force: true });
        throw new Error(`${(e as Error).message.trim()} (port ${port}, attempt ${attempt}); the server logged:\n${log}`);
      }
    }
  }
  const adminUrl = `postgres://postgres:${encodeURIComponent(pw)}@127.0.0.1:${port}/postgres`;
  return {
    host: '127.0.0.1', port, adminUrl,
    url: (role, password) => `postgres://${encodeURIComponent(role)}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    async admin() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      return c;
    },
    async close() {
      spawnSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'], { encoding: 'utf8' });
      rmSync(root, { recursive: true, force: true });
    },
  };
}
