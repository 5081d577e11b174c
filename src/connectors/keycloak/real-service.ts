/**
 * How to point the keycloak connector at a real Keycloak realm (rendered on
 * docs/connectors/keycloak.md): a service account with realm-management roles for the admin API,
 * and Sever's confidential client for the standards endpoints.
 */
import type { RealService } from '../contract.ts';

export const keycloakRealService: RealService = {
  baseUrls: [
    '`baseUrl`: Keycloak\'s root, e.g. `https://sso.example.com` (Keycloak 17 and later), or `https://sso.example.com/auth` for the legacy distribution or a server run with `http-relative-path=/auth`. The admin API is `{baseUrl}/admin/realms/{realm}`; the OIDC endpoints are `{baseUrl}/realms/{realm}/protocol/openid-connect/{token,token/introspect,revoke,userinfo}` unless `endpoints` overrides them (e.g. behind a proxy).',
  ],
  credential: [
    'In the realm, create a confidential client for Sever (`clientId`, with "Client authentication" on); its secret goes to the file or variable `clientSecretRef` names. Sever uses it for RFC 7662 introspection and RFC 7009 revocation.',
    'For the admin API, create a second confidential client with "Service accounts roles" on, and assign its service account the **realm-management** client roles of the table below, and no others. Keeping it apart from Sever\'s own client means Sever holds only short-lived admin tokens, never the secret that mints them.',
    'Run a token refresher beside Sever: it obtains an access token for that service account (client credentials grant at the realm\'s token endpoint) and rewrites the file `adminTokenRef` names before the token expires (the realm\'s access token lifespan, 5 minutes by default). Sever re-reads it on every admin call.',
    'Set `tokensExtension: false`: Keycloak has no API that lists tokens (the lab does), so refresh and access tokens come from `incident add-artifact`.',
    'Optional: the owning clients\' secrets by reference in `clientSecrets`, for refresh replay; a `resourceServerUrl` that answers 200 or 401 to a bearer JWT, for the access-token checks.',
  ],
  leastPrivilege: [
    { permission: 'realm-management: view-users', usedFor: 'find the user; list its SSO sessions, offline sessions and consents (discover and re-list)' },
    { permission: 'realm-management: manage-users', usedFor: '`DELETE /admin/realms/{realm}/sessions/{id}` and `DELETE /users/{id}/consents/{client}` (which also ends that client\'s offline sessions)' },
    {
      permission: 'realm-management: query-clients',
      usedFor: '`GET /admin/realms/{realm}/clients`, to map a consent\'s client id to the client\'s internal id for the offline-session list (view-clients also allows it)',
    },
    { permission: 'a confidential client of the realm', usedFor: 'introspect tokens (RFC 7662) and revoke by RFC 7009 the tokens issued to that same client (see the notes)' },
    {
      permission: 'owning clients\' secrets (`clientSecrets`)',
      usedFor: 'refresh replay as the client a refresh or offline token was issued to; without one, such a token is verified by introspection only',
      notListedPerKind: 'a credential for the stronger verification path, not a permission of Sever\'s own client',
    },
  ],
  example: `connectors:
  keycloak:corp:
    settings:
      baseUrl: https://sso.example.com
      realm: corp
      adminTokenRef: file:/run/secrets/keycloak-sever-admin-token   # refreshed by the token refresher
      clientId: sever
      clientSecretRef: file:/run/secrets/keycloak-sever-client
      clientSecrets: { payroll: env:PAYROLL_CLIENT_SECRET }        # optional: owners' secrets for refresh replay
      resourceServerUrl: https://api.example.com/whoami            # optional: JWT access-token checks
      tokensExtension: false                                        # real Keycloak lists no tokens`,
  notes: [
    'Keycloak\'s revocation endpoint refuses a token issued to another client (400 `invalid_request`, "Unmatching clients"), while the lab provider lets Sever\'s client revoke any token (its `revokers` setting); the manifest\'s "allowed to revoke other clients\' tokens" has no Keycloak setting behind it. Against a real realm, the tokens of other clients die by consent deletion (oauth-grant and offline-token artifacts) and ending the sessions; an RFC 7009 revoke by Sever\'s client of such a token fails with ERR_PROVIDER_REJECTED.',
    'Whether a confidential client may introspect tokens issued to other clients depends on the Keycloak version and realm settings; not verified here.',
    'Sever does not obtain the admin token itself: a stale `adminTokenRef` file fails every admin call with 401 (ERR_PROVIDER_REJECTED).',
    'Tested only against the npm `oidc-provider` with a Keycloak-shaped admin API, through Keycloak\'s own admin client; real Keycloak behaviour (offline sessions surviving logout and password reset) comes from its issue tracker, not from a test here.',
  ],
};
