/**
 * The only code of the postgres-roles connector that talks to PostgreSQL (npm pg). Connection
 * failures and server shutdown are retryable ERR_PROVIDER_UNAVAILABLE; authentication and
 * permission failures of Sever's own admin connection are ERR_PROVIDER_REJECTED.
 */
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

  disable(role: string): Promise<void> {
    return this.#admin('disable role', async (c) => {
      await c.query(`alter role ${pg.escapeIdentifier(role)} nologin password null`);
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
