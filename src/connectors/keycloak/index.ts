/**
 * The `keycloak` connector: one Keycloak realm through its admin REST API and OIDC endpoints.
 *
 * ```yaml
 * connectors:
 *   keycloak:corp:
 *     settings:
 *       baseUrl: https://sso.example.com
 *       realm: corp
 *       adminTokenRef: env:KEYCLOAK_ADMIN_TOKEN        # bearer for /admin/realms/{realm}
 *       clientId: sever                                 # Sever's confidential client (introspect, revoke)
 *       clientSecretRef: file:/run/secrets/sever-client
 *       clientSecrets: { payroll: env:PAYROLL_SECRET }  # optional: owners' secrets for refresh replay
 *       resourceServerUrl: https://api.example.com/whoami   # optional: JWT access-token checks
 * ```
 */
import { z } from 'zod';
import type { Connector, ConnectorDeps, ConnectorModule } from '../contract.ts';
import { secretRef } from '../shared/settings.ts';
import { KeycloakClient, keycloakEndpoints, type ClientCredentials, type HttpDeps } from './client.ts';
import { discoverKeycloak } from './discover.ts';
import { keycloakManifest } from './manifest.ts';
import { revokeKeycloak } from './revoke.ts';
import { verifyKeycloak } from './verify.ts';

export const keycloakSettings = z.strictObject({
  /** Keycloak's root URL, without `/realms/…` (e.g. `https://sso.example.com` or `…/auth` on old versions). */
  baseUrl: z.url(),
  realm: z.string().min(1),
  /** Bearer token for the admin API (roles view-users, manage-users), by reference. Resolved per call. */
  adminTokenRef: secretRef,
  /** Sever's confidential client, used for introspection and RFC 7009 revocation. */
  clientId: z.string().min(1),
  clientSecretRef: secretRef,
  /** Owning clients' secrets, by client id, for refresh replay. Without one, refresh tokens are verified by introspection only. */
  clientSecrets: z.record(z.string(), secretRef).default({}),
  /** A resource-server URL answering 200/401 to `GET` with a JWT access token as bearer. */
  resourceServerUrl: z.url().optional(),
  /** Ask the lab's tokens extension (`GET /users/{id}/tokens`) for tokens; real Keycloak answers 404 and none are found. */
  tokensExtension: z.boolean().default(true),
  /** Overrides of the realm's OIDC endpoints (default: Keycloak's layout under `{baseUrl}/realms/{realm}`). */
  endpoints: z
    .strictObject({ token: z.url().optional(), introspection: z.url().optional(), revocation: z.url().optional(), userinfo: z.url().optional() })
    .optional(),
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
});

export type KeycloakSettings = z.output<typeof keycloakSettings>;

export function createKeycloakConnector(name: string, s: KeycloakSettings, deps: ConnectorDeps): Connector {
  const http: HttpDeps = { fetch: deps.fetch, now: () => deps.clock.now(), name, timeoutMs: s.timeoutMs };
  const overrides = Object.fromEntries(Object.entries(s.endpoints ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const kc = new KeycloakClient({
    http,
    endpoints: keycloakEndpoints(s.baseUrl, s.realm, overrides),
    adminToken: () => deps.resolveSecret(s.adminTokenRef),
    credentials: async (): Promise<ClientCredentials> => ({ clientId: s.clientId, clientSecret: await deps.resolveSecret(s.clientSecretRef) }),
    ...(s.resourceServerUrl ? { resourceServerUrl: s.resourceServerUrl } : {}),
  });
  // Refresh replay authenticates as the token's owning client: Sever's own or one in clientSecrets.
  const owner = async (clientId: string | undefined): Promise<ClientCredentials | undefined> => {
    const ref = clientId === undefined ? undefined : (s.clientSecrets[clientId] ?? (clientId === s.clientId ? s.clientSecretRef : undefined));
    return ref === undefined ? undefined : { clientId: clientId!, clientSecret: await deps.resolveSecret(ref) };
  };
  return {
    name,
    manifest: keycloakManifest,
    discover: (subject) => discoverKeycloak(kc, subject, { tokens: s.tokensExtension }),
    revoke: (a) => revokeKeycloak(name, kc, a),
    verify: (a) => verifyKeycloak({ name, kc, now: () => deps.clock.now(), tokensExtension: s.tokensExtension, owner }, a),
  };
}

export const keycloakConnector: ConnectorModule<typeof keycloakSettings> = {
  manifest: keycloakManifest,
  settingsSchema: keycloakSettings,
  create: createKeycloakConnector,
};
