/**
 * Revokes one artifact: SSO sessions by `DELETE /sessions/{id}`, consents and offline sessions by
 * `DELETE /users/{id}/consents/{clientId}` (Keycloak's way to end offline sessions: it drops the
 * consent with every offline, refresh and access token of that client), refresh and access
 * tokens by RFC 7009. A 404 from the admin API is Keycloak's answer to a second delete:
 * `already_revoked`. JWT access tokens cannot be revoked.
 */
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { KeycloakClient } from './client.ts';
import { hintFor, notRevocable, revokeToken, valueRequired } from '../shared/oauth/revoke-token.ts';
import { parseConsentId, providerId } from './discover.ts';
import { DELETE_CONSENT, DELETE_SESSION } from './manifest.ts';

export { hintFor, notRevocable, valueRequired };

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

function outcome(method: string, status: number, request: Record<string, unknown>): RevokeOutcome {
  return { status: status === 404 ? 'already_revoked' : 'revoked', method, request, response: { status } };
}

/** The user and client a consent or offline-session artifact belongs to. */
function consentTarget(name: string, a: ArtifactHandle): { userId: string; clientId: string } {
  const parsed = a.kind === 'oauth-grant' ? parseConsentId(a.externalId) : undefined;
  const userId = str(a.attributes.userId) ?? parsed?.userId ?? a.subjectId;
  const clientId = str(a.attributes.clientId) ?? parsed?.clientId;
  if (!userId || !clientId) {
    throw new SeverError('ERR_INPUT_INVALID', `${name}: ${a.kind} ${a.externalId} does not name its user and client`, { details: { connector: name, externalId: a.externalId } });
  }
  return { userId, clientId };
}

export async function revokeKeycloak(name: string, kc: KeycloakClient, a: ArtifactHandle): Promise<RevokeOutcome> {
  switch (a.kind) {
    case 'idp-session': {
      const id = str(a.attributes.sessionId) ?? providerId(a.externalId);
      return outcome(DELETE_SESSION, await kc.deleteSession(id), { method: 'DELETE', path: '/sessions/{id}', sessionId: id });
    }
    case 'oauth-grant':
    case 'offline-token': {
      const { userId, clientId } = consentTarget(name, a);
      return outcome(DELETE_CONSENT, await kc.deleteConsent(userId, clientId), { method: 'DELETE', path: '/users/{id}/consents/{clientId}', userId, clientId });
    }
    case 'refresh-token':
    case 'access-token':
      if (a.attributes.format === 'jwt' || !a.revocable) throw notRevocable(name, a, 'a self-contained JWT access token');
      return revokeToken(name, kc.oauth, a);
    default:
      throw new SeverError('ERR_INPUT_INVALID', `${name}: the keycloak connector does not handle ${a.kind}`, { details: { connector: name, kind: a.kind } });
  }
}
