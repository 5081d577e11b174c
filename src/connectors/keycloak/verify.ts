/**
 * Observes an artifact through paths other than the one that revoked it; never mutates.
 *   idp-session    admin re-list of the user's sessions + introspection of the tokens bound to it
 *   oauth-grant    admin re-list of consents + of the client's tokens (lab extension) + their introspection
 *   offline-token  admin re-list of offline sessions + introspection, then refresh replay (invalid_grant)
 *   refresh-token  introspection, then (only when inactive) refresh replay as the owning client
 *   access-token   introspection + userinfo (401); a JWT: the resource server + its exp (`expired`
 *                  only once past exp AND refused; before exp it is `live`, it cannot be revoked)
 */
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import type { ClientCredentials, KcToken, KeycloakClient } from './client.ts';
import { parseConsentId, providerId } from './discover.ts';
import { INTROSPECTION, REFRESH_REPLAY, RELIST_CONSENTS, RELIST_OFFLINE, RELIST_SESSIONS, RELIST_TOKENS, RESOURCE_SERVER } from './manifest.ts';
import { valueRequired } from './revoke.ts';
import { accessChecks, refreshChecks, verdictOf, type TokenChecks } from '../shared/oauth/token-checks.ts';

export { verdictOf };

/** Bounds the introspection fan-out of one verification (the re-list already covers the rest). */
const MAX_INTROSPECT = 20;

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export interface VerifyDeps {
  name: string;
  kc: KeycloakClient;
  now(): number;
  tokensExtension: boolean;
  owner(clientId: string | undefined): Promise<ClientCredentials | undefined>;
}

function userOf(d: VerifyDeps, a: ArtifactHandle): string {
  const userId = str(a.attributes.userId) ?? parseConsentId(a.externalId)?.userId ?? a.subjectId;
  if (!userId) throw new SeverError('ERR_INPUT_INVALID', `${d.name}: ${a.kind} ${a.externalId} does not name its user`, { details: { connector: d.name, externalId: a.externalId } });
  return userId;
}

const relist = (path: string, listed: boolean, observed: Record<string, unknown>): VerifyCheck => ({ path, result: listed ? 'live' : 'dead', observed: { status: 200, listed, ...observed } });

/** Introspects the given tokens (opaque ones with a value); one aggregated check, or none. */
async function introspectAll(d: VerifyDeps, tokens: KcToken[]): Promise<VerifyCheck[]> {
  const probe = tokens.filter((t) => t.format === 'opaque' && t.value).slice(0, MAX_INTROSPECT);
  if (probe.length === 0) return [];
  const results = await Promise.all(probe.map((t) => d.kc.oauth.introspect(t.value!, t.type)));
  const active = results.filter((r) => r.active).length;
  return [{ path: INTROSPECTION, result: active > 0 ? 'live' : 'dead', observed: { status: 200, tokens: probe.length, active } }];
}

async function listedTokens(d: VerifyDeps, userId: string): Promise<KcToken[] | undefined> {
  return d.tokensExtension ? d.kc.tokens(userId) : undefined;
}

async function verifySession(d: VerifyDeps, a: ArtifactHandle): Promise<VerifyCheck[]> {
  const userId = userOf(d, a);
  const id = str(a.attributes.sessionId) ?? providerId(a.externalId);
  const [sessions = [], tokens = []] = await Promise.all([d.kc.sessions(userId), listedTokens(d, userId)]);
  const checks = [relist(RELIST_SESSIONS, sessions.some((s) => s.id === id), { sessions: sessions.length })];
  return [...checks, ...(await introspectAll(d, tokens.filter((t) => t.sessionId === id && t.expiresWithSession)))];
}

async function verifyConsent(d: VerifyDeps, a: ArtifactHandle): Promise<VerifyCheck[]> {
  const userId = userOf(d, a);
  const clientId = str(a.attributes.clientId) ?? parseConsentId(a.externalId)?.clientId;
  const [consents = [], tokens] = await Promise.all([d.kc.consents(userId), listedTokens(d, userId)]);
  const checks = [relist(RELIST_CONSENTS, consents.some((c) => c.clientId === clientId), {})];
  if (tokens === undefined) return checks;
  const mine = tokens.filter((t) => t.clientId === clientId && t.format === 'opaque');
  checks.push(relist(RELIST_TOKENS, mine.length > 0, { tokens: mine.length }));
  return [...checks, ...(await introspectAll(d, mine))];
}

async function verifyOffline(d: VerifyDeps, a: ArtifactHandle): Promise<TokenChecks> {
  const userId = userOf(d, a);
  const clientId = str(a.attributes.clientId);
  const id = str(a.attributes.offlineSessionId) ?? providerId(a.externalId);
  const uuid = str(a.attributes.clientUuid) ?? (await d.kc.clients()).find((c) => c.clientId === clientId)?.id;
  const checks: VerifyCheck[] = [];
  if (uuid) {
    const list = (await d.kc.offlineSessions(userId, uuid)) ?? [];
    checks.push(relist(RELIST_OFFLINE, list.some((o) => o.id === id), { sessions: list.length }));
  }
  if (!a.secret) {
    if (checks.length === 0) throw valueRequired(d.name, a, 'verification (no client to re-list and no token)');
    return { checks, unavailable: [{ path: REFRESH_REPLAY, why: 'the offline token itself is not held: give it to the artifact with `incident amend <incident> --artifact <artifactId> --value-file <file>`' }] };
  }
  const r = await refreshChecks(d.kc.oauth, a.secret, a.kind, await d.owner(clientId));
  return { checks: [...checks, ...r.checks], unavailable: r.unavailable };
}

/** A JWS compact serialization (header.payload.signature with a JSON header naming an alg). */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  try {
    return typeof (JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

function jwtExp(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

async function verifyJwt(d: VerifyDeps, a: ArtifactHandle, token: string): Promise<VerifyCheck[]> {
  const exp = jwtExp(token) ?? (a.expiresAt ? Date.parse(a.expiresAt) : undefined);
  const r = await d.kc.resourceServer(token);
  const pastExp = exp !== undefined && d.now() >= exp;
  const refused = r.status === 401;
  return [{
    path: RESOURCE_SERVER,
    result: refused && pastExp ? 'expired' : 'live',
    observed: { status: r.status, ...(r.error ? { error: r.error } : {}), pastExp, ...(exp !== undefined ? { exp: new Date(exp).toISOString() } : {}) },
  }];
}

export async function verifyKeycloak(d: VerifyDeps, a: ArtifactHandle): Promise<VerifyObservation> {
  let r: TokenChecks;
  switch (a.kind) {
    case 'idp-session':
      r = { checks: await verifySession(d, a), unavailable: [] };
      break;
    case 'oauth-grant':
      r = { checks: await verifyConsent(d, a), unavailable: [] };
      break;
    case 'offline-token':
      r = await verifyOffline(d, a);
      break;
    case 'refresh-token':
      if (!a.secret) throw valueRequired(d.name, a, 'verification');
      r = await refreshChecks(d.kc.oauth, a.secret, a.kind, await d.owner(str(a.attributes.clientId)));
      break;
    case 'access-token':
      if (!a.secret) throw valueRequired(d.name, a, 'verification');
      r = a.attributes.format === 'jwt' || (a.attributes.format === undefined && looksLikeJwt(a.secret))
        ? { checks: await verifyJwt(d, a, a.secret), unavailable: [] }
        : await accessChecks(d.kc.oauth, a.secret, true);
      break;
    default:
      throw new SeverError('ERR_INPUT_INVALID', `${d.name}: the keycloak connector does not handle ${a.kind}`, { details: { connector: d.name, kind: a.kind } });
  }
  return { verdict: verdictOf(r.checks), checks: r.checks, ...(r.unavailable.length ? { unavailable: r.unavailable } : {}) };
}
