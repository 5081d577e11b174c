/**
 * Proves a token dead without using the revocation path: RFC 7662 introspection first; for a
 * refresh token that introspects inactive, a replay at the token endpoint as its owning client
 * must answer invalid_grant (a token that still introspects active is never replayed: that would
 * use it); for an access token, userinfo with it as bearer must answer 401.
 */
import type { Verdict, VerifyCheck } from '../../contract.ts';
import type { ClientCredentials, OAuthClient } from './client.ts';
import { INTROSPECTION, REFRESH_REPLAY, USERINFO } from './paths.ts';
import { hintFor } from './revoke-token.ts';

export function verdictOf(checks: VerifyCheck[]): Verdict {
  if (checks.some((c) => c.result === 'live')) return 'live';
  if (checks.length > 0 && checks.every((c) => c.result === 'expired')) return 'expired';
  return 'dead';
}

export async function introspectionCheck(client: OAuthClient, token: string, kind: string): Promise<VerifyCheck> {
  const i = await client.introspect(token, hintFor(kind));
  return { path: INTROSPECTION, result: i.active ? 'live' : 'dead', observed: { status: i.status, active: i.active } };
}

/** Introspection, then (only if inactive and the owner's credentials are known) a refresh replay. */
export async function refreshChecks(client: OAuthClient, token: string, kind: string, owner: ClientCredentials | undefined): Promise<VerifyCheck[]> {
  const first = await introspectionCheck(client, token, kind);
  if (first.result === 'live' || !owner) return [first];
  const r = await client.refreshReplay(token, owner);
  const replay: VerifyCheck = { path: REFRESH_REPLAY, result: r.status === 200 ? 'live' : 'dead', observed: { status: r.status, ...(r.error ? { error: r.error } : {}) } };
  return [first, replay];
}

/** Introspection and, when a userinfo endpoint is known, userinfo with the token as bearer. */
export async function accessChecks(client: OAuthClient, token: string, withUserinfo: boolean): Promise<VerifyCheck[]> {
  const checks = [await introspectionCheck(client, token, 'access-token')];
  if (withUserinfo) {
    const u = await client.userinfo(token);
    // 403 insufficient_scope means the token itself was accepted.
    const result = u.status === 401 ? 'dead' : 'live';
    checks.push({ path: USERINFO, result, observed: { status: u.status, ...(u.error ? { error: u.error } : {}) } });
  }
  return checks;
}
