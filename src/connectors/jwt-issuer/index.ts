/**
 * The `jwt-issuer` connector: signing-key rotation, the fallback for self-contained JWTs.
 * It expects an issuer admin API that lists issued tokens and retires keys (the lab issuer's;
 * Auth0's `POST /api/v2/keys/signing/rotate` is the same idea).
 *
 * ```yaml
 * connectors:
 *   jwt-issuer:api:
 *     settings:
 *       issuerUrl: https://tokens.example.com
 *       adminTokenRef: env:ISSUER_ADMIN_TOKEN
 *       resourceServerUrl: https://api.example.com/whoami
 * ```
 */
import { z } from 'zod';
import type { Connector, ConnectorModule } from '../contract.ts';
import { secretRef } from '../shared/settings.ts';
import { JwtIssuerClient } from './client.ts';
import { discoverKeys } from './discover.ts';
import { jwtIssuerManifest } from './manifest.ts';
import { retireKey } from './revoke.ts';
import { verifyKey } from './verify.ts';

export const jwtIssuerSettings = z.strictObject({
  issuerUrl: z.url(),
  adminTokenRef: secretRef,
  /** Default {issuerUrl}/jwks. */
  jwksUrl: z.url().optional(),
  /** Default {issuerUrl}/token: where a probe token from the new key is obtained. */
  tokenUrl: z.url().optional(),
  /** A resource server answering 200/401 to a bearer token, checking against the JWKS. */
  resourceServerUrl: z.url(),
  probeSubject: z.string().min(1).default('sever-probe'),
  timeoutMs: z.number().int().positive().max(120_000).default(5_000),
});

export const jwtIssuerModule: ConnectorModule<typeof jwtIssuerSettings> = {
  manifest: jwtIssuerManifest,
  settingsSchema: jwtIssuerSettings,
  create(name, s, deps): Connector {
    const base = s.issuerUrl.replace(/\/$/, '');
    const c = new JwtIssuerClient({
      name, issuerUrl: base, jwksUrl: s.jwksUrl ?? `${base}/jwks`, tokenUrl: s.tokenUrl ?? `${base}/token`, resourceServerUrl: s.resourceServerUrl,
      adminToken: () => deps.resolveSecret(s.adminTokenRef), fetch: deps.fetch, timeoutMs: s.timeoutMs,
    });
    return { name, manifest: jwtIssuerManifest, discover: (subject) => discoverKeys(c, subject), revoke: (a) => retireKey(c, a), verify: (a) => verifyKey(c, a, s.probeSubject) };
  },
};
