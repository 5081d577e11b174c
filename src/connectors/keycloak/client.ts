/**
 * The only code of the keycloak connector that talks HTTP: the admin REST API through Keycloak's
 * own admin client (`@keycloak/keycloak-admin-client`, bearer admin token), the realm's OIDC token
 * endpoints and an optional resource server. The lab's tokens extension, which Keycloak lacks, is
 * the one admin call made directly.
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
import KcAdminClient from '@keycloak/keycloak-admin-client';
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
  /** Keycloak's root URL and the realm, for the admin client. */
  base: string;
  realm: string;
}

export function keycloakEndpoints(baseUrl: string, realm: string, overrides: OAuthEndpoints = {}): KeycloakEndpoints {
  const base = baseUrl.replace(/\/+$/, '');
  const oidc = `${base}/realms/${encodeURIComponent(realm)}/protocol/openid-connect`;
  return {
    base,
    realm,
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
  readonly #kc: KcAdminClient;

  constructor(o: { http: HttpDeps; endpoints: KeycloakEndpoints; adminToken: () => Promise<string>; credentials: () => Promise<ClientCredentials>; resourceServerUrl?: string }) {
    this.#http = o.http;
    this.#endpoints = o.endpoints;
    this.#adminToken = o.adminToken;
    this.#resourceServerUrl = o.resourceServerUrl;
    this.oauth = new TokenClient(o.http, async () => o.endpoints, o.credentials);
    this.#kc = new KcAdminClient({ baseUrl: o.endpoints.base, realmName: o.endpoints.realm, timeout: o.http.timeoutMs });
    // The admin token is resolved per call from its reference (it may be rotated under Sever).
    this.#kc.registerTokenProvider({ getAccessToken: () => this.#adminToken() });
  }

  /**
   * One call through Keycloak's admin client. 404 answers `undefined` (the caller decides what a
   * missing user or session means); every other failure becomes a coded SeverError.
   */
  async #admin<T>(what: string, run: (kc: KcAdminClient) => Promise<T>): Promise<T | undefined> {
    try {
      return await run(this.#kc);
    } catch (e) {
      const res = (e as { response?: Response }).response;
      if (res instanceof Response) {
        if (res.status === 404) return undefined;
        let body: unknown = (e as { responseData?: unknown }).responseData;
        if (typeof body === 'string') body = { error: body };
        throw providerError(this.#http, what, { status: res.status, headers: res.headers, body: body ?? null });
      }
      const name = (e as Error)?.name;
      throw new SeverError('ERR_PROVIDER_UNAVAILABLE', `${this.#http.name}: ${what} could not reach the provider (${name === 'TimeoutError' || name === 'AbortError' ? 'timed out' : ((e as Error)?.message ?? String(e))})`, {
        retryable: true, details: { connector: this.#http.name, operation: what }, cause: e,
      });
    }
  }

  async #list<T>(what: string, run: (kc: KcAdminClient) => Promise<unknown>): Promise<T[] | undefined> {
    const r = await this.#admin(what, run);
    if (r === undefined) return undefined;
    if (!Array.isArray(r)) throw this.#shape(what);
    return r as T[];
  }

  #shape(what: string): SeverError {
    return new SeverError('ERR_PROVIDER_RESPONSE', `${this.#http.name}: ${what} did not answer a JSON array`, { details: { connector: this.#http.name, operation: what } });
  }

  async getUser(id: string): Promise<KcUser | undefined> {
    const u = await this.#admin('admin GET user', (kc) => kc.users.findOne({ id }));
    return u ? (u as KcUser) : undefined;
  }

  async findUsers(field: 'username' | 'email', value: string): Promise<KcUser[]> {
    return (await this.#list<KcUser>('admin GET users', (kc) => kc.users.find({ [field]: value, exact: true }))) ?? [];
  }

  /** The user's SSO sessions; undefined when the user is gone. */
  sessions(userId: string): Promise<KcSession[] | undefined> {
    return this.#list('admin GET user sessions', (kc) => kc.users.listSessions({ id: userId }));
  }

  offlineSessions(userId: string, clientUuid: string): Promise<KcSession[] | undefined> {
    return this.#list('admin GET offline sessions', (kc) => kc.users.listOfflineSessions({ id: userId, clientId: clientUuid }));
  }

  consents(userId: string): Promise<KcConsent[] | undefined> {
    return this.#list('admin GET consents', (kc) => kc.users.listConsents({ id: userId }));
  }

  async clients(): Promise<KcClientRep[]> {
    return (await this.#list<KcClientRep>('admin GET clients', (kc) => kc.clients.find())) ?? [];
  }

  /** The lab's tokens extension (not in Keycloak, so not in its admin client); undefined when the server has none. */
  async tokens(userId: string): Promise<KcToken[] | undefined> {
    const what = 'admin GET tokens (lab extension)';
    const a = await call(this.#http, what, `${this.#endpoints.admin}/users/${seg(userId)}/tokens`, {
      headers: { authorization: `Bearer ${await this.#adminToken()}`, accept: 'application/json' },
    });
    if (a.status === 404) return undefined;
    if (a.status < 200 || a.status >= 300) throw providerError(this.#http, what, a);
    if (!Array.isArray(a.body)) throw this.#shape(what);
    return a.body as KcToken[];
  }

  /** 204 when ended, 404 when already gone. */
  async deleteSession(sessionId: string): Promise<number> {
    const done = await this.#admin('admin DELETE session', async (kc) => (await kc.realms.deleteSession({ realm: this.#endpoints.realm, session: sessionId, isOffline: false }), true));
    return done ? 204 : 404;
  }

  /** 204 when revoked, 404 when there was no consent nor offline token. */
  async deleteConsent(userId: string, clientId: string): Promise<number> {
    const done = await this.#admin('admin DELETE consent', async (kc) => (await kc.users.revokeConsent({ id: userId, clientId }), true));
    return done ? 204 : 404;
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
