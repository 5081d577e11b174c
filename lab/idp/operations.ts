/**
 * What the admin API does, acting on the provider's real storage so that its own endpoints
 * (introspection, token, userinfo, authorization with prompt=none) see every change.
 * Semantics follow Keycloak: ending an SSO session leaves offline (offline_access) grants alive;
 * revoking a consent kills the client's grants with every token and code issued under them.
 */
import { createHash } from 'node:crypto';
import type { Provider } from 'oidc-provider';
import type { LabStore, StoredRecord } from './store.ts';

/** A JWT access token the provider issued but, by design, does not store. */
export interface JwtRecord {
  value: string;
  jti: string;
  accountId: string;
  clientId: string;
  grantId?: string;
  sessionUid?: string;
  scope?: string;
  aud: string;
  iat: number;
  exp: number;
}

/** The lab's view of one token, as listed by the tokens extension. */
export interface LabToken {
  id: string;
  value: string;
  type: 'access_token' | 'refresh_token';
  format: 'opaque' | 'jwt';
  clientId: string;
  grantId?: string;
  sessionId?: string;
  /** For offline tokens: the offline session they belong to (in the lab, their grant). */
  offlineSessionId?: string;
  expiresWithSession: boolean;
  offline: boolean;
  scope?: string;
  iat: number;
  exp: number;
}

/** A non-secret handle for a token value (opaque token ids ARE their values in oidc-provider). */
export const tokenFingerprint = (value: string): string => createHash('sha256').update(value).digest('base64url').slice(0, 22);

const TOKEN_MODELS = ['AccessToken', 'RefreshToken', 'AuthorizationCode'];

const scopesOf = (p: Record<string, unknown>): Set<string> => new Set(String(p.scope ?? '').split(' ').filter(Boolean));

export class Operations {
  readonly #provider: Provider;
  readonly #store: LabStore;
  readonly #jwts = new Map<string, JwtRecord>();
  readonly #onBackchannelError: (e: unknown) => void;

  constructor(provider: Provider, store: LabStore, onBackchannelError: (e: unknown) => void) {
    this.#provider = provider;
    this.#store = store;
    this.#onBackchannelError = onBackchannelError;
  }

  recordJwt(rec: JwtRecord): void {
    this.#jwts.set(tokenFingerprint(rec.value), rec);
  }

  sessionsOf(accountId: string): StoredRecord[] {
    return this.#store.list({ model: 'Session', accountId });
  }

  sessionByUid(uid: string): StoredRecord | undefined {
    return this.#store.findSessionByUid(uid);
  }

  grantsOf(accountId: string, clientId?: string): StoredRecord[] {
    return this.#store.list({ model: 'Grant', accountId }).filter((g) => clientId === undefined || g.payload.clientId === clientId);
  }

  isOfflineGrant(grant: StoredRecord): boolean {
    const openid = grant.payload.openid as { scope?: string } | undefined;
    return scopesOf(openid ?? {}).has('offline_access');
  }

  /** Offline sessions of a client: offline_access grants still holding a usable refresh token. */
  offlineSessionsOf(accountId: string, clientId?: string): StoredRecord[] {
    return this.grantsOf(accountId, clientId).filter(
      (g) => this.isOfflineGrant(g) && this.#store.list({ grantId: g.id, model: 'RefreshToken' }).some((t) => this.#usable(t)),
    );
  }

  offlineSessionById(grantId: string): StoredRecord | undefined {
    const g = this.#store.get('Grant', grantId);
    if (!g) return undefined;
    return this.offlineSessionsOf(String(g.payload.accountId), String(g.payload.clientId)).find((x) => x.id === grantId);
  }

  /** Tokens the provider would still accept, opaque (stored) and JWT (recorded at issuance). */
  tokensOf(accountId: string): LabToken[] {
    const out: LabToken[] = [];
    for (const rec of this.#store.list({ model: ['AccessToken', 'RefreshToken'], accountId })) {
      if (!this.#usable(rec)) continue;
      const p = rec.payload;
      const sessionUid = p.sessionUid as string | undefined;
      const offline = scopesOf(p).has('offline_access');
      out.push({
        id: tokenFingerprint(rec.id), value: rec.id, type: rec.model === 'AccessToken' ? 'access_token' : 'refresh_token', format: 'opaque',
        clientId: String(p.clientId), expiresWithSession: p.expiresWithSession === true, offline,
        ...(offline && p.grantId ? { offlineSessionId: p.grantId } : {}),
        iat: Number(p.iat), exp: Number(p.exp),
        ...(p.grantId ? { grantId: p.grantId } : {}), ...(sessionUid ? { sessionId: sessionUid } : {}), ...(p.scope ? { scope: String(p.scope) } : {}),
      });
    }
    const now = Date.now() / 1000;
    for (const [id, j] of this.#jwts) {
      if (j.exp <= now) {
        this.#jwts.delete(id);
        continue;
      }
      if (j.accountId !== accountId) continue;
      out.push({
        id, value: j.value, type: 'access_token', format: 'jwt', clientId: j.clientId, expiresWithSession: false,
        offline: false, iat: j.iat, exp: j.exp, ...(j.grantId ? { grantId: j.grantId } : {}), ...(j.scope ? { scope: j.scope } : {}),
      });
    }
    return out;
  }

  /** Kills a grant: its access and refresh tokens, codes, and the grant itself. */
  revokeGrant(grantId: string): void {
    for (const rec of this.#store.list({ grantId, model: TOKEN_MODELS })) this.#store.delete(rec.model, rec.id);
    this.#store.delete('Grant', grantId);
  }

  /** Ends one SSO session like Keycloak: back-channel logout, non-offline grants revoked, offline ones kept. */
  async endSession(session: StoredRecord): Promise<void> {
    const authorizations = (session.payload.authorizations ?? {}) as Record<string, { sid?: string; grantId?: string; persistsLogout?: boolean }>;
    this.#store.delete('Session', session.id);
    await Promise.all(
      Object.entries(authorizations).map(async ([clientId, a]) => {
        if (a.grantId && !a.persistsLogout) this.revokeGrant(a.grantId);
        if (a.sid) await this.#backchannel(clientId, String(session.payload.accountId), a.sid);
      }),
    );
  }

  /**
   * Revokes a user's consent to a client like Keycloak: every grant of that client (with its
   * offline and refresh tokens, access tokens and codes), and the client's place in SSO sessions.
   * @returns false when there was nothing to revoke.
   */
  async revokeConsent(accountId: string, clientId: string): Promise<boolean> {
    const grants = this.grantsOf(accountId, clientId);
    for (const g of grants) this.revokeGrant(g.id);
    let found = grants.length > 0;
    for (const s of this.sessionsOf(accountId)) {
      const authorizations = s.payload.authorizations as Record<string, { sid?: string }> | undefined;
      const a = authorizations?.[clientId];
      if (!authorizations || !a) continue;
      delete authorizations[clientId];
      found = true;
      if (a.sid) await this.#backchannel(clientId, accountId, a.sid);
    }
    return found;
  }

  #usable(rec: StoredRecord): boolean {
    const p = rec.payload;
    if (p.consumed) return false;
    if (p.grantId && !this.#store.get('Grant', p.grantId)) return false;
    if (p.expiresWithSession === true && !this.#store.findSessionByUid(String(p.sessionUid))) return false;
    return true;
  }

  async #backchannel(clientId: string, accountId: string, sid: string): Promise<void> {
    const client = await this.#provider.Client.find(clientId);
    if (!client?.backchannelLogoutUri) return;
    await client.backchannelLogout(accountId, sid).catch(this.#onBackchannelError);
  }
}
