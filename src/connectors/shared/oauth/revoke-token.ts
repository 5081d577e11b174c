/**
 * Revokes one token by RFC 7009. The revocation endpoint answers 200 for unknown tokens too, so
 * idempotency comes from an introspection read BEFORE the call: an inactive token is
 * `already_revoked` and is not sent again. That read is never evidence; verification is separate.
 */
import { isSeverError, SeverError } from '../../../core/errors.ts';
import type { ArtifactHandle } from '../../../core/model.ts';
import type { RevokeOutcome } from '../../contract.ts';
import type { OAuthClient, TokenHint } from './client.ts';
import { INTROSPECTION, RFC7009 } from './paths.ts';

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

/** A provider refusing a token type (RFC 7009 §2.2.1 unsupported_token_type) means it cannot revoke it. */
function mapUnsupported(name: string, a: ArtifactHandle, e: unknown): unknown {
  if (isSeverError(e) && e.code === 'ERR_PROVIDER_REJECTED' && e.details.error === 'unsupported_token_type') {
    return notRevocable(name, a, 'the provider answers unsupported_token_type: a self-contained token');
  }
  return e;
}

export async function revokeToken(name: string, client: OAuthClient, a: ArtifactHandle): Promise<RevokeOutcome> {
  if (!a.revocable) throw notRevocable(name, a, 'marked non-revocable');
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
    throw mapUnsupported(name, a, e);
  }
}
