/**
 * The only code of the keycloak connector that talks HTTP: the admin REST API
 * (`{baseUrl}/admin/realms/{realm}/…`, bearer admin token), the realm's OIDC token endpoints
 * and an optional resource server.
 *
 * HTTP outcomes become coded errors: 429 → ERR_PROVIDER_RATE_LIMITED (retryAfterMs from
 * Retry-After), 5xx / network / timeout → ERR_PROVIDER_UNAVAILABLE (both retryable), other 4xx →
 * ERR_PROVIDER_REJECTED, unreadable bodies → ERR_PROVIDER_RESPONSE. Token values never appear in
 * an error or an observation. (The standards half mirrors src/connectors/oauth/client.ts: the
 * layering rule keeps each connector folder self-contained.)
 *
 * Endpoints follow Keycloak's fixed layout `{baseUrl}/realms/{realm}/protocol/openid-connect/…`
 * (token, token/introspect, revoke, userinfo), so no discovery round-trip is needed; each can be
 * overridden in settings (e.g. behind a proxy). The lab IdP uses the same layout.
 */
import { SeverError } from '../../core/errors.ts';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface OAuthEndpoints {
  revocation?: string;
  introspection?: string;
  userinfo?: string;
  token?: string;
}

export interface HttpDeps {
  fetch: typeof globalThis.fetch;
  now(): number;
  /** Connector instance name, for messages. */
  name: string;
  timeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Retry-After in ms: delta-seconds or an HTTP date. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The SeverError for a non-success answer of `what` (e.g. "RFC 7009 revocation"). */
export function providerError(deps: Pick<HttpDeps, 'name' | 'now'>, what: string, a: HttpAnswer): SeverError {
  const error = typeof a.body === 'object' && a.body !== null ? (a.body as Record<string, unknown>).error : undefined;
  const details = { connector: deps.name, operation: what, status: a.status, ...(typeof error === 'string' ? { error } : {}) };
  if (a.status === 429) {
    const after = retryAfterMs(a.headers.get('retry-after'), deps.now());
    return new SeverError('ERR_PROVIDER_RATE_LIMITED', `${deps.name}: ${what} was rate limited (429)${after === undefined ? '' : `; retry after ${after} ms`}`, {
      retryable: true, ...(after === undefined ? {} : { retryAfterMs: after }), details,
    });
  }
  if (a.status >= 500) return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${deps.name}: ${what} answered ${a.status}`, { retryable: true, details });
  const hint = a.status === 401 || a.status === 403 ? ' (check the credential reference in sever.yaml)' : '';
  return new SeverError('ERR_PROVIDER_REJECTED', `${deps.name}: ${what} was refused with ${a.status}${typeof error === 'string' ? ` ${error}` : ''}${hint}`, { details });
}

/** One HTTP call; network failures and timeouts become retryable ERR_PROVIDER_UNAVAILABLE. */
export async function call(deps: HttpDeps, what: string, url: string, init: RequestInit): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await deps.fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(deps.timeoutMs) });
  } catch (e) {
    const cause = e as { name?: string; cause?: { code?: string } };
    const reason = cause.name === 'TimeoutError' ? `timed out after ${deps.timeoutMs} ms` : (cause.cause?.code ?? cause.name ?? 'network error');
    throw new SeverError('ERR_PROVIDER_UNAVAILABLE', `${deps.name}: ${what} could not reach the provider (${reason})`, {
      retryable: true, details: { connector: deps.name, operation: what, reason }, cause: e,
    });
  }
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new SeverError('ERR_PROVIDER_RESPONSE', `${deps.name}: ${what} answered ${res.status} with invalid JSON`, { details: { connector: deps.name, operation: what, status: res.status } });
    }
  }
  return { status: res.status, headers: res.headers, body };
}

const form = (c: ClientCredentials | undefined, params: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    ...(c ? { authorization: `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}` } : {}),
  },
  body: new URLSearchParams(params).toString(),
});

export type TokenHint = 'access_token' | 'refresh_token';

export interface Introspection {
  status: number;
  active: boolean;
  /** Secret-free fields of the answer. */
  clientId?: string;
  exp?: number;
}

export interface Probe {
  status: number;
  error?: string;
}

/** The realm's standards endpoints (RFC 7662, RFC 7009, userinfo, token) with Sever's client. */
export class TokenClient {
  readonly #deps: HttpDeps;
  readonly #endpoints: () => Promise<OAuthEndpoints>;
  readonly #credentials: () => Promise<ClientCredentials>;

  constructor(deps: HttpDeps, endpoints: () => Promise<OAuthEndpoints>, credentials: () => Promise<ClientCredentials>) {
    this.#deps = deps;
    this.#endpoints = endpoints;
    this.#credentials = credentials;
  }

  async #endpoint(which: keyof OAuthEndpoints): Promise<string> {
    const url = (await this.#endpoints())[which];
    if (!url) throw new SeverError('ERR_CONNECTOR_CONFIG', `${this.#deps.name}: no ${which} endpoint is configured or discovered`, { details: { connector: this.#deps.name, endpoint: which } });
    return url;
  }

  async hasEndpoint(which: keyof OAuthEndpoints): Promise<boolean> {
    return (await this.#endpoints())[which] !== undefined;
  }

  /** RFC 7662. Never mutates. */
  async introspect(token: string, hint?: TokenHint): Promise<Introspection> {
    const what = 'RFC 7662 introspection';
    const a = await call(this.#deps, what, await this.#endpoint('introspection'), form(await this.#credentials(), { token, ...(hint ? { token_type_hint: hint } : {}) }));
    if (a.status !== 200) throw providerError(this.#deps, what, a);
    const b = a.body as Record<string, unknown> | null;
    if (typeof b !== 'object' || b === null || typeof b.active !== 'boolean') {
      throw new SeverError('ERR_PROVIDER_RESPONSE', `${this.#deps.name}: ${what} answered without a boolean "active"`, { details: { connector: this.#deps.name, status: a.status } });
    }
    return { status: a.status, active: b.active, ...(typeof b.client_id === 'string' ? { clientId: b.client_id } : {}), ...(typeof b.exp === 'number' ? { exp: b.exp } : {}) };
  }

  /** RFC 7009. The provider answers 200 even for unknown tokens: an acknowledgement, never evidence. */
  async revoke(token: string, hint: TokenHint): Promise<{ status: number; url: string }> {
    const what = 'RFC 7009 revocation';
    const url = await this.#endpoint('revocation');
    const a = await call(this.#deps, what, url, form(await this.#credentials(), { token, token_type_hint: hint }));
    if (a.status !== 200 && a.status !== 204) throw providerError(this.#deps, what, a);
    return { status: a.status, url };
  }

  /** OIDC userinfo with the access token as bearer: 200 = accepted, 401 = refused. */
  async userinfo(accessToken: string): Promise<Probe> {
    const what = 'userinfo';
    const a = await call(this.#deps, what, await this.#endpoint('userinfo'), { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
    if (a.status === 429 || a.status >= 500) throw providerError(this.#deps, what, a);
    return { status: a.status, ...bearerError(a) };
  }

  /**
   * Tries to use a refresh token at the token endpoint, authenticated as the client that owns it
   * (with another client the provider answers invalid_grant for a live token too, which would be
   * a false proof). 400 invalid_grant = refused; 200 = it still works (the new tokens are dropped).
   */
  async refreshReplay(refreshToken: string, owner: ClientCredentials): Promise<Probe> {
    const what = 'refresh-token replay';
    const a = await call(this.#deps, what, await this.#endpoint('token'), form(owner, { grant_type: 'refresh_token', refresh_token: refreshToken }));
    if (a.status === 200) return { status: 200 };
    const error = (a.body as Record<string, unknown> | null)?.error;
    if (a.status === 400 && error === 'invalid_grant') return { status: 400, error };
    throw providerError(this.#deps, what, a);
  }
}

function bearerError(a: HttpAnswer): { error?: string } {
  const www = a.headers.get('www-authenticate') ?? '';
  const fromHeader = /error="([^"]+)"/.exec(www)?.[1];
  const fromBody = typeof a.body === 'object' && a.body !== null ? (a.body as Record<string, unknown>).error : undefined;
  const error = fromHeader ?? (typeof fromBody === 'string' ? fromBody : undefined);
  return error ? { error } : {};
}

export interface KcUser {
  id: string;
  username: string;
}

/** UserSessionRepresentation (SSO and offline sessions). */
export interface KcSession {
  id: string;
  username?: string;
  userId?: string;
  start?: number;
  lastAccess?: number;
  clients?: Record<string, string>;
}

export interface KcConsent {
  clientId: string;
  grantedClientScopes?: string[];
  createdDate?: number;
  lastUpdatedDate?: number;
  additionalGrants?: { client?: string; key?: string }[];
}

export interface KcClientRep {
  id: string;
  clientId: string;
  name?: string;
}

/** One entry of the lab's tokens extension (`GET /users/{id}/tokens`). */
export interface KcToken {
  id: string;
  value?: string;
  type: 'access_token' | 'refresh_token';
  format: 'opaque' | 'jwt';
  clientId: string;
  grantId?: string;
  sessionId?: string;
  offlineSessionId?: string;
  expiresWithSession?: boolean;
  offline?: boolean;
  scope?: string;
  iat?: number;
  exp?: number;
}

export interface KeycloakEndpoints extends OAuthEndpoints {
  admin: string;
}

export function keycloakEndpoints(baseUrl: string, realm: string, overrides: OAuthEndpoints = {}): KeycloakEndpoints {
  const base = baseUrl.replace(/\/+$/, '');
  const oidc = `${base}/realms/${encodeURIComponent(realm)}/protocol/openid-connect`;
  return {
    admin: `${base}/admin/realms/${encodeURIComponent(realm)}`,
    token: `${oidc}/token`,
    introspection: `${oidc}/token/introspect`,
    revocation: `${oidc}/revoke`,
    userinfo: `${oidc}/userinfo`,
    ...overrides,
  };
}

const seg = encodeURIComponent;

export class KeycloakClient {
  readonly oauth: TokenClient;
  readonly #http: HttpDeps;
  readonly #endpoints: KeycloakEndpoints;
  readonly #adminToken: () => Promise<string>;
  readonly #resourceServerUrl: string | undefined;

  constructor(o: { http: HttpDeps; endpoints: KeycloakEndpoints; adminToken: () => Promise<string>; credentials: () => Promise<ClientCredentials>; resourceServerUrl?: string }) {
    this.#http = o.http;
    this.#endpoints = o.endpoints;
    this.#adminToken = o.adminToken;
    this.#resourceServerUrl = o.resourceServerUrl;
    this.oauth = new TokenClient(o.http, async () => o.endpoints, o.credentials);
  }

  /** One admin call; answers 2xx and 404 (the caller decides), maps everything else to a SeverError. */
  async #admin(method: string, path: string, what: string): Promise<{ status: number; body: unknown }> {
    const a = await call(this.#http, what, `${this.#endpoints.admin}${path}`, {
      method, headers: { authorization: `Bearer ${await this.#adminToken()}`, accept: 'application/json' },
    });
    if ((a.status >= 200 && a.status < 300) || a.status === 404) return { status: a.status, body: a.body };
    throw providerError(this.#http, what, a);
  }

  async #list<T>(path: string, what: string): Promise<T[] | undefined> {
    const r = await this.#admin('GET', path, what);
    if (r.status === 404) return undefined;
    if (!Array.isArray(r.body)) throw this.#shape(what, r.status);
    return r.body as T[];
  }

  #shape(what: string, status: number): SeverError {
    return new SeverError('ERR_PROVIDER_RESPONSE', `${this.#http.name}: ${what} did not answer a JSON array`, { details: { connector: this.#http.name, operation: what, status } });
  }

  async getUser(id: string): Promise<KcUser | undefined> {
    const r = await this.#admin('GET', `/users/${seg(id)}`, 'admin GET user');
    return r.status === 404 ? undefined : (r.body as KcUser);
  }

  async findUsers(field: 'username' | 'email', value: string): Promise<KcUser[]> {
    return (await this.#list<KcUser>(`/users?${field}=${seg(value)}&exact=true`, 'admin GET users')) ?? [];
  }

  /** The user's SSO sessions; undefined when the user is gone. */
  sessions(userId: string): Promise<KcSession[] | undefined> {
    return this.#list(`/users/${seg(userId)}/sessions`, 'admin GET user sessions');
  }

  offlineSessions(userId: string, clientUuid: string): Promise<KcSession[] | undefined> {
    return this.#list(`/users/${seg(userId)}/offline-sessions/${seg(clientUuid)}`, 'admin GET offline sessions');
  }

  consents(userId: string): Promise<KcConsent[] | undefined> {
    return this.#list(`/users/${seg(userId)}/consents`, 'admin GET consents');
  }

  async clients(): Promise<KcClientRep[]> {
    return (await this.#list<KcClientRep>('/clients', 'admin GET clients')) ?? [];
  }

  /** The lab's tokens extension; undefined when the server has none (real Keycloak answers 404). */
  tokens(userId: string): Promise<KcToken[] | undefined> {
    return this.#list(`/users/${seg(userId)}/tokens`, 'admin GET tokens (lab extension)');
  }

  /** 204 when ended, 404 when already gone. */
  async deleteSession(sessionId: string): Promise<number> {
    return (await this.#admin('DELETE', `/sessions/${seg(sessionId)}`, 'admin DELETE session')).status;
  }

  /** 204 when revoked, 404 when there was no consent nor offline token. */
  async deleteConsent(userId: string, clientId: string): Promise<number> {
    return (await this.#admin('DELETE', `/users/${seg(userId)}/consents/${seg(clientId)}`, 'admin DELETE consent')).status;
  }

  get hasResourceServer(): boolean {
    return this.#resourceServerUrl !== undefined;
  }

  /** A call to the resource server with a (JWT) access token: 200 accepted, 401 refused. */
  async resourceServer(accessToken: string): Promise<Probe> {
    const what = 'resource server call';
    if (!this.#resourceServerUrl) {
      throw new SeverError('ERR_CONNECTOR_CONFIG', `${this.#http.name}: verifying a JWT access token needs settings.resourceServerUrl`, { details: { connector: this.#http.name, setting: 'resourceServerUrl' } });
    }
    const a = await call(this.#http, what, this.#resourceServerUrl, { headers: { authorization: `Bearer ${accessToken}` } });
    if (a.status === 429 || a.status >= 500) throw providerError(this.#http, what, a);
    const error = /error="([^"]+)"/.exec(a.headers.get('www-authenticate') ?? '')?.[1];
    return { status: a.status, ...(error ? { error } : {}) };
  }
}
