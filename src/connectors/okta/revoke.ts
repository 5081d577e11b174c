/**
 * Revokes one artifact through the Management API. Grants, refresh tokens, factors and API tokens
 * are deleted one by one: a 404 is Okta's answer to a second delete, `already_revoked`. The user's
 * sessions end together (`DELETE /users/{id}/sessions?oauthTokens=true&forgetDevices=true`, always
 * 204): idempotency comes from a read BEFORE the call (no live session and no OAuth token left:
 * `already_revoked`, not sent again); that read is never evidence.
 */
import { SeverError } from '../../core/errors.ts';
import { need, str } from '../shared/attributes.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { OktaClient } from './client.ts';
import { liveSessions, providerId } from './discover.ts';
import { DELETE_API_TOKEN, DELETE_FACTOR, DELETE_GRANT, DELETE_TOKEN, END_SESSIONS } from './manifest.ts';



const outcome = (method: string, status: number, request: Record<string, unknown>): RevokeOutcome => ({ status: status === 404 ? 'already_revoked' : 'revoked', method, request, response: { status } });

/** Live sessions (known ids, looked up) and OAuth refresh tokens of the user: what ending the sessions must kill. */
export async function sessionFootprint(okta: OktaClient, userId: string, sessionIds: string[]): Promise<{ sessions: number; tokens: number }> {
  const [found, clients = []] = await Promise.all([Promise.all(sessionIds.map((id) => okta.session(id))), okta.clients(userId)]);
  const tokens = await Promise.all(clients.map(async (c) => ((await okta.refreshTokens(userId, c.clientId)) ?? []).length));
  return { sessions: found.filter(Boolean).length, tokens: tokens.reduce((a, b) => a + b, 0) };
}

export const sessionIdsOf = (a: ArtifactHandle) => (str(a.attributes.sessionIds) ?? '').split(',').filter(Boolean);

export async function revokeOkta(name: string, okta: OktaClient, a: ArtifactHandle, o: { now: number; sessionLookbackMs: number }): Promise<RevokeOutcome> {
  if (!a.revocable) throw new SeverError('ERR_NOT_REVOCABLE', `${name}: ${a.kind} ${a.externalId} is marked non-revocable`, { details: { connector: name, kind: a.kind, externalId: a.externalId } });
  switch (a.kind) {
    case 'idp-session': {
      const userId = need(name, a, 'userId');
      // Sessions started since discovery count too: the call ends them all.
      const ids = [...new Set([...sessionIdsOf(a), ...(await liveSessions(okta, userId, o.now, o.sessionLookbackMs)).map((s) => s.id)])];
      const before = await sessionFootprint(okta, userId, ids);
      const request = { method: 'DELETE', path: '/api/v1/users/{userId}/sessions', userId, oauthTokens: true, forgetDevices: true };
      if (before.sessions === 0 && before.tokens === 0) {
        return { status: 'already_revoked', method: END_SESSIONS, request: { ...request, precheck: 'no live session and no OAuth token left: not sent again' }, response: { body: before } };
      }
      return outcome(END_SESSIONS, await okta.endSessions(userId), { ...request, liveBefore: before });
    }
    case 'oauth-grant': {
      const userId = need(name, a, 'userId');
      const grantId = str(a.attributes.grantId) ?? providerId(a.externalId);
      return outcome(DELETE_GRANT, await okta.deleteGrant(userId, grantId), { method: 'DELETE', path: '/api/v1/users/{userId}/grants/{grantId}', userId, grantId });
    }
    case 'refresh-token': {
      const userId = need(name, a, 'userId');
      const clientId = need(name, a, 'clientId');
      const tokenId = str(a.attributes.tokenId) ?? providerId(a.externalId);
      return outcome(DELETE_TOKEN, await okta.deleteRefreshToken(userId, clientId, tokenId), { method: 'DELETE', path: '/api/v1/users/{userId}/clients/{clientId}/tokens/{tokenId}', userId, clientId, tokenId });
    }
    case 'mfa-factor': {
      const userId = need(name, a, 'userId');
      const factorId = str(a.attributes.factorId) ?? providerId(a.externalId);
      return outcome(DELETE_FACTOR, await okta.deleteFactor(userId, factorId), { method: 'DELETE', path: '/api/v1/users/{userId}/factors/{factorId}', userId, factorId });
    }
    case 'api-key': {
      const apiTokenId = str(a.attributes.apiTokenId) ?? providerId(a.externalId);
      return outcome(DELETE_API_TOKEN, await okta.deleteApiToken(apiTokenId), { method: 'DELETE', path: '/api/v1/api-tokens/{apiTokenId}', apiTokenId });
    }
    default:
      throw new SeverError('ERR_INPUT_INVALID', `${name}: the okta connector does not handle ${a.kind}`, { details: { connector: name, kind: a.kind } });
  }
}

export { need, str };
