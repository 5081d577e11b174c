/**
 * Lists every live trust artifact of one Keycloak user: SSO sessions, consents, offline sessions
 * and, where the server offers the lab's tokens extension, refresh and access tokens (with their
 * values, so verification can introspect and replay them). Sorted by externalId: the same
 * provider state gives the same list.
 *
 * externalIds are unique across kinds within the connector:
 *   session:{sessionId}  consent:{userId}:{clientId}  offline:{offlineSessionId}  token:{tokenId}
 */
import type { AttributeValue, DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { KcToken, KcUser, KeycloakClient } from './client.ts';

export const externalIds = {
  session: (id: string) => `session:${id}`,
  consent: (userId: string, clientId: string) => `consent:${userId}:${clientId}`,
  offline: (id: string) => `offline:${id}`,
  token: (id: string) => `token:${id}`,
};

/** The provider id inside an externalId (`session:abc` → `abc`); ids without a prefix pass through. */
export function providerId(externalId: string): string {
  const i = externalId.indexOf(':');
  return i < 0 ? externalId : externalId.slice(i + 1);
}

/** `consent:{userId}:{clientId}` → its parts (user ids are UUIDs, client ids may hold colons). */
export function parseConsentId(externalId: string): { userId: string; clientId: string } | undefined {
  const m = /^consent:([^:]+):(.+)$/.exec(externalId);
  return m ? { userId: m[1]!, clientId: m[2]! } : undefined;
}

const iso = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString());
const isoSeconds = (s: number | undefined) => iso(s === undefined ? undefined : s * 1000);

/** Resolves the subject to a Keycloak user: by id, then by exact username, then by exact email. */
export async function resolveUser(kc: KeycloakClient, subject: SubjectRef): Promise<KcUser | undefined> {
  for (const candidate of [...new Set([subject.id, subject.handle])]) {
    if (!candidate) continue;
    const byId = await kc.getUser(candidate);
    if (byId) return byId;
    const field = candidate.includes('@') ? 'email' : 'username';
    const found = (await kc.findUsers(field, candidate)).filter((u) => field === 'email' || u.username === candidate.toLowerCase());
    if (found.length === 1) return found[0];
  }
  return undefined;
}

export async function discoverKeycloak(kc: KeycloakClient, subject: SubjectRef, opts: { tokens: boolean }): Promise<DiscoveredArtifact[]> {
  const user = await resolveUser(kc, subject);
  if (!user) return [];
  const [sessions = [], consents = [], clients, tokens = []] = await Promise.all([
    kc.sessions(user.id), kc.consents(user.id), kc.clients(), opts.tokens ? kc.tokens(user.id) : Promise.resolve(undefined),
  ]);
  const base: Record<string, AttributeValue> = { userId: user.id, username: user.username };
  const uuidOf = new Map(clients.map((c) => [c.clientId, c.id]));
  const out: DiscoveredArtifact[] = [];

  const sessionIds = new Set<string>();
  for (const s of sessions) {
    sessionIds.add(s.id);
    const names = Object.values(s.clients ?? {}).sort();
    out.push({
      kind: 'idp-session', externalId: externalIds.session(s.id),
      label: `SSO session of ${user.username} (clients: ${names.join(', ') || 'none'})`,
      ...(iso(s.start) ? { issuedAt: iso(s.start)! } : {}),
      attributes: { ...base, sessionId: s.id, clients: names.join(',') },
    });
  }

  const consentClients = new Set<string>();
  for (const c of consents) {
    consentClients.add(c.clientId);
    const offline = (c.additionalGrants ?? []).some((g) => g.key === 'Offline Token');
    out.push({
      kind: 'oauth-grant', externalId: externalIds.consent(user.id, c.clientId),
      label: `consent of ${user.username} to ${c.clientId} (${(c.grantedClientScopes ?? []).join(' ') || 'no scopes'})`,
      ...(iso(c.createdDate) ? { issuedAt: iso(c.createdDate)! } : {}),
      attributes: { ...base, clientId: c.clientId, scopes: (c.grantedClientScopes ?? []).join(' '), offline },
    });
  }
  const consentOf = (clientId: string) => (consentClients.has(clientId) ? [externalIds.consent(user.id, clientId)] : []);

  // Offline sessions hang off clients the user consented to or holds offline tokens of.
  const offlineClients = [...new Set([...consentClients, ...tokens.filter((t) => t.offline).map((t) => t.clientId)])].sort();
  const offlineLists = await Promise.all(
    offlineClients.map(async (clientId) => {
      const uuid = uuidOf.get(clientId);
      return { clientId, uuid, list: uuid ? ((await kc.offlineSessions(user.id, uuid)) ?? []) : [] };
    }),
  );
  const used = new Set<string>();
  const offlineIds = new Set<string>();
  for (const { clientId, uuid, list } of offlineLists) {
    for (const o of list) {
      offlineIds.add(o.id);
      // Its refresh token (lab extension) lets verification introspect and replay it.
      const rt = tokens.find((t) => t.type === 'refresh_token' && t.offlineSessionId === o.id && t.value !== undefined && !used.has(t.id));
      if (rt) used.add(rt.id);
      out.push({
        kind: 'offline-token', externalId: externalIds.offline(o.id),
        label: `offline session of ${user.username} at ${clientId}`,
        ...(iso(o.start) ? { issuedAt: iso(o.start)! } : {}),
        ...(rt?.exp ? { expiresAt: isoSeconds(rt.exp)! } : {}),
        dependsOn: consentOf(clientId),
        attributes: { ...base, clientId, ...(uuid ? { clientUuid: uuid } : {}), offlineSessionId: o.id },
        ...(rt?.value ? { secret: rt.value } : {}),
      });
    }
  }

  for (const t of tokens) {
    if (used.has(t.id)) continue;
    out.push(tokenArtifact(t, user, base, [
      ...consentOf(t.clientId),
      ...(t.sessionId && t.expiresWithSession && sessionIds.has(t.sessionId) ? [externalIds.session(t.sessionId)] : []),
      ...(t.offlineSessionId && offlineIds.has(t.offlineSessionId) ? [externalIds.offline(t.offlineSessionId)] : []),
    ]));
  }
  return out.sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
}

function tokenArtifact(t: KcToken, user: KcUser, base: Record<string, AttributeValue>, dependsOn: string[]): DiscoveredArtifact {
  const jwt = t.format === 'jwt';
  const what = `${jwt ? 'JWT ' : ''}${t.type === 'refresh_token' ? (t.offline ? 'offline refresh token' : 'refresh token') : 'access token'}`;
  return {
    kind: t.type === 'refresh_token' ? 'refresh-token' : 'access-token',
    externalId: externalIds.token(t.id),
    label: `${what} ${t.id.slice(0, 6)}… of ${user.username} for ${t.clientId}`,
    ...(isoSeconds(t.iat) ? { issuedAt: isoSeconds(t.iat)! } : {}),
    ...(isoSeconds(t.exp) ? { expiresAt: isoSeconds(t.exp)! } : {}),
    dependsOn,
    attributes: {
      ...base, clientId: t.clientId, format: t.format, offline: t.offline === true,
      ...(t.grantId ? { grantId: t.grantId } : {}), ...(t.sessionId ? { sessionId: t.sessionId } : {}),
    },
    ...(jwt ? { revocable: false } : {}),
    ...(t.value ? { secret: t.value } : {}),
  };
}
