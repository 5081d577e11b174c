/**
 * The Keycloak-shaped admin REST API, mounted at `/admin/realms/{realm}`. Bearer `adminToken`.
 *
 *   GET    /users?username=|email=&exact=&first=&max=   UserRepresentation[] (max defaults to 100, as Keycloak's)
 *   GET    /users/{id}                       UserRepresentation | 404
 *   GET    /users/{id}/sessions              UserSessionRepresentation[] (SSO sessions)
 *   GET    /users/{id}/offline-sessions/{clientUuid}   UserSessionRepresentation[] (offline)
 *   GET    /users/{id}/consents              consent representations (per client)
 *   DELETE /users/{id}/consents/{clientId}   204 | 404: consent + its offline/refresh/access tokens
 *   POST   /users/{id}/logout                204: ends every SSO session; offline tokens survive
 *   DELETE /sessions/{id}[?isOffline=true]   204 | 404
 *   GET    /clients[?clientId=]              ClientRepresentation[]
 *   GET    /users/{id}/tokens                LAB EXTENSION: stored refresh/access tokens (Keycloak
 *                                            has no such endpoint; tokens are never listable there)
 *
 * Deletes are idempotent the Keycloak way: the second call answers 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Directory, LabClient, LabUser } from './directory.ts';
import type { Faults } from './faults.ts';
import { bearerOf, send } from './http.ts';
import type { Operations } from './operations.ts';
import type { StoredRecord } from './store.ts';

export interface AdminContext {
  adminToken: () => string;
  directory: Directory;
  clients: LabClient[];
  ops: Operations;
  faults: Faults;
  /** Runs `fn` after `ms` (delayed application); the lab cancels pending ones on close. */
  schedule(fn: () => Promise<void>, ms: number): void;
}

const userRep = (u: LabUser) => ({
  id: u.id, username: u.username, email: u.email, emailVerified: true, enabled: u.enabled, createdTimestamp: u.createdTimestamp,
  totp: false, requiredActions: [], notBefore: 0,
});

export async function handleAdmin(ctx: AdminContext, req: IncomingMessage, res: ServerResponse, rawPath: string, query: URLSearchParams): Promise<void> {
  // Keycloak answers with or without a trailing slash; its own admin client asks `/users/?…`.
  const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
  if (bearerOf(req) !== ctx.adminToken()) return send(res, 401, { error: 'HTTP 401 Unauthorized' });
  const method = req.method ?? 'GET';
  const uuidOf = (clientId: string) => ctx.clients.find((c) => c.clientId === clientId)?.uuid ?? clientId;
  const clientsOf = (ids: string[]) => Object.fromEntries(ids.map((id) => [uuidOf(id), id]));
  const sessionRep = (u: LabUser, s: StoredRecord) => ({
    id: String(s.payload.uid), username: u.username, userId: u.id, ipAddress: '127.0.0.1',
    start: Number(s.payload.loginTs ?? s.payload.iat) * 1000, lastAccess: Number(s.payload.iat) * 1000,
    rememberMe: false, clients: clientsOf(Object.keys((s.payload.authorizations ?? {}) as object)), transientUser: false,
  });
  const offlineRep = (u: LabUser, g: StoredRecord) => ({
    id: g.id, username: u.username, userId: u.id, ipAddress: '127.0.0.1', start: Number(g.payload.iat) * 1000,
    lastAccess: Number(g.payload.iat) * 1000, rememberMe: false, clients: clientsOf([String(g.payload.clientId)]), transientUser: false,
  });
  const mutate = async (apply: () => Promise<unknown>) => {
    const mode = ctx.faults.mutation();
    if (mode === 'ack-only') return;
    if (mode === 'apply') {
      await apply();
      return;
    }
    ctx.schedule(async () => void (await apply()), mode.delayMs);
  };

  let m: RegExpExecArray | null;
  if (method === 'GET' && path === '/users') {
    const exact = query.get('exact') === 'true';
    const match = (value: string, q: string | null) => q === null || (exact ? value === q.toLowerCase() : value.includes(q.toLowerCase()));
    const users = ctx.directory.all().filter((u) => match(u.username, query.get('username') ?? query.get('search')) && match(u.email, query.get('email')));
    const first = Number(query.get('first') ?? 0);
    const max = Number(query.get('max') ?? 100);
    return send(res, 200, users.slice(first, first + max).map(userRep));
  }
  if (method === 'GET' && path === '/clients') {
    const clientId = query.get('clientId');
    const list = ctx.clients.filter((c) => !clientId || c.clientId === clientId);
    return send(res, 200, list.map((c) => ({ id: c.uuid, clientId: c.clientId, name: c.name, enabled: true, publicClient: false, protocol: 'openid-connect' })));
  }
  if ((m = /^\/sessions\/([^/]+)$/.exec(path)) && method === 'DELETE') {
    const id = decodeURIComponent(m[1]!);
    if (query.get('isOffline') === 'true') {
      const g = ctx.ops.offlineSessionById(id);
      if (!g) return send(res, 404, { error: 'Session not found' });
      await mutate(async () => ctx.ops.revokeGrant(g.id));
      return send(res, 204);
    }
    const s = ctx.ops.sessionByUid(id);
    if (!s) return send(res, 404, { error: 'Session not found' });
    await mutate(async () => {
      const again = ctx.ops.sessionByUid(id);
      if (again) await ctx.ops.endSession(again);
    });
    return send(res, 204);
  }
  if (!(m = /^\/users\/([^/]+)(\/.*)?$/.exec(path))) return send(res, 404, { error: 'Not Found' });
  const user = ctx.directory.byId(decodeURIComponent(m[1]!));
  if (!user) return send(res, 404, { error: 'User not found' });
  const rest = m[2] ?? '';

  if (method === 'GET' && rest === '') return send(res, 200, userRep(user));
  if (method === 'GET' && rest === '/sessions') {
    return send(res, 200, ctx.ops.sessionsOf(user.id).map((s) => sessionRep(user, s)));
  }
  if (method === 'GET' && (m = /^\/offline-sessions\/([^/]+)$/.exec(rest))) {
    const key = decodeURIComponent(m[1]!);
    const client = ctx.clients.find((c) => c.uuid === key || c.clientId === key);
    if (!client) return send(res, 404, { error: 'Client not found' });
    return send(res, 200, ctx.ops.offlineSessionsOf(user.id, client.clientId).map((g) => offlineRep(user, g)));
  }
  if (method === 'GET' && rest === '/consents') {
    const byClient = new Map<string, StoredRecord[]>();
    for (const g of ctx.ops.grantsOf(user.id)) {
      const list = byClient.get(String(g.payload.clientId)) ?? [];
      list.push(g);
      byClient.set(String(g.payload.clientId), list);
    }
    const offline = new Set(ctx.ops.offlineSessionsOf(user.id).map((g) => String(g.payload.clientId)));
    const out = [...byClient].map(([clientId, grants]) => {
      const scopes = new Set<string>();
      for (const g of grants) for (const s of String((g.payload.openid as { scope?: string } | undefined)?.scope ?? '').split(' ')) if (s) scopes.add(s);
      const iats = grants.map((g) => Number(g.payload.iat) * 1000);
      return {
        clientId, grantedClientScopes: [...scopes].sort(), createdDate: Math.min(...iats), lastUpdatedDate: Math.max(...iats),
        additionalGrants: offline.has(clientId) ? [{ client: clientId, key: 'Offline Token' }] : [],
      };
    });
    return send(res, 200, out);
  }
  if (method === 'DELETE' && (m = /^\/consents\/([^/]+)$/.exec(rest))) {
    const clientId = decodeURIComponent(m[1]!);
    const has = ctx.ops.grantsOf(user.id, clientId).length > 0 || ctx.ops.sessionsOf(user.id).some((s) => clientId in ((s.payload.authorizations ?? {}) as object));
    if (!has) return send(res, 404, { error: 'Consent nor offline token not found' });
    await mutate(() => ctx.ops.revokeConsent(user.id, clientId));
    return send(res, 204);
  }
  if (method === 'POST' && rest === '/logout') {
    await mutate(async () => {
      for (const s of ctx.ops.sessionsOf(user.id)) await ctx.ops.endSession(s);
    });
    return send(res, 204);
  }
  if (method === 'GET' && rest === '/tokens') {
    const tokens = ctx.ops.tokensOf(user.id).map((t) => ({ ...t, clientUuid: uuidOf(t.clientId) }));
    return send(res, 200, tokens);
  }
  return send(res, 404, { error: 'Not Found' });
}
