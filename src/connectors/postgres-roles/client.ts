/**
 * The only code of the postgres-roles connector that talks to PostgreSQL (npm pg). Connection
 * failures and server shutdown are retryable ERR_PROVIDER_UNAVAILABLE; authentication and
 * permission failures of Sever's own admin connection are ERR_PROVIDER_REJECTED.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { SeverError } from '../../core/errors.ts';

export interface RoleInfo {
  name: string;
  canLogin: boolean;
  validUntil: string | null;
}

export interface Backend {
  pid: number;
  /** Microseconds since the epoch, as text: identifies this connection with its pid (pids are reused). */
  backendStart: string;
  applicationName: string;
  clientAddr: string | null;
}

export interface PgDeps {
  name: string;
  adminUrl(): Promise<string>;
  timeoutMs: number;
}

const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P03', '53300']);

function coded(d: PgDeps, what: string, e: unknown): SeverError {
  if (e instanceof SeverError) return e;
  const code = (e as { code?: string }).code ?? '';
  if (RETRYABLE.has(code) || /timeout|terminat/i.test((e as Error).message ?? '')) {
    return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${d.name}: ${what}: the database is unreachable (${code || (e as Error).message})`, { retryable: true, details: { connector: d.name, operation: what, code }, cause: e });
  }
  return new SeverError('ERR_PROVIDER_REJECTED', `${d.name}: ${what}: ${code ? `SQLSTATE ${code}` : (e as Error).message}`, { details: { connector: d.name, operation: what, code } });
}

export class PgRolesClient {
  readonly d: PgDeps;
  constructor(d: PgDeps) {
    this.d = d;
  }

  async #admin<T>(what: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: await this.d.adminUrl(), connectionTimeoutMillis: this.d.timeoutMs, statement_timeout: this.d.timeoutMs });
    c.on('error', () => undefined);
    try {
      await c.connect();
      return await fn(c);
    } catch (e) {
      throw coded(this.d, what, e);
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  role(name: string): Promise<RoleInfo | undefined> {
    return this.#admin('read role', async (c) => {
      const r = await c.query<{ rolname: string; rolcanlogin: boolean; rolvaliduntil: Date | null }>('select rolname, rolcanlogin, rolvaliduntil from pg_roles where rolname = $1', [name]);
      const row = r.rows[0];
      return row ? { name: row.rolname, canLogin: row.rolcanlogin, validUntil: row.rolvaliduntil?.toISOString() ?? null } : undefined;
    });
  }

  backends(role: string): Promise<Backend[]> {
    return this.#admin('read activity', async (c) => {
      const r = await c.query<{ pid: number; start_us: string; application_name: string; client_addr: string | null }>(
        `select pid, (extract(epoch from backend_start) * 1000000)::bigint::text as start_us, application_name, client_addr::text
           from pg_stat_activity where usename = $1 and pid <> pg_backend_pid() order by pid`, [role]);
      return r.rows.map((b) => ({ pid: b.pid, backendStart: b.start_us, applicationName: b.application_name, clientAddr: b.client_addr }));
    });
  }

  /** The login role an earlier rotation of `role` created (by its comment), if any. */
  rotatedFrom(role: string): Promise<RoleInfo | undefined> {
    return this.#admin('find rotation', async (c) => {
      const r = await c.query<{ rolname: string; rolcanlogin: boolean; rolvaliduntil: Date | null }>(
        `select r.rolname, r.rolcanlogin, r.rolvaliduntil from pg_roles r
           join pg_shdescription d on d.objoid = r.oid and d.classoid = 'pg_authid'::regclass
          where d.description = $1 order by r.oid desc limit 1`, [rotationComment(role)]);
      const row = r.rows[0];
      return row ? { name: row.rolname, canLogin: row.rolcanlogin, validUntil: row.rolvaliduntil?.toISOString() ?? null } : undefined;
    });
  }

  /**
   * Alternating users: a new login role that is a member of `role` (so it holds the same
   * privileges, and `SET ROLE` keeps ownership and current_user as before), with a new password
   * sent as a SCRAM-SHA-256 verifier so the password itself never reaches the server or its logs.
   * Returns the new role's name and password.
   */
  createRotation(role: string): Promise<{ name: string; password: string }> {
    return this.#admin('create rotated role', async (c) => {
      const base = role.replace(/_r\d+$/, '');
      const taken = await c.query<{ rolname: string }>('select rolname from pg_roles where rolname ~ $1', [`^${base.replace(/[^a-zA-Z0-9_]/g, '\\$&')}_r[0-9]+$`]);
      const next = Math.max(1, ...taken.rows.map((x) => Number(/_r(\d+)$/.exec(x.rolname)![1]) + 1));
      const name = `${base}_r${next}`;
      if (Buffer.byteLength(name) > 63) throw new SeverError('ERR_PROVIDER_REJECTED', `${this.d.name}: the rotated role name ${name} is longer than PostgreSQL's 63 bytes`, { details: { connector: this.d.name, role } });
      const password = randomBytes(24).toString('base64url');
      const id = pg.escapeIdentifier;
      await c.query('begin');
      await c.query(`create role ${id(name)} login password ${pg.escapeLiteral(scramVerifier(password))} in role ${id(role)}`);
      await c.query(`alter role ${id(name)} set role = ${pg.escapeLiteral(role)}`);
      await c.query(`comment on role ${id(name)} is ${pg.escapeLiteral(rotationComment(role))}`);
      await c.query('commit');
      return { name, password };
    });
  }

  /** A new password for an existing rotated role (its first delivery was lost). */
  resetPassword(role: string): Promise<string> {
    return this.#admin('reset rotated password', async (c) => {
      const password = randomBytes(24).toString('base64url');
      await c.query(`alter role ${pg.escapeIdentifier(role)} password ${pg.escapeLiteral(scramVerifier(password))}`);
      return password;
    });
  }

  /** The admin connection's server address, for building the workload's connection string. */
  async serverUrl(): Promise<URL> {
    const u = new URL(await this.d.adminUrl());
    u.username = '';
    u.password = '';
    return u;
  }

  disable(role: string): Promise<void> {
    return this.#admin('disable role', async (c) => {
      await c.query(`alter role ${pg.escapeIdentifier(role)} nologin password null`);
    });
  }

  /** Terminates every backend of the role in one statement; answers how many were ended. */
  terminateAll(role: string): Promise<number> {
    return this.#admin('terminate backends', async (c) => {
      const r = await c.query<{ ok: boolean }>('select pg_terminate_backend(pid, 2000) as ok from pg_stat_activity where usename = $1 and pid <> pg_backend_pid()', [role]);
      return r.rows.filter((x) => x.ok).length;
    });
  }

  /** Terminates the backend only if it is still the same connection (pid and start time). */
  terminate(pid: number, backendStart: string): Promise<boolean> {
    return this.#admin('terminate backend', async (c) => {
      const r = await c.query<{ ok: boolean }>(
        'select pg_terminate_backend(pid, 2000) as ok from pg_stat_activity where pid = $1 and (extract(epoch from backend_start) * 1000000)::bigint = $2::bigint', [pid, backendStart]);
      return r.rows[0]?.ok === true;
    });
  }

  /** A real login as `role` with `password` (the old credential): true when the server accepts it. */
  async canLogin(role: string, password: string): Promise<boolean> {
    const u = new URL(await this.d.adminUrl());
    u.username = encodeURIComponent(role);
    u.password = encodeURIComponent(password);
    const c = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: this.d.timeoutMs });
    c.on('error', () => undefined);
    try {
      await c.connect();
      return true;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === '28P01' || code === '28000') return false; // invalid password / not permitted to log in
      throw coded(this.d, 'login probe', e);
    } finally {
      await c.end().catch(() => undefined);
    }
  }
}

export const rotationComment = (role: string) => `sever: rotation of ${role}`;

/** RFC 7677 / RFC 5802 SCRAM-SHA-256 verifier, in the form PostgreSQL stores (as psql's \\password sends). */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
