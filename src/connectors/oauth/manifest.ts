/**
 * What the generic OAuth connector can do against any RFC 7009 / RFC 7662 server configured by
 * sever.yaml alone. It cannot enumerate a subject's tokens: artifacts come from
 * `sever incident add-artifact` (a leaked token found by a scanner, a token from logs).
 */
import type { ArtifactCapability, ConnectorManifest } from '../contract.ts';
import { replay, selfReport } from '../shared/strength.ts';

import { INTROSPECTION, REFRESH_REPLAY, RFC7009, USERINFO } from '../shared/oauth/paths.ts';

export { INTROSPECTION, REFRESH_REPLAY, RFC7009, USERINFO };

const NO_DISCOVERY = 'none: an RFC 7009/7662 server cannot list a subject\'s tokens; add them with `sever incident add-artifact`';
const PERMISSIONS = ['a confidential client allowed to introspect (RFC 7662) and revoke (RFC 7009) tokens of other clients'];
const INTROSPECTION_GRANT_ONLY = {
  what: 'introspection answers active:false as soon as only the grant behind a token is gone, while the token record may survive',
  compensatingAction: 'replay the refresh token at the token endpoint as its owning client (settings.clientSecrets) and expect invalid_grant',
};

const refresh = (kind: 'refresh-token' | 'offline-token'): ArtifactCapability => ({
  kind,
  discover: NO_DISCOVERY,
  revoke: { method: RFC7009, selective: true },
  verify: [selfReport(INTROSPECTION), replay(REFRESH_REPLAY)],
  permissions: PERMISSIONS,
  residue: [
    { what: 'access tokens already minted from this refresh token may stay valid until they expire (provider-dependent)', compensatingAction: 'add and revoke those access tokens, or wait out the access-token lifetime' },
    INTROSPECTION_GRANT_ONLY,
  ],
  expectedDeadByMs: 5_000,
});

export const oauthManifest: ConnectorManifest = {
  kind: 'oauth',
  version: 1,
  title: 'Generic OAuth 2.0 server (RFC 7009 revocation, RFC 7662 introspection)',
  description:
    'Revokes individual tokens at any standards-compliant authorization server and proves them dead by introspection, a refresh replay and userinfo. Cannot discover: tokens are added to the incident by hand.',
  artifacts: [
    {
      kind: 'access-token',
      discover: NO_DISCOVERY,
      revoke: { method: RFC7009, selective: true, fallback: 'self-contained (JWT) access tokens are refused with unsupported_token_type: await expiry' },
      verify: [selfReport(INTROSPECTION), replay(USERINFO)],
      permissions: PERMISSIONS,
      residue: [
        { what: 'self-contained (JWT) access tokens cannot be revoked; resource servers accept them until exp', compensatingAction: 'await expiry (plan action await-expiry) or rotate the signing key' },
        { what: 'resource servers that cache introspection results accept a revoked token until their cache expires', compensatingAction: 'wait out the resource servers\' introspection cache lifetime' },
      ],
      expectedDeadByMs: 5_000,
    },
    refresh('refresh-token'),
    refresh('offline-token'),
  ],
  limits: { concurrency: 8, rate: { limit: 50, windowMs: 1_000 } },
  verifyPolicy: { pollIntervalMs: 1_000, deadlineMs: 60_000 },
};
