/**
 * The only code of the okta connector that talks to Okta: the Management API through the official
 * `@okta/okta-sdk-nodejs` (its `Client`, SSWS token), and the custom authorization server's
 * standards endpoints (`{orgUrl}/oauth2/{authServerId}/v1/{introspect,token,revoke}`) through the
 * shared RFC 7662 / refresh-replay client.
 *
 * The SDK's own retries and cache are off: its HTTP goes through {@link SeverExecutor}, a request
 * executor that sends once through the injected fetch with Sever's timeout and turns answers into
 * coded errors: 429 → ERR_PROVIDER_RATE_LIMITED (retryAfterMs from `X-Rate-Limit-Reset`, epoch
 * seconds, else Retry-After), 5xx / network / timeout → ERR_PROVIDER_UNAVAILABLE (both retryable),
 * 401/403 on Sever's token → ERR_PROVIDER_REJECTED. A 404 goes back to the SDK, which throws its
 * OktaApiError; the calls below read it as "gone". Token values never appear in errors.
 */
import okta from '@okta/okta-sdk-nodejs';
import { SeverError } from '../../core/errors.ts';
import { call, OAuthClient, providerError, retryAfterMs, type ClientCredentials, type HttpDeps } from '../shared/oauth/client.ts';

export type { ClientCredentials, HttpDeps };

type SdkClient = InstanceType<typeof okta.Client>;
const seg = encodeURIComponent;

/** The SDK's request as its Http layer hands it to an executor. */
interface SdkRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * One attempt per call, through the injected fetch; coded errors for what the engine must retry
 * or a person must fix. With `probe`, 401/403 go back to the caller (a replay with a presented token).
 */
class SeverExecutor extends okta.RequestExecutor {
  readonly #http: HttpDeps;
  readonly #probe: boolean;

  constructor(http: HttpDeps, probe: boolean) {
    super();
    this.#http = http;
    this.#probe = probe;
  }

  override async fetch(request: SdkRequest): Promise<never> {
    const method = (request.method ?? 'GET').toUpperCase();
    const path = new URL(request.url).pathname;
    const what = `${method} ${path}`;
    let res: Response;
    try {
      res = await this.#http.fetch(request.url, { method, headers: request.headers ?? {}, ...(request.body !== undefined ? { body: request.body } : {}), redirect: 'manual', signal: AbortSignal.timeout(this.#http.timeoutMs) });
    } catch (e) {
      const cause = e as { name?: string; cause?: { code?: string } };
      const reason = cause.name === 'TimeoutError' ? `timed out after ${this.#http.timeoutMs} ms` : (cause.cause?.code ?? cause.name ?? 'network error');
      throw new SeverError('ERR_PROVIDER_UNAVAILABLE', `${this.#http.name}: ${what} could not reach Okta (${reason})`, { retryable: true, details: { connector: this.#http.name, operation: what, reason }, cause: e });
    }
    const status = res.status;
    if (status === 429 || status >= 500 || (!this.#probe && (status === 401 || status === 403))) {
      const text = await res.text().catch(() => '');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      throw oktaError(this.#http, what, status, res.headers, body);
    }
    return res as never;
  }
}

/** The coded error for an Okta answer (`errorCode` is Okta's E0000… code). */
export function oktaError(http: Pick<HttpDeps, 'name' | 'now'>, what: string, status: number, headers: Headers, body: unknown): SeverError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const errorCode = typeof b.errorCode === 'string' ? b.errorCode : undefined;
  const details = { connector: http.name, operation: what, status, ...(errorCode ? { errorCode } : {}) };
  if (status === 429) {
    const reset = Number(headers.get('x-rate-limit-reset'));
    const after = Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - http.now()) : retryAfterMs(headers.get('retry-after'), http.now());
    return new SeverError('ERR_PROVIDER_RATE_LIMITED', `${http.name}: ${what} was rate limited by Okta (429${errorCode ? ` ${errorCode}` : ''})${after === undefined ? '' : `; retry after ${after} ms`}`, {
      retryable: true, ...(after === undefined ? {} : { retryAfterMs: after }),
      details: { ...details, ...(headers.get('x-rate-limit-limit') ? { rateLimitLimit: Number(headers.get('x-rate-limit-limit')) } : {}) },
    });
  }
  if (status >= 500) return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${http.name}: ${what} answered ${status}`, { retryable: true, details });
  const hint = status === 401 || status === 403 ? ` (${errorCode ?? 'refused'}: check settings.apiTokenRef and the admin role of the token's creator)` : '';
  return new SeverError('ERR_PROVIDER_REJECTED', `${http.name}: ${what} was refused with ${status}${hint}`, { details });
}

const statusOf = (e: unknown): number | undefined => (typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number' ? (e as { status: number }).status : undefined);

/** Runs an SDK call; a 404 answers `undefined`, another non-coded failure becomes ERR_PROVIDER_RESPONSE / REJECTED. */
async function sdk<T>(http: HttpDeps, what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof SeverError) throw e;
    const status = statusOf(e);
    if (status === 404) return undefined;
    if (status !== undefined) throw new SeverError('ERR_PROVIDER_REJECTED', `${http.name}: ${what} was refused with ${status}`, { details: { connector: http.name, operation: what, status, ...(typeof (e as { errorCode?: unknown }).errorCode === 'string' ? { errorCode: (e as { errorCode: string }).errorCode } : {}) } });
    throw new SeverError('ERR_PROVIDER_RESPONSE', `${http.name}: ${what}: Okta's answer could not be read (${e instanceof Error ? e.message.slice(0, 200) : 'unknown'})`, { details: { connector: http.name, operation: what }, cause: e });
  }
}

async function all<T>(c: AsyncIterable<T> | undefined): Promise<T[] | undefined> {
  if (c === undefined) return undefined;
  const out: T[] = [];
  for await (const x of c) if (x) out.push(x);
  return out;
}

/** An ISO string from the SDK's Date (or string) fields. */
export const isoOf = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString() : typeof v === 'string' && v ? new Date(v).toISOString() : undefined);

export interface OktaUser { id: string; login: string }
export interface OktaGrant { id: string; clientId: string; scopeId: string; issuer: string; created?: string }
export interface OktaClientRef { clientId: string; name: string }
export interface OktaRefreshToken { id: string; clientId: string; issuer: string; scopes: string[]; created?: string; expiresAt?: string }
export interface OktaFactor { id: string; factorType: string; provider: string; status: string; created?: string }
export interface OktaApiToken { id: string; userId: string; name: string; clientName: string; created?: string; expiresAt?: string }
export interface OktaSession { id: string; createdAt?: string; expiresAt?: string }

export interface OktaClientOptions {
  http: HttpDeps;
  orgUrl: string;
  apiToken: () => Promise<string>;
}

export class OktaClient {
  readonly #o: OktaClientOptions;
  #sdk: Promise<SdkClient> | undefined;

  constructor(o: OktaClientOptions) {
    this.#o = o;
  }

  get name(): string {
    return this.#o.http.name;
  }

  #client(token: string, probe: boolean): SdkClient {
    // cacheMiddleware null: no SDK cache (a re-list must read Okta, not memory); our executor: no SDK retries.
    return new okta.Client({ orgUrl: this.#o.orgUrl, token, authorizationMode: 'SSWS', cacheMiddleware: null, requestExecutor: new SeverExecutor(this.#o.http, probe) } as never);
  }

  async #api(): Promise<SdkClient> {
    this.#sdk ??= this.#o.apiToken().then((t) => this.#client(t, false));
    try {
      return await this.#sdk;
    } catch (e) {
      this.#sdk = undefined;
      throw e;
    }
  }

  async getUser(idOrLogin: string): Promise<OktaUser | undefined> {
    const api = await this.#api();
    const u = await sdk(this.#o.http, 'GET /api/v1/users/{idOrLogin}', () => api.userApi.getUser({ userId: idOrLogin } as never) as Promise<{ id?: string; profile?: { login?: string } }>);
    return u?.id ? { id: u.id, login: u.profile?.login ?? u.id } : undefined;
  }

  /** Consent grants, every page. Undefined when the user is gone. */
  async grants(userId: string): Promise<OktaGrant[] | undefined> {
    const api = await this.#api();
    const list = await sdk(this.#o.http, 'GET /api/v1/users/{userId}/grants', async () => all(await api.userApi.listUserGrants({ userId } as never) as AsyncIterable<Record<string, unknown>>));
    return list?.map((g) => ({ id: String(g.id), clientId: String(g.clientId ?? ''), scopeId: String(g.scopeId ?? ''), issuer: String(g.issuer ?? ''), ...(isoOf(g.created) ? { created: isoOf(g.created)! } : {}) }));
  }

  /** One app's consent grants for every user (an integration subject). Undefined when the app is gone. */
  async appGrants(appId: string): Promise<Array<OktaGrant & { userId: string }> | undefined> {
    const api = await this.#api();
    const list = await sdk(this.#o.http, 'GET /api/v1/apps/{appId}/grants', async () => all(await api.applicationApi.listScopeConsentGrants({ appId } as never) as AsyncIterable<Record<string, unknown>>));
    return list?.map((g) => ({
      id: String(g.id), clientId: String(g.clientId ?? appId), scopeId: String(g.scopeId ?? ''), issuer: String(g.issuer ?? ''), userId: String(g.userId ?? ''),
      ...(isoOf(g.created) ? { created: isoOf(g.created)! } : {}),
    }));
  }

  /** One app's refresh tokens for every user, every page (an integration subject). */
  async appTokens(appId: string): Promise<Array<OktaRefreshToken & { userId: string }> | undefined> {
    const api = await this.#api();
    const list = await sdk(this.#o.http, 'GET /api/v1/apps/{appId}/tokens', async () => all(await api.applicationApi.listOAuth2TokensForApplication({ appId } as never) as AsyncIterable<Record<string, unknown>>));
    return list?.map((t) => ({
      id: String(t.id), clientId: String(t.clientId ?? appId), issuer: String(t.issuer ?? ''), scopes: Array.isArray(t.scopes) ? t.scopes.map(String) : [], userId: String(t.userId ?? ''),
      ...(isoOf(t.created) ? { created: isoOf(t.created)! } : {}), ...(isoOf(t.expiresAt) ? { expiresAt: isoOf(t.expiresAt)! } : {}),
    }));
  }

  async clients(userId: string): Promise<OktaClientRef[] | undefined> {
    const api = await this.#api();
    const list = await sdk(this.#o.http, 'GET /api/v1/users/{userId}/clients', async () => all(await api.userApi.listUserClients({ userId } as never) as AsyncIterable<Record<string, unknown>>));
    return list?.map((c) => ({ clientId: String(c.client_id), name: String(c.client_name ?? c.client_id) }));
  }

  /** The user's refresh tokens for one client, every page. */
  async refreshTokens(userId: string, clientId: string): Promise<OktaRefreshToken[] | undefined> {
    const api = await this.#api();
    const list = await sdk(this.#o.http, 'GET /api/v1/users/{userId}/clients/{clientId}/tokens', async () =>
      all(await api.userApi.listRefreshTokensForUserAndClient({ userId, clientId } as never) as AsyncIterable<Record<string, unknown>>));
    return list?.map((t) => ({
      id: String(t.id), clientId: String(t.clientId ?? clientId), issuer: String(t.issuer ?? ''), scopes: Array.isArray(t.scopes) ? t.scopes.map(String) : [],
      ...(isoOf(t.created) ? { created: isoOf(t.created)! } : {}), ...(isoOf(t.expiresAt) ? { expiresAt: isoOf(t.expiresAt)! } : {}),
    }));
  }

  async factors(userId: string): Promise<OktaFactor[] | undefined> {
    const api = await this.#api();
    const list = await sdk(this.#o.http, 'GET /api/v1/users/{userId}/factors', async () => all(await api.userFactorApi.listFactors({ userId } as never) as AsyncIterable<Record<string, unknown>>));
    return list?.map((f) => ({ id: String(f.id), factorType: String(f.factorType ?? ''), provider: String(f.provider ?? ''), status: String(f.status ?? ''), ...(isoOf(f.created) ? { created: isoOf(f.created)! } : {}) }));
  }

  /** Every API token of the org (Okta filters by nothing): the caller keeps the subject's. */
  async apiTokens(): Promise<OktaApiToken[]> {
    const api = await this.#api();
    const list = (await sdk(this.#o.http, 'GET /api/v1/api-tokens', async () => all(await api.apiTokenApi.listApiTokens() as AsyncIterable<Record<string, unknown>>))) ?? [];
    return list.map((t) => ({
      id: String(t.id), userId: String(t.userId ?? ''), name: String(t.name ?? ''), clientName: String(t.clientName ?? ''),
      ...(isoOf(t.created) ? { created: isoOf(t.created)! } : {}), ...(isoOf(t.expiresAt) ? { expiresAt: isoOf(t.expiresAt)! } : {}),
    }));
  }

  /** Session ids of the user's `user.session.start` events in [since, until] (a bounded System Log query). */
  async sessionStarts(userId: string, since: string, until: string): Promise<string[]> {
    const api = await this.#api();
    const filter = `eventType eq "user.session.start" and actor.id eq "${userId.replace(/"/g, '')}"`;
    const events = (await sdk(this.#o.http, 'GET /api/v1/logs', async () => all(await api.systemLogApi.listLogEvents({ since, until, filter, limit: 1000 } as never) as AsyncIterable<Record<string, unknown>>))) ?? [];
    const ids = events.map((e) => (e.authenticationContext as { externalSessionId?: string } | undefined)?.externalSessionId).filter((s): s is string => typeof s === 'string' && s !== '' && s !== 'unknown');
    return [...new Set(ids)].sort();
  }

  /** An Okta session by id; undefined once it has ended. */
  async session(sessionId: string): Promise<OktaSession | undefined> {
    const api = await this.#api();
    const s = await sdk(this.#o.http, 'GET /api/v1/sessions/{sessionId}', () => api.sessionApi.getSession({ sessionId } as never) as Promise<Record<string, unknown>>);
    return s ? { id: String(s.id), ...(isoOf(s.createdAt) ? { createdAt: isoOf(s.createdAt)! } : {}), ...(isoOf(s.expiresAt) ? { expiresAt: isoOf(s.expiresAt)! } : {}) } : undefined;
  }

  /** 204 sent (Okta always answers 204 for a known user), 404 when the user is gone. */
  async endSessions(userId: string): Promise<number> {
    const api = await this.#api();
    const done = await sdk(this.#o.http, 'DELETE /api/v1/users/{userId}/sessions', async () => (await api.userApi.revokeUserSessions({ userId, oauthTokens: true, forgetDevices: true } as never), true));
    return done ? 204 : 404;
  }

  async #delete(what: string, fn: (api: SdkClient) => Promise<unknown>): Promise<number> {
    const api = await this.#api();
    const done = await sdk(this.#o.http, what, async () => (await fn(api), true));
    return done ? 204 : 404;
  }

  deleteGrant(userId: string, grantId: string): Promise<number> {
    return this.#delete('DELETE /api/v1/users/{userId}/grants/{grantId}', (api) => api.userApi.revokeUserGrant({ userId, grantId } as never));
  }

  deleteRefreshToken(userId: string, clientId: string, tokenId: string): Promise<number> {
    return this.#delete('DELETE /api/v1/users/{userId}/clients/{clientId}/tokens/{tokenId}', (api) => api.userApi.revokeTokenForUserAndClient({ userId, clientId, tokenId } as never));
  }

  deleteFactor(userId: string, factorId: string): Promise<number> {
    return this.#delete('DELETE /api/v1/users/{userId}/factors/{factorId}', (api) => api.userFactorApi.unenrollFactor({ userId, factorId } as never));
  }

  deleteApiToken(apiTokenId: string): Promise<number> {
    return this.#delete('DELETE /api/v1/api-tokens/{apiTokenId}', (api) => api.apiTokenApi.revokeApiToken({ apiTokenId } as never));
  }

  /** A management call made WITH a presented SSWS token: 200 (it works) or 401/403 (refused). */
  async sswsReplay(value: string): Promise<{ status: number; errorCode?: string }> {
    const probe = this.#client(value, true);
    try {
      await probe.userApi.getUser({ userId: 'me' } as never);
      return { status: 200 };
    } catch (e) {
      if (e instanceof SeverError) throw e;
      const status = statusOf(e);
      if (status === 401 || status === 403) {
        const code = (e as { errorCode?: unknown }).errorCode;
        return { status, ...(typeof code === 'string' ? { errorCode: code } : {}) };
      }
      throw e;
    }
  }

  /** The standards endpoints of one authorization server, as one client (introspection and refresh replay). */
  authServer(authServerId: string, owner: ClientCredentials): OAuthClient {
    const base = `${this.#o.orgUrl.replace(/\/+$/, '')}/oauth2/${seg(authServerId)}/v1`;
    return new OAuthClient(this.#o.http, async () => ({ introspection: `${base}/introspect`, token: `${base}/token`, revocation: `${base}/revoke` }), async () => owner);
  }
}

/** The authorization server id in an issuer URL (`…/oauth2/{id}`), `default` when absent. */
export const authServerOf = (issuer: string | undefined): string | undefined => (issuer ? (/\/oauth2\/([^/]+)\/?$/.exec(issuer)?.[1] ?? undefined) : undefined);

export { call, providerError };
