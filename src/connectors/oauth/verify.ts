/**
 * Proves a token dead without using the revocation path: RFC 7662 introspection first; for a
 * refresh token that introspects inactive, a replay at the token endpoint as its owning client
 * must answer invalid_grant (a token that still introspects active is never replayed: that would
 * use it); for an access token, userinfo with it as bearer must answer 401.
 */
import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyObservation } from '../contract.ts';
import type { ClientCredentials, OAuthClient } from './client.ts';
import { accessChecks, refreshChecks, verdictOf } from '../shared/oauth/token-checks.ts';
import { valueRequired } from '../shared/oauth/revoke-token.ts';

export async function verifyToken(
  name: string, client: OAuthClient, a: ArtifactHandle, owner: (clientId: string | undefined) => Promise<ClientCredentials | undefined>,
): Promise<VerifyObservation> {
  if (!a.secret) throw valueRequired(name, a, 'verification');
  const clientId = typeof a.attributes.clientId === 'string' ? a.attributes.clientId : undefined;
  const { checks, unavailable } = a.kind === 'access-token'
    ? await accessChecks(client, a.secret, await client.hasEndpoint('userinfo'))
    : await refreshChecks(client, a.secret, a.kind, await owner(clientId));
  return { verdict: verdictOf(checks), checks, ...(unavailable.length ? { unavailable } : {}) };
}
