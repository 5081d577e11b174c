/**
 * What the keycloak connector discovers, revokes and verifies, the permissions each needs, and
 * what survives each revocation. Verification path names match the `oauth` connector's.
 */
import type { ConnectorManifest } from '../contract.ts';
import { relist, replay, selfReport } from '../shared/strength.ts';
import { keycloakRealService } from './real-service.ts';

import { INTROSPECTION, REFRESH_REPLAY, RFC7009, USERINFO } from '../shared/oauth/paths.ts';

export { INTROSPECTION, REFRESH_REPLAY, RFC7009, USERINFO };
export const RELIST_SESSIONS = 'admin-relist:sessions';
export const RELIST_CONSENTS = 'admin-relist:consents';
export const RELIST_OFFLINE = 'admin-relist:offline-sessions';
export const RELIST_TOKENS = 'admin-relist:tokens';
export const RESOURCE_SERVER = 'resource-server';
export const DELETE_SESSION = 'admin-api:DELETE /sessions/{id}';
export const DELETE_CONSENT = 'admin-api:DELETE /users/{id}/consents/{clientId}';

const VIEW = 'realm-management: view-users';
const MANAGE = 'realm-management: manage-users';
const QUERY_CLIENTS = 'realm-management: query-clients (GET /clients: a consent\'s client id to its internal id)';
const SEVER_CLIENT = 'a confidential client of the realm for introspection, and RFC 7009 revocation of the tokens issued to it (a real Keycloak refuses to revoke another client\'s token: 400 "Unmatching clients"; those die by consent deletion and the end of their sessions, and the lab allows it only through its `revokers` setting)';
const TOKENS_EXT = 'GET /admin/realms/{realm}/users/{id}/tokens (LAB EXTENSION: Keycloak has no API that lists tokens; against a real Keycloak this finds nothing and tokens come from `incident add-artifact`). Every other admin call goes through Keycloak\'s own admin client, @keycloak/keycloak-admin-client';
const JWT_AT = {
  what: 'access tokens are self-contained JWTs: resource servers that validate them locally accept them until exp, whatever is revoked',
  compensatingAction: 'await expiry (access token lifespan, 5 min by default), proved by the resource server refusing the token after exp; or rotate the realm keys',
};
const GRANT_ONLY = {
  what: 'introspection answers active:false once only the grant (consent) is gone, while the token record may survive',
  compensatingAction: 'also replay the refresh token as its owning client (settings.clientSecrets) and expect invalid_grant',
};

export const keycloakManifest: ConnectorManifest = {
  kind: 'keycloak',
  version: 1,
  title: 'Keycloak (admin REST API + OIDC token endpoints)',
  description:
    'Discovers a user\'s SSO sessions, offline sessions, consents and (lab extension) tokens through the admin REST API; ends sessions and consents there, revokes tokens by RFC 7009; proves each dead by re-listing, introspection, refresh replay, userinfo and a resource-server call.',
  artifacts: [
    {
      kind: 'idp-session',
      discover: 'GET /admin/realms/{realm}/users/{id}/sessions',
      revoke: { method: DELETE_SESSION, selective: true },
      verify: [relist(RELIST_SESSIONS), selfReport(INTROSPECTION)],
      permissions: [VIEW, MANAGE, QUERY_CLIENTS, SEVER_CLIENT],
      residue: [
        { what: 'offline sessions and offline tokens (offline_access) survive the end of the SSO session, as with POST /users/{id}/logout', compensatingAction: 'revoke each offline-token artifact (consent deletion)' },
        JWT_AT,
      ],
      expectedDeadByMs: 5_000,
    },
    {
      kind: 'oauth-grant',
      discover: 'GET /admin/realms/{realm}/users/{id}/consents',
      revoke: { method: DELETE_CONSENT, selective: true },
      verify: [relist(RELIST_CONSENTS), relist(RELIST_TOKENS), selfReport(INTROSPECTION)],
      permissions: [VIEW, MANAGE, QUERY_CLIENTS, SEVER_CLIENT],
      residue: [JWT_AT, { what: 'the user can consent again at the next login', compensatingAction: 'disable the user or reset its credentials before revoking' }],
      expectedDeadByMs: 5_000,
    },
    {
      kind: 'offline-token',
      discover: 'GET /admin/realms/{realm}/users/{id}/offline-sessions/{clientUuid}',
      revoke: {
        method: DELETE_CONSENT,
        selective: false,
        fallback: 'revoking the consent ends every offline session and token of that client for the user (DELETE /sessions/{id}?isOffline=true is selective on recent Keycloak)',
      },
      verify: [relist(RELIST_OFFLINE), selfReport(INTROSPECTION), replay(REFRESH_REPLAY)],
      permissions: [VIEW, MANAGE, QUERY_CLIENTS, SEVER_CLIENT],
      residue: [
        { what: 'offline sessions survive logout and password reset; disabling then re-enabling the user resumes them', compensatingAction: 'revoke the consent (this action); never rely on logout or disable' },
        GRANT_ONLY,
        JWT_AT,
      ],
      expectedDeadByMs: 5_000,
    },
    {
      kind: 'refresh-token',
      discover: TOKENS_EXT,
      revoke: { method: RFC7009, selective: true },
      verify: [selfReport(INTROSPECTION), replay(REFRESH_REPLAY)],
      permissions: [VIEW, QUERY_CLIENTS, SEVER_CLIENT],
      residue: [GRANT_ONLY, JWT_AT],
      expectedDeadByMs: 5_000,
    },
    {
      kind: 'access-token',
      discover: TOKENS_EXT,
      revoke: { method: RFC7009, selective: true, fallback: 'JWT access tokens cannot be revoked: await expiry' },
      verify: [selfReport(INTROSPECTION), replay(USERINFO), replay(RESOURCE_SERVER)],
      permissions: [VIEW, QUERY_CLIENTS, SEVER_CLIENT],
      residue: [
        JWT_AT,
        { what: 'revoking one access token may revoke every token of its grant (oidc-provider 9) or only itself (Keycloak)', compensatingAction: 'none needed: each artifact is verified on its own' },
      ],
      expectedDeadByMs: 5_000,
    },
  ],
  // Self-hosted Keycloak documents no rate limit; these protect the IdP during an incident and may be lowered per instance.
  limits: { concurrency: 32, rate: { limit: 1_000, windowMs: 1_000 } },
  verifyPolicy: { pollIntervalMs: 1_000, deadlineMs: 120_000 },
  realService: keycloakRealService,
};
