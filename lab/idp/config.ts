/**
 * The oidc-provider configuration of the lab realm: Keycloak's endpoint layout under
 * `/realms/{realm}`, our own storage, confidential clients, refresh tokens via offline_access,
 * introspection, revocation, back-channel and RP-initiated logout, and one resource server whose
 * access tokens are JWTs (self-contained: they cannot be revoked, only waited out).
 *
 * Revocation policy (peers.md pitfall 6): by default only the issuing client may revoke a token.
 * The lab lets the clients named in `revokers` (default: Sever's `sever` client) revoke any
 * client's tokens, the way Keycloak lets a client with the right role do it; other clients keep
 * the default rule. So the connector needs only Sever's own credentials to revoke.
 */
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { errors } from 'oidc-provider';
import type { Directory, LabClient } from './directory.ts';
import type { LabStore } from './store.ts';

export const KEYCLOAK_ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  introspection: '/protocol/openid-connect/token/introspect',
  revocation: '/protocol/openid-connect/revoke',
  userinfo: '/protocol/openid-connect/userinfo',
  jwks: '/protocol/openid-connect/certs',
  end_session: '/protocol/openid-connect/logout',
} as const;

export interface LabTtl {
  /** Opaque access tokens, seconds. */
  accessToken: number;
  /** JWT access tokens of the lab resource server, seconds. */
  jwtAccessToken: number;
  refreshToken: number;
  session: number;
  grant: number;
}

export const DEFAULT_TTL: LabTtl = { accessToken: 600, jwtAccessToken: 60, refreshToken: 14 * 86400, session: 86400, grant: 14 * 86400 };

let signingKey: Promise<JWK> | undefined;

/** One RS256 key per process: generating RSA keys is the slowest part of a lab start. */
export function labSigningKey(): Promise<JWK> {
  signingKey ??= (async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    return { ...(await exportJWK(privateKey)), kid: 'lab-rs256', alg: 'RS256', use: 'sig' };
  })();
  return signingKey;
}

export interface ConfigInput {
  clients: LabClient[];
  severClient: { clientId: string; clientSecret: string };
  revokers: string[];
  directory: Directory;
  store: LabStore;
  jwk: JWK;
  ttl: LabTtl;
  resourceServer: string;
  cookieKeys: string[];
}

export function providerConfiguration(o: ConfigInput): Record<string, unknown> {
  return {
    clients: [
      ...o.clients.map((c) => ({
        client_id: c.clientId, client_name: c.name, client_secret: c.clientSecret,
        grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: [c.redirectUri],
        post_logout_redirect_uris: [c.redirectUri],
        ...(c.backchannelLogoutUri ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
      })),
      { client_id: o.severClient.clientId, client_name: 'Sever', client_secret: o.severClient.clientSecret, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
    ],
    adapter: (model: string) => o.store.adapterFor(model),
    jwks: { keys: [o.jwk] },
    cookies: { keys: o.cookieKeys },
    findAccount: async (_ctx: unknown, sub: string) => {
      const u = o.directory.byId(sub);
      if (!u || !u.enabled) return undefined;
      return { accountId: sub, claims: async () => ({ sub, preferred_username: u.username, email: u.email, email_verified: true }) };
    },
    claims: { openid: ['sub'], profile: ['preferred_username'], email: ['email', 'email_verified'] },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    routes: KEYCLOAK_ROUTES,
    ttl: {
      AccessToken: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) => token.resourceServer?.accessTokenTTL ?? o.ttl.accessToken,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: o.ttl.refreshToken,
      Session: o.ttl.session,
      Grant: o.ttl.grant,
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Any confidential client may introspect (the provider's default, made explicit).
        allowedPolicy: async (_ctx: unknown, client: { clientAuthMethod: string; clientId: string }, token: { clientId?: string }) =>
          client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) => {
          if (token.clientId === client.clientId || o.revokers.includes(client.clientId)) return true;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf,
        useGrantedResource: async () => false,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          if (indicator !== o.resourceServer) throw new errors.InvalidTarget!();
          return { scope: 'api:read', audience: o.resourceServer, accessTokenTTL: o.ttl.jwtAccessToken, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    // oidc-provider 9 refuses outgoing requests to loopback (SSRF guard); the lab's RPs live there.
    fetch: (url: string | URL, { dispatcher: _d, ...options }: RequestInit & { dispatcher?: unknown }) => globalThis.fetch(url, options),
  };
}
