/**
 * Revokes one artifact: SSO sessions by `DELETE /sessions/{id}`, consents and offline sessions by
 * `DELETE /users/{id}/consents/{clientId}` (Keycloak's way to end offline sessions: it drops the
 * consent with every offline, refresh and access token of that client), refresh and access
 * tokens by RFC 7009. A 404 from the admin API is Keycloak's answer to a second delete:
 * `already_revoked`. JWT access tokens cannot be revoked.
 */
import { isSeverError, SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { KeycloakClient, TokenClient, TokenHint } from './client.ts';
import { parseConsentId, providerId } from './discover.ts';
import { DELETE_CONSENT, DELETE_SESSION, INTROSPECTION, RFC7009 } from './manifest.ts';

export const hintFor = (kind: string): TokenHint => (kind === 'access-token' ? 'access_token' : 'refresh_token');

export function notRevocable(name: string, a: ArtifactHandle, why: string): SeverError {
  return new SeverError('ERR_NOT_REVOCABLE', `${name}: ${a.kind} ${a.externalId} cannot be revoked selectively (${why}); await its expiry`, {
    details: { connector: name, kind: a.kind, externalId: a.externalId },
  });
}

export function valueRequired(name: string, a: ArtifactHandle, op: string): SeverError {
  return new SeverError('ERR_VALUE_REQUIRED', `${name}: ${op} of ${a.kind} ${a.externalId} needs the token value, which is not held`, {
    details: { connector: name, kind: a.kind, externalId: a.externalId },
  });
}

/**
 * RFC 7009 answers 200 for unknown tokens, so idempotency comes from an introspection read BEFORE
 * the call: an inactive token is `already_revoked` and not sent again. That read is not evidence.
 */
async function revokeToken(name: string, client: TokenClient, a: ArtifactHandle): Promise<RevokeOutcome> {
  if (!a.secret) throw valueRequired(name, a, 'RFC 7009 revocation');
  const hint = hintFor(a.kind);
  try {
    const pre = await client.introspect(a.secret, hint);
    if (!pre.active) {
      return {
        status: 'already_revoked', method: RFC7009,
        request: { precheck: INTROSPECTION, token_type_hint: hint, note: 'inactive before the call: not sent again' },
        response: { status: pre.status, body: { active: false } },
      };
    }
    const r = await client.revoke(a.secret, hint);
    return { status: 'revoked', method: RFC7009, request: { endpoint: r.url, token_type_hint: hint }, response: { status: r.status } };
  } catch (e) {
    // RFC 7009 §2.2.1: a provider refusing the token type cannot revoke it (a self-contained token).
    if (isSeverError(e) && e.code === 'ERR_PROVIDER_REJECTED' && e.details.error === 'unsupported_token_type') throw notRevocable(name, a, 'unsupported_token_type');
    throw e;
  }
}

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
