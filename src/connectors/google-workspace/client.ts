/**
 * The only code of the google-workspace connector that talks to Google: the Admin SDK Directory API
 * through the official `@googleapis/admin` (`admin({version: 'directory_v1', rootUrl})`).
 *
 * Auth: an OAuth access token by reference (`accessTokenRef`), sent as `Authorization: Bearer` on
 * every call: in production, minted for a service account with domain-wide delegation (impersonating
 * a dedicated admin) with exactly the scopes of the manifest, and refreshed outside Sever. No
 * auth client of google-auth-library is used: it would retry a 401 with a refresh on its own.
 *
 * Googleapis' own retries are off (`retry: false`): the engine retries. One attempt per call,
 * through the injected fetch (`fetchImplementation`) with Sever's timeout; answers become coded
 * errors: 429, or 403 `rateLimitExceeded` / `userRateLimitExceeded` / `quotaExceeded` →
 * ERR_PROVIDER_RATE_LIMITED (retryAfterMs from Retry-After when given); 5xx / network / timeout →
 * ERR_PROVIDER_UNAVAILABLE (both retryable); 401 / other 403 / other 4xx → ERR_PROVIDER_REJECTED;
 * 404 → `undefined` ("gone") to the caller. Token values never appear in errors.
 */
import adminPkg, { type admin_directory_v1 } from '@googleapis/admin';
import { SeverError } from '../../core/errors.ts';
import { retryAfterMs } from '../shared/oauth/client.ts';

type Directory = admin_directory_v1.Admin;

export interface GoogleHttp {
  fetch: typeof globalThis.fetch;
  now(): number;
  /** Connector instance name, for messages. */
  name: string;
  timeoutMs: number;
}

export interface GoogleClientOptions {
  http: GoogleHttp;
  /** API root, e.g. `https://admin.googleapis.com/` (the lab's address in tests). */
  rootUrl: string;
  customerId: string;
  accessToken: () => Promise<string>;
}

export interface GUser { id: string; primaryEmail: string; suspended: boolean; lastLoginTime?: string }
export interface GToken { clientId: string; displayText: string; scopes: string[]; nativeApp: boolean; anonymous: boolean }
export interface GAsp { codeId: number; name: string; creationTime?: string; lastTimeUsed?: string }
export interface GDevice { resourceId: string; status: string; model: string; os: string; type: string; emails: string[]; firstSync?: string }

const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);

interface GaxiosLike { status?: number; code?: string | number; name?: string; response?: { status?: number; headers?: Headers | Record<string, string>; data?: unknown } }

const header = (h: Headers | Record<string, string> | undefined, name: string): string | null =>
  h === undefined ? null : typeof (h as Headers).get === 'function' ? (h as Headers).get(name) : ((h as Record<string, string>)[name] ?? null);

/** The coded error for a failed call (never a 404: the caller reads that as gone). */
export function googleError(http: Pick<GoogleHttp, 'name' | 'now' | 'timeoutMs'>, what: string, e: unknown): SeverError {
  if (e instanceof SeverError) return e;
  const g = (e ?? {}) as GaxiosLike;
  const status = g.response?.status ?? (typeof g.status === 'number' ? g.status : undefined);
  if (status === undefined) {
    const reason = g.name === 'TimeoutError' || g.name === 'AbortError' ? `timed out after ${http.timeoutMs} ms` : String(g.code ?? g.name ?? 'network error');
    return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${http.name}: ${what} could not reach Google (${reason})`, { retryable: true, details: { connector: http.name, operation: what, reason } });
  }
  const err = ((g.response?.data ?? {}) as { error?: { errors?: Array<{ reason?: string }>; status?: string } }).error;
  const reason = err?.errors?.[0]?.reason;
  const details = { connector: http.name, operation: what, status, ...(reason ? { reason } : {}) };
  if (status === 429 || (status === 403 && reason !== undefined && RATE_REASONS.has(reason))) {
    const after = retryAfterMs(header(g.response?.headers, 'retry-after'), http.now());
    return new SeverError('ERR_PROVIDER_RATE_LIMITED', `${http.name}: ${what} was rate limited by Google (${status}${reason ? ` ${reason}` : ''})${after === undefined ? '' : `; retry after ${after} ms`}`, {
      retryable: true, ...(after === undefined ? {} : { retryAfterMs: after }), details,
    });
  }
  if (status >= 500) return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${http.name}: ${what} answered ${status}`, { retryable: true, details });
  const hint = status === 401 ? ' (check settings.accessTokenRef: the token is unknown or expired)' : status === 403 ? ' (the token lacks a scope of the manifest, or its admin lacks the privilege)' : '';
  return new SeverError('ERR_PROVIDER_REJECTED', `${http.name}: ${what} was refused with ${status}${reason ? ` ${reason}` : ''}${hint}`, { details });
}

const statusOf = (e: unknown): number | undefined => {
  const g = e as GaxiosLike | undefined;
  return g?.response?.status ?? (typeof g?.status === 'number' ? g.status : undefined);
};

const isoOfMillis = (v: string | null | undefined): string | undefined => (v && /^\d+$/.test(v) && Number(v) > 0 ? new Date(Number(v)).toISOString() : undefined);

export class GoogleClient {
  readonly #o: GoogleClientOptions;

  constructor(o: GoogleClientOptions) {
    this.#o = o;
  }

  get name(): string {
    return this.#o.http.name;
  }

  get customerId(): string {
    return this.#o.customerId;
  }

  /** One call: its data, or `undefined` on 404; anything else becomes a coded error. */
  async #call<T>(what: string, fn: (api: Directory) => Promise<{ data: T }>): Promise<T | undefined> {
    let token: string;
    try {
      token = await this.#o.accessToken();
    } catch (e) {
      throw googleError(this.#o.http, what, e);
    }
    const api = adminPkg.admin({
      version: 'directory_v1', rootUrl: this.#o.rootUrl, retry: false, timeout: this.#o.http.timeoutMs,
      fetchImplementation: this.#o.http.fetch, headers: { authorization: `Bearer ${token}` },
    } as admin_directory_v1.Options);
    try {
      return (await fn(api)).data;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw googleError(this.#o.http, what, e);
    }
  }

  async getUser(userKey: string): Promise<GUser | undefined> {
    const u = await this.#call('users.get', (api) => api.users.get({ userKey }));
    return u?.id ? toUser(u) : undefined;
  }

  /** One page of the customer's users (`maxResults` ≤ 500). */
  async listUsers(pageToken: string | undefined, maxResults: number): Promise<{ users: GUser[]; nextPageToken?: string }> {
    const p = await this.#call('users.list', (api) => api.users.list({ customer: this.#o.customerId, maxResults, ...(pageToken ? { pageToken } : {}) }));
    return { users: (p?.users ?? []).filter((u) => u.id).map(toUser), ...(p?.nextPageToken ? { nextPageToken: p.nextPageToken } : {}) };
  }

  /** 204 acknowledged, 404 when the user is gone. */
  async signOut(userKey: string): Promise<number> {
    return (await this.#call('users.signOut', async (api) => ({ data: (await api.users.signOut({ userKey }), true) }))) ? 204 : 404;
  }

  async tokens(userKey: string): Promise<GToken[] | undefined> {
    const l = await this.#call('tokens.list', (api) => api.tokens.list({ userKey }));
    return l ? (l.items ?? []).filter((t) => t.clientId).map(toToken) : undefined;
  }

  async token(userKey: string, clientId: string): Promise<GToken | undefined> {
    const t = await this.#call('tokens.get', (api) => api.tokens.get({ userKey, clientId }));
    return t?.clientId ? toToken(t) : undefined;
  }

  async deleteToken(userKey: string, clientId: string): Promise<number> {
    return (await this.#call('tokens.delete', async (api) => ({ data: (await api.tokens.delete({ userKey, clientId }), true) }))) ? 204 : 404;
  }

  async asps(userKey: string): Promise<GAsp[] | undefined> {
    const l = await this.#call('asps.list', (api) => api.asps.list({ userKey }));
    return l ? (l.items ?? []).filter((a) => typeof a.codeId === 'number').map((a) => ({
      codeId: a.codeId!, name: a.name ?? '', ...(isoOfMillis(a.creationTime) ? { creationTime: isoOfMillis(a.creationTime)! } : {}), ...(isoOfMillis(a.lastTimeUsed) ? { lastTimeUsed: isoOfMillis(a.lastTimeUsed)! } : {}),
    })) : undefined;
  }

  async deleteAsp(userKey: string, codeId: number): Promise<number> {
    return (await this.#call('asps.delete', async (api) => ({ data: (await api.asps.delete({ userKey, codeId }), true) }))) ? 204 : 404;
  }

  /** The user's current backup verification codes (values: secrets), undefined when the user is gone. */
  async verificationCodes(userKey: string): Promise<string[] | undefined> {
    const l = await this.#call('verificationCodes.list', (api) => api.verificationCodes.list({ userKey }));
    return l ? (l.items ?? []).map((c) => c.verificationCode ?? '').filter(Boolean) : undefined;
  }

  async invalidateCodes(userKey: string): Promise<number> {
    return (await this.#call('verificationCodes.invalidate', async (api) => ({ data: (await api.verificationCodes.invalidate({ userKey }), true) }))) ? 204 : 404;
  }

  /** Every mobile device whose owner is `email` (`query=email:…`, every page). */
  async mobileDevices(email: string): Promise<GDevice[]> {
    const out: GDevice[] = [];
    let pageToken: string | undefined;
    do {
      const p = await this.#call('mobiledevices.list', (api) => api.mobiledevices.list({ customerId: this.#o.customerId, query: `email:${email}`, maxResults: 100, ...(pageToken ? { pageToken } : {}) }));
      out.push(...(p?.mobiledevices ?? []).filter((d) => d.resourceId).map(toDevice));
      pageToken = p?.nextPageToken ?? undefined;
    } while (pageToken);
    return out;
  }

  async mobileDevice(resourceId: string): Promise<GDevice | undefined> {
    const d = await this.#call('mobiledevices.get', (api) => api.mobiledevices.get({ customerId: this.#o.customerId, resourceId }));
    return d?.resourceId ? toDevice(d) : undefined;
  }

  async deviceAction(resourceId: string, action: string): Promise<number> {
    return (await this.#call('mobiledevices.action', async (api) => ({ data: (await api.mobiledevices.action({ customerId: this.#o.customerId, resourceId, requestBody: { action } }), true) }))) ? 204 : 404;
  }
}

const toUser = (u: admin_directory_v1.Schema$User): GUser => ({
  id: u.id!, primaryEmail: u.primaryEmail ?? u.id!, suspended: u.suspended === true,
  // Google answers 1970-01-01 for a user who never signed in.
  ...(u.lastLoginTime && !u.lastLoginTime.startsWith('1970-') ? { lastLoginTime: u.lastLoginTime } : {}),
});
const toToken = (t: admin_directory_v1.Schema$Token): GToken => ({ clientId: t.clientId!, displayText: t.displayText ?? t.clientId!, scopes: t.scopes ?? [], nativeApp: t.nativeApp === true, anonymous: t.anonymous === true });
const toDevice = (d: admin_directory_v1.Schema$MobileDevice): GDevice => ({
  resourceId: d.resourceId!, status: d.status ?? 'UNKNOWN', model: d.model ?? '', os: d.os ?? '', type: d.type ?? '', emails: d.email ?? [], ...(d.firstSync ? { firstSync: d.firstSync } : {}),
});
