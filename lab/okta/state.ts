/**
 * The simulated Okta org's state: users, Okta sessions (with their System Log `user.session.start`
 * events), OAuth clients of one or more custom authorization servers, consent grants, refresh and
 * access tokens, enrolled factors and SSWS API tokens. Plain data and the few mutations the
 * handlers need; ids look like Okta's (`00u…`, `102…`, `oar…`, `mfa…`, `00T…`).
 *
 * Semantics kept from Okta:
 * - ending a user's sessions (`DELETE /users/{id}/sessions`) revokes their OAuth tokens only with
 *   `oauthTokens=true` (default false), and never their SSWS API tokens;
 * - a revoked grant, token, factor or API token disappears from its list and its GET answers 404;
 * - a token introspects active only to the client it was issued to.
 */
import { randomBytes } from 'node:crypto';

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** An Okta-looking id: a three-character prefix and 17 more characters. */
export function oktaId(prefix: string): string {
  const bytes = randomBytes(17);
  return prefix + [...bytes].map((b) => ALPHA[b % ALPHA.length]).join('');
}
export const secretValue = (bytes = 32) => randomBytes(bytes).toString('base64url');

export interface LabUser { id: string; login: string; email: string; firstName: string; lastName: string; status: 'ACTIVE'; created: string }
export interface LabSession { id: string; userId: string; createdAt: string; expiresAt: string; ended: boolean }
export interface LabClient { clientId: string; clientSecret: string; name: string }
export interface LabGrant { id: string; userId: string; clientId: string; scopeId: string; authServerId: string; created: string; revoked: boolean }
export interface LabToken {
  id: string;
  value: string;
  type: 'refresh_token' | 'access_token';
  userId: string;
  clientId: string;
  authServerId: string;
  scopes: string[];
  sessionId?: string;
  created: string;
  expiresAt: string;
  revoked: boolean;
}
export interface LabFactor { id: string; userId: string; factorType: 'token:software:totp' | 'sms' | 'push' | 'email'; provider: 'OKTA' | 'GOOGLE'; status: 'ACTIVE'; created: string; deleted: boolean }
export interface LabApiToken { id: string; value: string; userId: string; name: string; clientName: string; created: string; expiresAt: string; revoked: boolean }
export interface LabLogEvent { uuid: string; published: string; eventType: string; actorId: string; actorLogin: string; sessionId: string }

export class OktaState {
  readonly users = new Map<string, LabUser>();
  readonly sessions = new Map<string, LabSession>();
  readonly clients = new Map<string, LabClient>();
  readonly grants = new Map<string, LabGrant>();
  readonly tokens = new Map<string, LabToken>();
  readonly factors = new Map<string, LabFactor>();
  readonly apiTokens = new Map<string, LabApiToken>();
  readonly log: LabLogEvent[] = [];
  readonly authServers = new Set(['default']);
  readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  #iso(offsetMs = 0): string {
    return new Date(this.now() + offsetMs).toISOString();
  }

  user(login: string): LabUser {
    const found = this.userBy(login);
    if (found) return found;
    const u: LabUser = { id: oktaId('00u'), login, email: login.includes('@') ? login : `${login}@lab.test`, firstName: login.split('@')[0]!, lastName: 'Lab', status: 'ACTIVE', created: this.#iso() };
    this.users.set(u.id, u);
    return u;
  }

  /** By id or login (Okta accepts both in `/users/{idOrLogin}`), case-insensitive login. */
  userBy(idOrLogin: string): LabUser | undefined {
    return this.users.get(idOrLogin) ?? [...this.users.values()].find((u) => u.login.toLowerCase() === idOrLogin.toLowerCase());
  }

  client(clientId: string): LabClient {
    let c = this.clients.get(clientId);
    if (!c) {
      c = { clientId, clientSecret: secretValue(24), name: clientId };
      this.clients.set(clientId, c);
    }
    return c;
  }

  /** An Okta sign-in: a session and its System Log event. */
  signIn(userId: string, at = this.now()): LabSession {
    const u = this.users.get(userId)!;
    const s: LabSession = { id: oktaId('102'), userId, createdAt: new Date(at).toISOString(), expiresAt: new Date(at + 2 * 3_600_000).toISOString(), ended: false };
    this.sessions.set(s.id, s);
    this.log.push({ uuid: oktaId('evt'), published: s.createdAt, eventType: 'user.session.start', actorId: userId, actorLogin: u.login, sessionId: s.id });
    return s;
  }

  /** A consent grant and, optionally, refresh and access tokens issued through it. */
  authorize(o: { userId: string; clientId: string; authServerId?: string; scopes?: string[]; sessionId?: string; refreshTokens?: number; accessTokens?: number; grant?: boolean }): { grant?: LabGrant; refreshTokens: LabToken[]; accessTokens: LabToken[] } {
    const authServerId = o.authServerId ?? 'default';
    this.client(o.clientId);
    const scopes = o.scopes ?? ['openid', 'offline_access'];
    const grant: LabGrant | undefined = o.grant === false ? undefined : { id: oktaId('oag'), userId: o.userId, clientId: o.clientId, scopeId: scopes[scopes.length - 1]!, authServerId, created: this.#iso(), revoked: false };
    if (grant) this.grants.set(grant.id, grant);
    const mint = (type: LabToken['type'], n: number) =>
      Array.from({ length: n }, () => this.mint({ type, userId: o.userId, clientId: o.clientId, authServerId, scopes, ...(o.sessionId ? { sessionId: o.sessionId } : {}) }));
    return { ...(grant ? { grant } : {}), refreshTokens: mint('refresh_token', o.refreshTokens ?? 1), accessTokens: mint('access_token', o.accessTokens ?? 1) };
  }

  mint(o: Omit<LabToken, 'id' | 'value' | 'created' | 'expiresAt' | 'revoked'>): LabToken {
    const t: LabToken = { ...o, id: oktaId('oar'), value: secretValue(), created: this.#iso(), expiresAt: this.#iso(o.type === 'access_token' ? 3_600_000 : 90 * 86_400_000), revoked: false };
    this.tokens.set(t.id, t);
    return t;
  }

  enroll(userId: string, factorType: LabFactor['factorType'], at = this.now()): LabFactor {
    const f: LabFactor = { id: oktaId('mfa'), userId, factorType, provider: factorType === 'token:software:totp' ? 'GOOGLE' : 'OKTA', status: 'ACTIVE', created: new Date(at).toISOString(), deleted: false };
    this.factors.set(f.id, f);
    return f;
  }

  apiToken(userId: string, name = 'automation'): LabApiToken {
    const t: LabApiToken = { id: oktaId('00T'), value: `00${secretValue(30)}`, userId, name, clientName: 'Okta API', created: this.#iso(), expiresAt: this.#iso(30 * 86_400_000), revoked: false };
    this.apiTokens.set(t.id, t);
    return t;
  }

  apiTokenByValue(value: string): LabApiToken | undefined {
    return [...this.apiTokens.values()].find((t) => t.value === value && !t.revoked && Date.parse(t.expiresAt) > this.now());
  }

  liveToken(t: LabToken | undefined): t is LabToken {
    return t !== undefined && !t.revoked && Date.parse(t.expiresAt) > this.now();
  }

  tokenByValue(value: string): LabToken | undefined {
    return [...this.tokens.values()].find((t) => t.value === value);
  }

  /** `DELETE /users/{id}/sessions`: every Okta session ends; tokens only with oauthTokens. */
  endSessions(userId: string, oauthTokens: boolean): void {
    for (const s of this.sessions.values()) if (s.userId === userId) s.ended = true;
    if (oauthTokens) for (const t of this.tokens.values()) if (t.userId === userId) t.revoked = true;
  }

  /** Clients the user holds live grants or tokens of (`GET /users/{id}/clients`). */
  clientsOf(userId: string): LabClient[] {
    const ids = new Set<string>();
    for (const g of this.grants.values()) if (g.userId === userId && !g.revoked) ids.add(g.clientId);
    for (const t of this.tokens.values()) if (t.userId === userId && this.liveToken(t)) ids.add(t.clientId);
    return [...ids].sort().map((id) => this.clients.get(id)!);
  }
}
