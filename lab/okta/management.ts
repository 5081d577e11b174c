/**
 * The management operations the lab implements, keyed by Okta's operationId. Each answers what
 * Okta answers (bodies shaped as the description's schemas; the contract check in `contract.ts`
 * proves it on every call). Lists that Okta paginates (`after`/`limit`) page here too, with
 * `Link: <…>; rel="next"`; factors and clients are not paginated in the description, so not here.
 */
import type { LabApiToken, LabFactor, LabGrant, LabToken, LabUser, OktaState } from './state.ts';

export interface OpContext {
  state: OktaState;
  base: string;
  params: Record<string, string>;
  query: Record<string, string>;
  /** The API token the caller presented. */
  caller: LabApiToken;
  pageSize: number;
}

export interface OpAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const oktaError = (status: number, errorCode: string, errorSummary: string): OpAnswer => ({
  status,
  body: { errorCode, errorSummary, errorLink: errorCode, errorId: `oae${Math.random().toString(36).slice(2, 14)}`, errorCauses: [] },
});
const notFound = (what: string) => oktaError(404, 'E0000007', `Not found: Resource not found: ${what}`);

/** One page of `items` (ordered), with Okta's cursor `after` = the last id of the previous page. */
function page<T extends { id: string }>(c: OpContext, path: string, items: T[], map: (t: T) => unknown): OpAnswer {
  const limit = Math.min(Math.max(Number(c.query.limit ?? c.pageSize) || c.pageSize, 1), 200);
  const start = c.query.after ? items.findIndex((t) => t.id === c.query.after) + 1 : 0;
  const slice = items.slice(start, start + limit);
  const links = [`<${c.base}${path}?limit=${limit}>; rel="self"`];
  if (start + limit < items.length) links.push(`<${c.base}${path}?after=${encodeURIComponent(slice[slice.length - 1]!.id)}&limit=${limit}>; rel="next"`);
  return { status: 200, body: slice.map(map), headers: { link: links.join(', ') } };
}

function userOf(c: OpContext): LabUser | undefined {
  const id = c.params.userId!;
  return id === 'me' ? c.state.users.get(c.caller.userId) : c.state.userBy(id);
}

const userBody = (c: OpContext, u: LabUser) => ({
  id: u.id, status: u.status, created: u.created, activated: u.created, statusChanged: u.created, lastLogin: null, lastUpdated: u.created, passwordChanged: u.created,
  type: { id: 'oty1labusertype0000' },
  profile: { login: u.login, email: u.email, firstName: u.firstName, lastName: u.lastName },
  credentials: { provider: { type: 'OKTA', name: 'OKTA' } },
  _links: { self: { href: `${c.base}/api/v1/users/${u.id}` } },
});

const grantBody = (c: OpContext, g: LabGrant) => ({
  id: g.id, status: 'ACTIVE', created: g.created, lastUpdated: g.created, issuer: `${c.base}/oauth2/${g.authServerId}`, clientId: g.clientId, userId: g.userId, scopeId: g.scopeId, source: 'END_USER',
});

const tokenBody = (c: OpContext, t: LabToken) => ({
  id: t.id, status: 'ACTIVE', created: t.created, lastUpdated: t.created, expiresAt: t.expiresAt, issuer: `${c.base}/oauth2/${t.authServerId}`, clientId: t.clientId, userId: t.userId, scopes: t.scopes,
});

const factorBody = (f: LabFactor) => ({ id: f.id, factorType: f.factorType, provider: f.provider, vendorName: f.provider, status: f.status, created: f.created, lastUpdated: f.created, profile: {} });

const apiTokenBody = (t: LabApiToken) => ({
  id: t.id, name: t.name, userId: t.userId, clientName: t.clientName, created: t.created, lastUpdated: t.created, expiresAt: t.expiresAt, network: { connection: 'ANYWHERE' },
});

const byCreated = <T extends { created: string; id: string }>(a: T, b: T) => (a.created === b.created ? (a.id < b.id ? -1 : 1) : a.created < b.created ? -1 : 1);

export const OPERATIONS: Record<string, (c: OpContext) => OpAnswer> = {
  getUser(c) {
    const u = userOf(c);
    return u ? { status: 200, body: userBody(c, u) } : notFound(`user ${c.params.userId}`);
  },

  listUserGrants(c) {
    const u = userOf(c);
    if (!u) return notFound('user');
    const grants = [...c.state.grants.values()].filter((g) => g.userId === u.id && !g.revoked).sort(byCreated);
    return page(c, `/api/v1/users/${u.id}/grants`, grants, (g) => grantBody(c, g));
  },

  revokeUserGrant(c) {
    const g = c.state.grants.get(c.params.grantId!);
    if (!g || g.revoked || g.userId !== userOf(c)?.id) return notFound('grant');
    g.revoked = true;
    return { status: 204 };
  },

  // An app's consent grants and refresh tokens across every user (a compromised integration).
  listScopeConsentGrants(c) {
    const grants = [...c.state.grants.values()].filter((g) => g.clientId === c.params.appId && !g.revoked).sort(byCreated);
    return { status: 200, body: grants.map((g) => grantBody(c, g)) };
  },

  listOAuth2TokensForApplication(c) {
    const tokens = [...c.state.tokens.values()].filter((t) => t.clientId === c.params.appId && t.type === 'refresh_token' && c.state.liveToken(t)).sort(byCreated);
    return page(c, `/api/v1/apps/${c.params.appId}/tokens`, tokens, (t) => tokenBody(c, t));
  },

  listUserClients(c) {
    const u = userOf(c);
    if (!u) return notFound('user');
    return {
      status: 200,
      body: c.state.clientsOf(u.id).map((cl) => ({
        client_id: cl.clientId, client_name: cl.name,
        _links: { self: { href: `${c.base}/api/v1/apps/${cl.clientId}` }, grants: { href: `${c.base}/api/v1/users/${u.id}/clients/${cl.clientId}/grants` }, tokens: { href: `${c.base}/api/v1/users/${u.id}/clients/${cl.clientId}/tokens` } },
      })),
    };
  },

  listRefreshTokensForUserAndClient(c) {
    const u = userOf(c);
    if (!u) return notFound('user');
    const tokens = [...c.state.tokens.values()].filter((t) => t.userId === u.id && t.clientId === c.params.clientId && t.type === 'refresh_token' && c.state.liveToken(t)).sort(byCreated);
    return page(c, `/api/v1/users/${u.id}/clients/${c.params.clientId}/tokens`, tokens, (t) => tokenBody(c, t));
  },

  revokeTokenForUserAndClient(c) {
    const t = c.state.tokens.get(c.params.tokenId!);
    if (!c.state.liveToken(t) || t.userId !== userOf(c)?.id || t.clientId !== c.params.clientId) return notFound('token');
    t.revoked = true;
    return { status: 204 };
  },

  listFactors(c) {
    const u = userOf(c);
    if (!u) return notFound('user');
    return { status: 200, body: [...c.state.factors.values()].filter((f) => f.userId === u.id && !f.deleted).sort(byCreated).map(factorBody) };
  },

  unenrollFactor(c) {
    const f = c.state.factors.get(c.params.factorId!);
    if (!f || f.deleted || f.userId !== userOf(c)?.id) return notFound('factor');
    f.deleted = true;
    return { status: 204 };
  },

  revokeUserSessions(c) {
    const u = userOf(c);
    if (!u) return notFound('user');
    c.state.endSessions(u.id, c.query.oauthTokens === 'true');
    return { status: 204 };
  },

  getSession(c) {
    const s = c.state.sessions.get(c.params.sessionId!);
    // The description gives this 404 no body (unlike every other 404 here): the lab follows it.
    if (!s || s.ended || Date.parse(s.expiresAt) <= c.state.now()) return { status: 404 };
    const u = c.state.users.get(s.userId)!;
    return {
      status: 200,
      body: {
        id: s.id, userId: s.userId, login: u.login, createdAt: s.createdAt, expiresAt: s.expiresAt, status: 'ACTIVE', lastPasswordVerification: s.createdAt, amr: ['pwd'],
        idp: { id: '00o1labokta000000000', type: 'OKTA' }, _links: { self: { href: `${c.base}/api/v1/sessions/${s.id}` } },
      },
    };
  },

  listApiTokens(c) {
    return { status: 200, body: [...c.state.apiTokens.values()].filter((t) => !t.revoked && Date.parse(t.expiresAt) > c.state.now()).sort(byCreated).map(apiTokenBody) };
  },

  revokeApiToken(c) {
    const t = c.state.apiTokens.get(c.params.apiTokenId!);
    if (!t || t.revoked) return notFound('API token');
    t.revoked = true;
    return { status: 204 };
  },

  /** System Log, bounded queries only (`until` given): the filter forms `field eq "value"` joined by `and`. */
  listLogEvents(c) {
    const since = c.query.since ? Date.parse(c.query.since) : c.state.now() - 7 * 86_400_000;
    const until = c.query.until ? Date.parse(c.query.until) : c.state.now();
    const clauses = [...(c.query.filter ?? '').matchAll(/([\w.]+) eq "([^"]*)"/g)].map((m) => [m[1]!, m[2]!] as const);
    const field = (e: (typeof c.state.log)[number], name: string) => (name === 'eventType' ? e.eventType : name === 'actor.id' ? e.actorId : name === 'authenticationContext.externalSessionId' ? e.sessionId : undefined);
    const events = c.state.log
      .filter((e) => Date.parse(e.published) >= since && Date.parse(e.published) <= until && clauses.every(([k, v]) => field(e, k) === v))
      .map((e) => ({ ...e, id: e.uuid, created: e.published }));
    return page(c, '/api/v1/logs', events, (e) => ({
      uuid: e.uuid, published: e.published, eventType: e.eventType, version: '0', severity: 'INFO', displayMessage: 'User login to Okta', legacyEventType: 'core.user_auth.login_success',
      actor: { id: e.actorId, type: 'User', alternateId: e.actorLogin, displayName: e.actorLogin },
      authenticationContext: { externalSessionId: e.sessionId, authenticationStep: 0 },
      outcome: { result: 'SUCCESS' },
    }));
  },
};
