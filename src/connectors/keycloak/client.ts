/**
 * The only code of the keycloak connector that talks HTTP: the admin REST API
 * (`{baseUrl}/admin/realms/{realm}/…`, bearer admin token), the realm's OIDC token endpoints
 * and an optional resource server.
 *
 * HTTP outcomes become coded errors: 429 → ERR_PROVIDER_RATE_LIMITED (retryAfterMs from
 * Retry-After), 5xx / network / timeout → ERR_PROVIDER_UNAVAILABLE (both retryable), other 4xx →
 * ERR_PROVIDER_REJECTED, unreadable bodies → ERR_PROVIDER_RESPONSE. Token values never appear in
 * an error or an observation. The standards half is the shared RFC 7009/7662 client
 * (src/connectors/shared/oauth/client.ts).
 *
 * Endpoints follow Keycloak's fixed layout `{baseUrl}/realms/{realm}/protocol/openid-connect/…`
 * (token, token/introspect, revoke, userinfo), so no discovery round-trip is needed; each can be
 * overridden in settings (e.g. behind a proxy). The lab IdP uses the same layout.
 */
import { SeverError } from '../../core/errors.ts';
import { call, OAuthClient as TokenClient, providerError, type ClientCredentials, type HttpDeps, type OAuthEndpoints, type Probe } from '../shared/oauth/client.ts';

export { call, providerError, retryAfterMs } from '../shared/oauth/client.ts';
export type { ClientCredentials, HttpAnswer, HttpDeps, Introspection, OAuthEndpoints, Probe, TokenHint } from '../shared/oauth/client.ts';
/** The realm's standards endpoints (RFC 7662, RFC 7009, userinfo, token) with Sever's client. */
export { TokenClient };


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
