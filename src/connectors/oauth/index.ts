/**
 * The `oauth` connector: any authorization server with RFC 7009 revocation and RFC 7662
 * introspection, configured by sever.yaml alone.
 *
 * ```yaml
 * connectors:
 *   oauth:partner:
 *     settings:
 *       issuer: https://login.partner.example      # or the endpoints below
 *       clientId: sever
 *       clientSecretRef: env:PARTNER_SEVER_SECRET
 *       clientSecrets: { app: file:/run/secrets/app } # optional: owners' secrets for refresh replay
 * ```
 */
import { z } from 'zod';
import { SeverError } from '../../core/errors.ts';
import type { ArtifactKind } from '../../core/model.ts';
import type { Connector, ConnectorDeps, ConnectorModule } from '../contract.ts';
import { secretRef } from '../shared/settings.ts';
import { discoverEndpoints, OAuthClient, type ClientCredentials, type HttpDeps, type OAuthEndpoints } from './client.ts';
import { discover } from './discover.ts';
import { oauthManifest } from './manifest.ts';
import { revokeToken } from './revoke.ts';
import { verifyToken } from './verify.ts';

export const oauthSettings = z
  .strictObject({
    /**
     * Issuer whose metadata gives the endpoints not given explicitly: RFC 8414
     * (`/.well-known/oauth-authorization-server`, inserted before the issuer's path), else OpenID
     * Connect discovery (`/.well-known/openid-configuration`); used only when it names this issuer.
     */
    issuer: z.url().optional(),
    revocationEndpoint: z.url().optional(),
    introspectionEndpoint: z.url().optional(),
    /** Adds a userinfo check (bearer → 401) to access-token verification. */
    userinfoEndpoint: z.url().optional(),
    /** Needed for refresh replay. */
    tokenEndpoint: z.url().optional(),
    /** Sever's confidential client, used to introspect and revoke. */
    clientId: z.string().min(1),
    clientSecretRef: secretRef,
    /** Owning clients' secrets, by client id, for refresh replay (a replay as another client proves nothing). */
    clientSecrets: z.record(z.string(), secretRef).default({}),
    timeoutMs: z.number().int().positive().max(120_000).default(10_000),
  })
  .refine((s) => s.issuer !== undefined || (s.revocationEndpoint !== undefined && s.introspectionEndpoint !== undefined), {
    message: 'give either issuer (OIDC discovery) or both revocationEndpoint and introspectionEndpoint',
  });

export type OAuthSettings = z.output<typeof oauthSettings>;

const HANDLED: readonly ArtifactKind[] = oauthManifest.artifacts.map((a) => a.kind);

/** Owners' credentials for refresh replay, from `clientSecrets` (Sever's own client included). */
export function ownerCredentials(deps: ConnectorDeps, self: { clientId: string; secretRef: string }, secrets: Record<string, string>) {
  return async (clientId: string | undefined): Promise<ClientCredentials | undefined> => {
    if (!clientId) return undefined;
    const ref = secrets[clientId] ?? (clientId === self.clientId ? self.secretRef : undefined);
    return ref === undefined ? undefined : { clientId, clientSecret: await deps.resolveSecret(ref) };
  };
}

export function createOAuthConnector(name: string, s: OAuthSettings, deps: ConnectorDeps): Connector {
  const http: HttpDeps = { fetch: deps.fetch, now: () => deps.clock.now(), name, timeoutMs: s.timeoutMs };
  const explicit: OAuthEndpoints = {
    ...(s.revocationEndpoint ? { revocation: s.revocationEndpoint } : {}),
    ...(s.introspectionEndpoint ? { introspection: s.introspectionEndpoint } : {}),
    ...(s.userinfoEndpoint ? { userinfo: s.userinfoEndpoint } : {}),
    ...(s.tokenEndpoint ? { token: s.tokenEndpoint } : {}),
  };
  let discovered: Promise<OAuthEndpoints> | undefined;
  const endpoints = async (): Promise<OAuthEndpoints> => {
    if (!s.issuer) return explicit;
    // Discovery is cached once it succeeds; a failure is retried on the next call.
    discovered ??= discoverEndpoints(http, s.issuer).catch((e) => {
      discovered = undefined;
      throw e;
    });
    return { ...(await discovered), ...explicit };
  };
  const credentials = async (): Promise<ClientCredentials> => ({ clientId: s.clientId, clientSecret: await deps.resolveSecret(s.clientSecretRef) });
  const client = new OAuthClient(http, endpoints, credentials);
  const owner = ownerCredentials(deps, { clientId: s.clientId, secretRef: s.clientSecretRef }, s.clientSecrets);
  const handled = (kind: ArtifactKind) => {
    if (!HANDLED.includes(kind)) throw new SeverError('ERR_INPUT_INVALID', `${name}: the oauth connector does not handle ${kind}`, { details: { connector: name, kind } });
  };
  return {
    name,
    manifest: oauthManifest,
    discover,
    async revoke(a) {
      handled(a.kind);
      return revokeToken(name, client, a);
    },
    async verify(a) {
      handled(a.kind);
      return verifyToken(name, client, a, owner);
    },
  };
}

export const oauthConnector: ConnectorModule<typeof oauthSettings> = {
  manifest: oauthManifest,
  settingsSchema: oauthSettings,
  create: createOAuthConnector,
};
