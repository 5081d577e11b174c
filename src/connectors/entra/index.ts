/**
 * The `entra` connector: one Microsoft Entra tenant through Microsoft Graph v1.0
 * (`@microsoft/microsoft-graph-client`, typed with `@microsoft/microsoft-graph-types`) and the
 * tenant's v2.0 token endpoint. The same code reaches the lab (`lab/entra/`) or a real tenant:
 * only the settings change.
 *
 * ```yaml
 * connectors:
 *   entra:corp:
 *     settings:
 *       tenantId: 00000000-0000-0000-0000-000000000000
 *       clientId: 11111111-1111-1111-1111-111111111111   # Sever's app registration (application permissions)
 *       clientSecretRef: env:ENTRA_SEVER_SECRET          # client credentials through @azure/identity
 *       # accessTokenRef: file:/run/secrets/graph-token  # instead: a Graph access token obtained elsewhere
 *       clientSecrets:                                   # optional: confidential clients' secrets, for refresh replay
 *         22222222-…: env:CRM_SECRET
 *       graphUrl: https://graph.microsoft.com
 *       loginUrl: https://login.microsoftonline.com   # token endpoint for the replays
 *       # authorityHost: https://…                     # @azure/identity's authority, when not loginUrl
 *       # authorityCaRef: file:/etc/ssl/proxy-ca.pem   # a CA to trust for the authority (TLS-inspecting proxy)
 *       # instanceDiscovery: false                    # for an authority Microsoft's discovery does not know
 *       timeoutMs: 10000
 * ```
 *
 * `@azure/identity` refuses an authority host that is not https ("The authorityHost address must
 * use the 'https' protocol"): the settings refuse one at load. The lab therefore serves its
 * authority over HTTPS with a self-signed certificate, trusted through `authorityCaRef`.
 */
import { ClientSecretCredential } from '@azure/identity';
import type { AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { SeverError } from '../../core/errors.ts';
import type { Connector, ConnectorDeps, ConnectorModule } from '../contract.ts';
import { secretRef } from '../shared/settings.ts';
import { EntraClient, type HttpDeps } from './client.ts';
import { discoverEntra } from './discover.ts';
import { entraManifest } from './manifest.ts';
import { revokeEntra } from './revoke.ts';
import { verifyEntra } from './verify.ts';

export const entraSettings = z
  .strictObject({
    /** The directory (tenant) id. */
    tenantId: z.string().regex(/^[A-Za-z0-9.-]+$/),
    /** Sever's app registration (client id), with `clientSecretRef`. */
    clientId: z.string().min(1).optional(),
    clientSecretRef: secretRef.optional(),
    /** Instead of client credentials: a Graph access token, by reference (re-read on every call). */
    accessTokenRef: secretRef.optional(),
    /** Confidential clients' secrets by app id, for the refresh replay of their tokens. */
    clientSecrets: z.record(z.string(), secretRef).default({}),
    graphUrl: z.url().default('https://graph.microsoft.com'),
    /** The authority host; the token endpoint of the replays is `{loginUrl}/{tenantId}/oauth2/v2.0/token`. */
    loginUrl: z.url().default('https://login.microsoftonline.com'),
    /** `@azure/identity`'s authority host, when it differs from loginUrl. Must be https. */
    authorityHost: z.url().optional(),
    /** PEM of a CA to trust for the authority (a TLS-inspecting proxy, the lab), by reference. */
    authorityCaRef: secretRef.optional(),
    /** Microsoft's authority validation (instance discovery); off only for an authority it does not know. */
    instanceDiscovery: z.boolean().default(true),
    timeoutMs: z.number().int().positive().max(120_000).default(10_000),
  })
  .refine((s) => (s.accessTokenRef !== undefined) !== (s.clientId !== undefined && s.clientSecretRef !== undefined) && !(s.accessTokenRef && (s.clientId || s.clientSecretRef)), {
    message: 'give either clientId with clientSecretRef (client credentials), or accessTokenRef, not both',
  })
  .refine((s) => s.clientSecretRef === undefined || new URL(s.authorityHost ?? s.loginUrl).protocol === 'https:', {
    message: '@azure/identity needs an https authority: set authorityHost (or loginUrl) to an https URL',
  });

export type EntraSettings = z.output<typeof entraSettings>;

function authProvider(name: string, s: EntraSettings, deps: ConnectorDeps): AuthenticationProvider {
  if (s.accessTokenRef) {
    const ref = s.accessTokenRef;
    return { getAccessToken: () => deps.resolveSecret(ref) };
  }
  let credential: ClientSecretCredential | undefined;
  const scope = `${s.graphUrl.replace(/\/+$/, '')}/.default`;
  return {
    async getAccessToken() {
      // Retries off: the engine retries. The credential caches its token until shortly before expiry.
      credential ??= new ClientSecretCredential(s.tenantId, s.clientId!, await deps.resolveSecret(s.clientSecretRef!), {
        authorityHost: s.authorityHost ?? s.loginUrl, retryOptions: { maxRetries: 0 }, disableInstanceDiscovery: !s.instanceDiscovery,
        ...(s.authorityCaRef ? { tlsOptions: { ca: await deps.resolveSecret(s.authorityCaRef) } } : {}),
      });
      try {
        return (await credential.getToken(scope)).token;
      } catch (e) {
        // @azure/identity: AuthenticationError (statusCode), AuthenticationRequiredError (the
        // authority refused: invalid_client in the message), CredentialUnavailableError (no answer).
        const x = e as { name?: string; statusCode?: unknown; message?: string };
        const status = typeof x.statusCode === 'number' ? x.statusCode : undefined;
        const oauthError = /\b(invalid_client|unauthorized_client|invalid_request|invalid_scope|invalid_grant)\b/.exec(x.message ?? '')?.[1];
        const rejected = (status !== undefined && status >= 400 && status < 500 && status !== 429) || x.name === 'AuthenticationRequiredError' || oauthError !== undefined;
        const authority = s.authorityHost ?? s.loginUrl;
        throw new SeverError(rejected ? 'ERR_PROVIDER_REJECTED' : 'ERR_PROVIDER_UNAVAILABLE', `${name}: Sever's Graph token could not be obtained from ${authority} (${oauthError ?? status ?? x.name ?? 'no answer'})${rejected ? ': check tenantId, clientId and clientSecretRef' : ''}`, {
          retryable: !rejected, details: { connector: name, authority, ...(status !== undefined ? { status } : {}), ...(oauthError ? { error: oauthError } : {}), ...(x.name ? { errorName: x.name } : {}) }, cause: e,
        });
      }
    },
  };
}

export function createEntraConnector(name: string, s: EntraSettings, deps: ConnectorDeps): Connector {
  const http: HttpDeps = { fetch: deps.fetch, now: () => deps.clock.now(), name, timeoutMs: s.timeoutMs };
  const tokenUrl = `${s.loginUrl.replace(/\/+$/, '')}/${encodeURIComponent(s.tenantId)}/oauth2/v2.0/token`;
  const entra = new EntraClient({ http, graphUrl: s.graphUrl, tokenUrl, auth: authProvider(name, s, deps) });
  const clientSecret = async (clientId: string) => {
    const ref = s.clientSecrets[clientId];
    return ref === undefined ? undefined : deps.resolveSecret(ref);
  };
  return {
    name,
    manifest: entraManifest,
    discover: (subject) => discoverEntra(entra, subject, deps.clock.now()),
    revoke: (a) => revokeEntra(name, entra, a),
    verify: (a) => verifyEntra({ name, entra, clientSecret }, a),
  };
}

export const entraConnector: ConnectorModule<typeof entraSettings> = {
  manifest: entraManifest,
  settingsSchema: entraSettings,
  create: createEntraConnector,
};
