/**
 * The only code of the ldap connector that talks to the directory (ldapts). LDAP result codes
 * become coded errors: 49 invalid credentials for Sever's own bind → ERR_PROVIDER_REJECTED; a
 * connection that cannot be made or times out → ERR_PROVIDER_UNAVAILABLE (retryable); 51/52/53
 * busy/unavailable/unwilling → retryable; others → ERR_PROVIDER_REJECTED.
 */
import { createHash } from 'node:crypto';
import { Client, InvalidCredentialsError } from 'ldapts';
import { SeverError } from '../../core/errors.ts';

export interface LdapEntry {
  dn: string;
  uid: string;
  locked: boolean;
  /** SHA-256 (hex, first 16) of the stored userPassword value: tells a reset apart, never the password. */
  passwordFingerprint: string | null;
}

export interface LdapDeps {
  name: string;
  url: string;
  bindDn: string;
  bindPassword(): Promise<string>;
  base: string;
  attribute: string;
  timeoutMs: number;
}

const fingerprint = (v: unknown): string | null => {
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined || first === null || first === '') return null;
  return createHash('sha256').update(Buffer.isBuffer(first) ? first : String(first)).digest('hex').slice(0, 16);
};

/** ldapts answers a requested but absent attribute as []. */
const present = (v: unknown): boolean => (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null && v !== '');

const escapeFilter = (s: string) => s.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

function coded(d: LdapDeps, what: string, e: unknown): SeverError {
  if (e instanceof SeverError) return e;
  const err = e as { code?: unknown; message?: string; name?: string };
  const code = typeof err.code === 'number' ? err.code : undefined;
  if (code === 49 || e instanceof InvalidCredentialsError) {
    return new SeverError('ERR_PROVIDER_REJECTED', `${d.name}: ${what}: the directory refused Sever's bind (invalid credentials)`, { details: { connector: d.name, operation: what, ldapCode: 49 } });
  }
  if (code === undefined || code === 51 || code === 52 || code === 53) {
    return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${d.name}: ${what}: the directory is unreachable or busy (${code ?? err.name ?? 'network error'})`, {
      retryable: true, details: { connector: d.name, operation: what, ...(code ? { ldapCode: code } : {}) }, cause: e,
    });
  }
  return new SeverError('ERR_PROVIDER_REJECTED', `${d.name}: ${what}: LDAP result ${code}`, { details: { connector: d.name, operation: what, ldapCode: code } });
}

export class LdapClient {
  readonly d: LdapDeps;
  constructor(d: LdapDeps) {
    this.d = d;
  }

  async #admin<T>(what: string, fn: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({ url: this.d.url, timeout: this.d.timeoutMs, connectTimeout: this.d.timeoutMs });
    try {
      await c.bind(this.d.bindDn, await this.d.bindPassword());
      return await fn(c);
    } catch (e) {
      throw coded(this.d, what, e);
    } finally {
      await c.unbind().catch(() => undefined);
    }
  }

  /** The account whose naming attribute equals `id`, or undefined. */
  find(id: string): Promise<LdapEntry | undefined> {
    return this.#admin('search', async (c) => {
      const { searchEntries } = await c.search(this.d.base, {
        scope: 'sub', filter: `(${this.d.attribute}=${escapeFilter(id)})`, attributes: [this.d.attribute, 'pwdAccountLockedTime', 'userPassword'],
      });
      const e = searchEntries[0];
      if (!e) return undefined;
      return { dn: e.dn, uid: String(e[this.d.attribute]), locked: present(e.pwdAccountLockedTime), passwordFingerprint: fingerprint(e.userPassword) };
    });
  }

  /** Reads one entry by DN (the verification read-back). */
  read(dn: string): Promise<LdapEntry | undefined> {
    return this.#admin('read', async (c) => {
      try {
        const { searchEntries } = await c.search(dn, { scope: 'base', attributes: [this.d.attribute, 'pwdAccountLockedTime', 'userPassword'] });
        const e = searchEntries[0];
        return e ? { dn: e.dn, uid: String(e[this.d.attribute]), locked: present(e.pwdAccountLockedTime), passwordFingerprint: fingerprint(e.userPassword) } : undefined;
      } catch (err) {
        if ((err as { code?: number }).code === 32) return undefined; // no such object
        throw err;
      }
    });
  }

  /** Locks the account for good (ppolicy) and replaces its password with one nobody holds, in one modify. */
  lockAndReset(dn: string, newPassword: string): Promise<void> {
    return this.#admin('lock and reset', async (c) => {
      const { Change, Attribute } = await import('ldapts');
      await c.modify(dn, [
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) }),
        new Change({ operation: 'replace', modification: new Attribute({ type: 'userPassword', values: [newPassword] }) }),
      ]);
    });
  }

  /** A real bind as the account with a password: true when the directory accepts it. */
  async canBind(dn: string, password: string): Promise<boolean> {
    const c = new Client({ url: this.d.url, timeout: this.d.timeoutMs, connectTimeout: this.d.timeoutMs });
    try {
      await c.bind(dn, password);
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === 49 || e instanceof InvalidCredentialsError) return false;
      throw coded(this.d, 'bind probe', e);
    } finally {
      await c.unbind().catch(() => undefined);
    }
  }
}
