/**
 * Observes an artifact through paths other than the delete that revoked it:
 *   idp-session    session lookup of every known session id + re-list of the user's refresh tokens
 *                  across clients (ending the sessions with oauthTokens=true must have killed them)
 *   oauth-grant    re-list of the user's grants
 *   refresh-token  re-list of the client's tokens; with the token value and its client's secret,
 *                  RFC 7662 introspection (self-report) and, when inactive, a refresh replay as the
 *                  owning client (replay: a working replay's tokens are revoked at once)
 *   mfa-factor     re-list of the user's factors
 *   api-key        re-list of the API tokens; with the token value, a management call made with it
 *                  (`GET /api/v1/users/me`: 401 = dead)
 * Paths that cannot run are named in `unavailable` with what they need. Never deletes anything.
 */
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import { refreshChecks, verdictOf } from '../shared/oauth/token-checks.ts';
import type { ClientCredentials, OktaClient } from './client.ts';
import { providerId } from './discover.ts';
import { INTROSPECTION, REFRESH_REPLAY, RELIST_API_TOKENS, RELIST_FACTORS, RELIST_GRANTS, RELIST_SESSIONS, RELIST_TOKENS, RELIST_USER_TOKENS, SSWS_REPLAY } from './manifest.ts';
import { need, sessionIdsOf, str } from './revoke.ts';

export interface VerifyDeps {
  name: string;
  okta: OktaClient;
  owner(clientId: string): Promise<ClientCredentials | undefined>;
}

type Unavailable = Array<{ path: string; why: string }>;

const relist = (path: string, listed: boolean, observed: Record<string, unknown>): VerifyCheck => ({ path, result: listed ? 'live' : 'dead', observed: { listed, ...observed } });

const AMEND_VALUE = 'Okta never returns token values: give it to the artifact with `incident amend <incident> --artifact <artifactId> --value-file <file>`';

async function verifySessions(d: VerifyDeps, a: ArtifactHandle): Promise<{ checks: VerifyCheck[]; unavailable: Unavailable }> {
  const userId = need(d.name, a, 'userId');
  const ids = sessionIdsOf(a);
  const [found, clients = []] = await Promise.all([Promise.all(ids.map((id) => d.okta.session(id))), d.okta.clients(userId)]);
  const tokens = (await Promise.all(clients.map(async (c) => ((await d.okta.refreshTokens(userId, c.clientId)) ?? []).length))).reduce((x, y) => x + y, 0);
  const live = found.filter(Boolean).length;
  const checks: VerifyCheck[] = [];
  if (ids.length > 0) checks.push(relist(RELIST_SESSIONS, live > 0, { sessions: ids.length, active: live }));
  checks.push(relist(RELIST_USER_TOKENS, tokens > 0, { refreshTokens: tokens, clients: clients.length }));
  const unavailable = ids.length > 0 ? [] : [{ path: RELIST_SESSIONS, why: 'no session id is known for this artifact: add `--attribute sessionIds=<id,…>` (from the System Log, authenticationContext.externalSessionId)' }];
  return { checks, unavailable };
}

async function verifyRefreshToken(d: VerifyDeps, a: ArtifactHandle): Promise<{ checks: VerifyCheck[]; unavailable: Unavailable }> {
  const userId = need(d.name, a, 'userId');
  const clientId = need(d.name, a, 'clientId');
  const tokenId = str(a.attributes.tokenId) ?? providerId(a.externalId);
  const listed = (await d.okta.refreshTokens(userId, clientId)) ?? [];
  const checks = [relist(RELIST_TOKENS, listed.some((t) => t.id === tokenId), { tokens: listed.length })];
  if (!a.secret) return { checks, unavailable: [{ path: INTROSPECTION, why: AMEND_VALUE }, { path: REFRESH_REPLAY, why: AMEND_VALUE }] };
  const owner = await d.owner(clientId);
  if (!owner) {
    const why = `Sever holds no secret for the owning client ${clientId} (Okta introspects and refreshes a token only as that client): add settings.clientSecrets.${clientId}: env:NAME or file:/path`;
    return { checks, unavailable: [{ path: INTROSPECTION, why }, { path: REFRESH_REPLAY, why }] };
  }
  const r = await refreshChecks(d.okta.authServer(str(a.attributes.authServerId) ?? 'default', owner), a.secret, a.kind, owner);
  return { checks: [...checks, ...r.checks], unavailable: r.unavailable };
}

async function verifyApiToken(d: VerifyDeps, a: ArtifactHandle): Promise<{ checks: VerifyCheck[]; unavailable: Unavailable }> {
  const id = str(a.attributes.apiTokenId) ?? providerId(a.externalId);
  const all = await d.okta.apiTokens();
  const checks = [relist(RELIST_API_TOKENS, all.some((t) => t.id === id), {})];
  if (!a.secret) return { checks, unavailable: [{ path: SSWS_REPLAY, why: AMEND_VALUE }] };
  const r = await d.okta.sswsReplay(a.secret);
  checks.push({ path: SSWS_REPLAY, result: r.status === 200 ? 'live' : 'dead', observed: { status: r.status, ...(r.errorCode ? { errorCode: r.errorCode } : {}) } });
  return { checks, unavailable: [] };
}

export async function verifyOkta(d: VerifyDeps, a: ArtifactHandle): Promise<VerifyObservation> {
  let r: { checks: VerifyCheck[]; unavailable: Unavailable };
  switch (a.kind) {
    case 'idp-session':
      r = await verifySessions(d, a);
      break;
    case 'oauth-grant': {
      const userId = need(d.name, a, 'userId');
      const grantId = str(a.attributes.grantId) ?? providerId(a.externalId);
      const grants = (await d.okta.grants(userId)) ?? [];
      r = { checks: [relist(RELIST_GRANTS, grants.some((g) => g.id === grantId), { grants: grants.length })], unavailable: [] };
      break;
    }
    case 'refresh-token':
      r = await verifyRefreshToken(d, a);
      break;
    case 'mfa-factor': {
      const userId = need(d.name, a, 'userId');
      const factorId = str(a.attributes.factorId) ?? providerId(a.externalId);
      const factors = (await d.okta.factors(userId)) ?? [];
      r = { checks: [relist(RELIST_FACTORS, factors.some((f) => f.id === factorId), { factors: factors.length })], unavailable: [] };
      break;
    }
    case 'api-key':
      r = await verifyApiToken(d, a);
      break;
    default:
      throw new SeverError('ERR_INPUT_INVALID', `${d.name}: the okta connector does not handle ${a.kind}`, { details: { connector: d.name, kind: a.kind } });
  }
  return { verdict: verdictOf(r.checks), checks: r.checks, ...(r.unavailable.length ? { unavailable: r.unavailable } : {}) };
}
