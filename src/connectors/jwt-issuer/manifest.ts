import type { ConnectorManifest } from '../contract.ts';
import { relist, replay } from '../shared/strength.ts';

export const ROTATE = 'admin-api:POST /admin/rotate (retire the key)';
export const JWKS = 'jwks:re-fetch';
export const RS_OLD = 'resource-server:token signed by the retired key';

export const jwtIssuerManifest: ConnectorManifest = {
  kind: 'jwt-issuer',
  version: 1,
  title: 'Signing-key rotation for issuers of self-contained JWTs',
  description:
    'The fallback when access tokens are self-contained JWTs that cannot be revoked one by one: finds the keys that signed the subject\'s live tokens, counts every other subject\'s tokens from the same key (the collateral), retires the key (a new one signs from then on), and proves it by re-reading the JWKS and by a resource server refusing a token signed by the retired key while a token from the new key still works.',
  artifacts: [
    {
      kind: 'signing-key',
      discover: 'GET /admin/tokens?sub={subject} → the keys (kid) of the subject\'s live tokens; GET /admin/tokens?kid={kid} → collateral',
      revoke: { method: ROTATE, selective: true },
      verify: [relist(JWKS), replay(RS_OLD)],
      permissions: ['issuer admin: list issued tokens, rotate signing keys'],
      residue: [
        {
          what: 'resource servers cache the JWKS (jose: up to 10 min by default) and accept the retired key until their cache expires',
          compensatingAction: 'verification polls a resource server until it refuses; lower the cache age or restart resource servers for an immediate cut',
        },
        {
          what: 'every other subject\'s tokens signed by the key stop working too (collateral, counted in the artifact)',
          compensatingAction: 'schedule the rotation with the key owners (the default policy makes it a scheduled rotation); clients obtain new tokens',
        },
      ],
      expectedDeadByMs: 600_000,
    },
  ],
  limits: { concurrency: 2 },
  verifyPolicy: { pollIntervalMs: 250, deadlineMs: 660_000 },
};
