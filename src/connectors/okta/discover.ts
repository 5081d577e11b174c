/**
 * Lists every live trust artifact of one Okta user: the user's Okta sessions (one artifact, from
 * the System Log's `user.session.start` events confirmed by a session lookup), consent grants,
 * refresh tokens of every client, enrolled factors (issuedAt = enrollment, for the policy's
 * `issued: after-compromise`) and the SSWS API tokens the user created. Sorted by externalId: the
 * same org state gives the same list. Okta never returns token values: refresh tokens and API
 * tokens are discovered without a secret (`incident amend --value-file` adds one).
 *
 * externalIds: sessions:{userId}  grant:{grantId}  token:{tokenId}  factor:{factorId}  api-token:{id}
 */
import type { AttributeValue, DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import { authServerOf, type OktaClient, type OktaSession, type OktaUser } from './client.ts';

export const externalIds = {
  sessions: (userId: string) => `sessions:${userId}`,
  grant: (id: string) => `grant:${id}`,
  token: (id: string) => `token:${id}`,
  factor: (id: string) => `factor:${id}`,
  apiToken: (id: string) => `api-token:${id}`,
};

/** The provider id inside an externalId (`grant:abc` → `abc`). */
export function providerId(externalId: string): string {
  const i = externalId.indexOf(':');
  return i < 0 ? externalId : externalId.slice(i + 1);
}

/** Resolves the subject to an Okta user: the id, then the handle, each as id or login (resolved once per call). */
export async function resolveUser(okta: OktaClient, subject: SubjectRef): Promise<OktaUser | undefined> {
  for (const candidate of [...new Set([subject.id, subject.handle])]) {
    if (!candidate || candidate === 'me') continue;
    const u = await okta.getUser(candidate);
    if (u) return u;
  }
  return undefined;
}

/** The user's live Okta sessions: ids from the System Log in [now - lookback, now], each looked up. */
export async function liveSessions(okta: OktaClient, userId: string, now: number, lookbackMs: number): Promise<OktaSession[]> {
  const ids = await okta.sessionStarts(userId, new Date(now - lookbackMs).toISOString(), new Date(now).toISOString());
  const found = await Promise.all(ids.map((id) => okta.session(id)));
  return found.filter((s): s is OktaSession => s !== undefined);
}

export interface DiscoverOptions {
  now: number;
  sessionLookbackMs: number;
}

/**
 * A compromised integration (`subject.type === 'integration'`, id = the app's client id): its
 * consent grants and refresh tokens for every user, each naming the user it acts for.
 */
async function discoverIntegration(okta: OktaClient, appId: string): Promise<DiscoveredArtifact[]> {
  const [grants = [], tokens = []] = await Promise.all([okta.appGrants(appId), okta.appTokens(appId)]);
  const out: DiscoveredArtifact[] = [];
  const grantIds = new Map<string, string[]>();
  for (const g of grants) {
    const authServerId = authServerOf(g.issuer) ?? 'default';
    const key = `${g.userId} ${authServerId}`;
    grantIds.set(key, [...(grantIds.get(key) ?? []), externalIds.grant(g.id)]);
    out.push({
      kind: 'oauth-grant', externalId: externalIds.grant(g.id), label: `consent of user ${g.userId} to ${appId} for ${g.scopeId}`,
      ...(g.created ? { issuedAt: g.created } : {}),
      attributes: { userId: g.userId, actsFor: g.userId, grantId: g.id, clientId: g.clientId, scopeId: g.scopeId, authServerId },
    });
  }
  for (const t of tokens) {
    const authServerId = authServerOf(t.issuer) ?? 'default';
    out.push({
      kind: 'refresh-token', externalId: externalIds.token(t.id), label: `refresh token ${t.id.slice(0, 8)}… of ${appId} acting for user ${t.userId}`,
      ...(t.created ? { issuedAt: t.created } : {}), ...(t.expiresAt ? { expiresAt: t.expiresAt } : {}),
      dependsOn: grantIds.get(`${t.userId} ${authServerId}`) ?? [],
      attributes: { userId: t.userId, actsFor: t.userId, tokenId: t.id, clientId: t.clientId, authServerId, scopes: t.scopes.join(' ') },
    });
  }
  return out.sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
}

export async function discoverOkta(okta: OktaClient, subject: SubjectRef, o: DiscoverOptions): Promise<DiscoveredArtifact[]> {
  if (subject.type === 'integration') return discoverIntegration(okta, subject.id);
  const user = await resolveUser(okta, subject);
  if (!user) return [];
  const base: Record<string, AttributeValue> = { userId: user.id, login: user.login };
  const [sessions, grants = [], clients = [], factors = [], apiTokens] = await Promise.all([
    liveSessions(okta, user.id, o.now, o.sessionLookbackMs), okta.grants(user.id), okta.clients(user.id), okta.factors(user.id), okta.apiTokens(),
  ]);
  const tokensByClient = await Promise.all(clients.map(async (c) => ({ client: c, tokens: (await okta.refreshTokens(user.id, c.clientId)) ?? [] })));
  const out: DiscoveredArtifact[] = [];

  if (sessions.length > 0) {
    const ids = sessions.map((s) => s.id).sort();
    const first = sessions.map((s) => s.createdAt).filter((x): x is string => x !== undefined).sort()[0];
    const last = sessions.map((s) => s.expiresAt).filter((x): x is string => x !== undefined).sort().at(-1);
    out.push({
      kind: 'idp-session', externalId: externalIds.sessions(user.id),
      label: `Okta sessions of ${user.login} (${ids.length})`,
      ...(first ? { issuedAt: first } : {}), ...(last ? { expiresAt: last } : {}),
      attributes: { ...base, sessionIds: ids.join(','), sessions: ids.length },
    });
  }

  const grantIds = new Map<string, string[]>();
  for (const g of grants) {
    const authServerId = authServerOf(g.issuer) ?? 'default';
    grantIds.set(`${g.clientId} ${authServerId}`, [...(grantIds.get(`${g.clientId} ${authServerId}`) ?? []), externalIds.grant(g.id)]);
    out.push({
      kind: 'oauth-grant', externalId: externalIds.grant(g.id),
      label: `consent of ${user.login} to ${g.clientId} for ${g.scopeId}`,
      ...(g.created ? { issuedAt: g.created } : {}),
      attributes: { ...base, grantId: g.id, clientId: g.clientId, scopeId: g.scopeId, authServerId },
    });
  }

  for (const { client, tokens } of tokensByClient) {
    for (const t of tokens) {
      const authServerId = authServerOf(t.issuer) ?? 'default';
      out.push({
        kind: 'refresh-token', externalId: externalIds.token(t.id),
        label: `refresh token ${t.id.slice(0, 8)}… of ${user.login} for ${client.name}`,
        ...(t.created ? { issuedAt: t.created } : {}), ...(t.expiresAt ? { expiresAt: t.expiresAt } : {}),
        dependsOn: grantIds.get(`${t.clientId} ${authServerId}`) ?? [],
        attributes: { ...base, tokenId: t.id, clientId: t.clientId, authServerId, scopes: t.scopes.join(' ') },
      });
    }
  }

  for (const f of factors) {
    out.push({
      kind: 'mfa-factor', externalId: externalIds.factor(f.id),
      label: `${f.factorType} factor (${f.provider}) of ${user.login}, ${f.status.toLowerCase()}`,
      ...(f.created ? { issuedAt: f.created } : {}),
      attributes: { ...base, factorId: f.id, factorType: f.factorType, provider: f.provider, status: f.status },
    });
  }

  for (const t of apiTokens.filter((x) => x.userId === user.id)) {
    out.push({
      kind: 'api-key', externalId: externalIds.apiToken(t.id),
      label: `SSWS API token "${t.name}" of ${user.login}`,
      ...(t.created ? { issuedAt: t.created } : {}), ...(t.expiresAt ? { expiresAt: t.expiresAt } : {}),
      attributes: { ...base, apiTokenId: t.id, name: t.name, clientName: t.clientName },
    });
  }
  return out.sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
}
