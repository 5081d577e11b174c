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

/** Why a refresh replay could not run: the owning client (and so its credentials) is unknown. */
export const NO_OWNER = "the owning client is unknown or Sever holds no secret for it, and a replay as another client proves nothing: name it with `incident amend <incident> --artifact <artifactId> --attribute clientId=<client>` and give that client's secret in the connector's settings.clientSecrets";

/** Why userinfo could not run for an access token. */
export const NO_USERINFO = 'no userinfo endpoint is known to call with the token: set settings.userinfoEndpoint, or an issuer whose discovery document lists one';

export interface TokenChecks {
  checks: VerifyCheck[];
  unavailable: Array<{ path: string; why: string }>;
}

/**
 * Introspection, then (only if inactive and the owner's credentials are known) a refresh replay.
 * Without the owner, only the self-report ran, and the replay is named as unavailable.
 */
export async function refreshChecks(client: OAuthClient, token: string, kind: string, owner: ClientCredentials | undefined): Promise<TokenChecks> {
  const first = await introspectionCheck(client, token, kind);
  if (first.result === 'live') return { checks: [first], unavailable: [] };
  if (!owner) return { checks: [first], unavailable: [{ path: REFRESH_REPLAY, why: NO_OWNER }] };
  const r = await client.refreshReplay(token, owner);
  const replay: VerifyCheck = {
    path: REFRESH_REPLAY, result: r.status === 200 ? 'live' : 'dead',
    observed: { status: r.status, ...(r.error ? { error: r.error } : {}), ...(r.minted !== undefined ? { minted: r.minted, mintedRevoked: r.mintedRevoked ?? false } : {}) },
  };
  return { checks: [first, replay], unavailable: [] };
}

/** Introspection and, when a userinfo endpoint is known, userinfo with the token as bearer. */
export async function accessChecks(client: OAuthClient, token: string, withUserinfo: boolean): Promise<TokenChecks> {
  const checks = [await introspectionCheck(client, token, 'access-token')];
  if (!withUserinfo) return { checks, unavailable: [{ path: USERINFO, why: NO_USERINFO }] };
  {
    const u = await client.userinfo(token);
    // 403 insufficient_scope means the token itself was accepted.
    const result = u.status === 401 ? 'dead' : 'live';
    checks.push({ path: USERINFO, result, observed: { status: u.status, ...(u.error ? { error: u.error } : {}) } });
  }
  return { checks, unavailable: [] };
}
