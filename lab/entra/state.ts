/**
 * The simulated Entra tenant's state: users, registered devices, authentication methods, delegated
 * permission grants, applications and service principals with their credentials, OAuth clients,
 * and the refresh and access tokens the token endpoint issued. Plain data and the few mutations
 * the handlers need; ids are GUIDs like Entra's object ids.
 *
 * Semantics kept from Entra (and documented in README.md):
 * - `revokeSignInSessions` sets `signInSessionsValidFromDateTime` to now AT ONCE (the directory
 *   record), while the token endpoint honours it only `revokeDelayMs` later ("a small delay of a
 *   few minutes"): until then a refresh token issued before it still refreshes;
 * - a refresh token carries the time of the sign-in it came from (`authTime`); refreshing gives a
 *   new refresh token with the same `authTime`, so a replay never outlives the revocation;
 * - a disabled device stays listed (accountEnabled false); a deleted method, grant or password
 *   credential disappears from its list and its GET/DELETE answers 404.
 */
import { randomBytes, randomUUID } from 'node:crypto';

export const secretValue = (bytes = 30) => randomBytes(bytes).toString('base64url');

export interface LabUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  signInSessionsValidFrom: number;
  /** Revocations the token endpoint honours from `effectiveAt` on: tokens whose sign-in is before `validFrom` die. */
  revocations: Array<{ validFrom: number; effectiveAt: number }>;
}
export interface LabDevice { id: string; deviceId: string; displayName: string; operatingSystem: string; accountEnabled: boolean; registeredAt: number; userIds: string[] }
export type MethodType = 'password' | 'fido2' | 'microsoftAuthenticator' | 'phone' | 'windowsHelloForBusiness';
export interface LabMethod { id: string; userId: string; type: MethodType; createdAt?: number; displayName: string; phoneNumber?: string; deleted: boolean }
export interface LabGrant { id: string; clientId: string; principalId: string; resourceId: string; scope: string; deleted: boolean }
export interface LabPassword { keyId: string; displayName: string; value: string; start: number; end: number; removed: boolean }
export interface LabKey { keyId: string; displayName: string; start: number; end: number }
export interface LabApp {
  id: string;
  appId: string;
  type: 'application' | 'servicePrincipal';
  displayName: string;
  ownerIds: string[];
  passwords: LabPassword[];
  keys: LabKey[];
}
export interface LabRefreshToken { value: string; userId: string; clientId: string; authTime: number; scope: string }
export interface LabAccessToken { value: string; appId: string; userId?: string; expiresAt: number }

export class EntraState {
  readonly users = new Map<string, LabUser>();
  readonly devices = new Map<string, LabDevice>();
  readonly methods = new Map<string, LabMethod>();
  readonly grants = new Map<string, LabGrant>();
  readonly apps = new Map<string, LabApp>();
  readonly refreshTokens = new Map<string, LabRefreshToken>();
  readonly accessTokens = new Map<string, LabAccessToken>();
  /** Public clients (appId → name) that may refresh without a secret. */
  readonly publicClients = new Map<string, string>();
  readonly now: () => number;
  revokeDelayMs: number;

  constructor(o: { now?: () => number; revokeDelayMs?: number } = {}) {
    this.now = o.now ?? Date.now;
    this.revokeDelayMs = o.revokeDelayMs ?? 0;
  }

  user(upn: string): LabUser {
    const found = this.userBy(upn);
    if (found) return found;
    const u: LabUser = { id: randomUUID(), userPrincipalName: upn, displayName: upn.split('@')[0]!, signInSessionsValidFrom: this.now() - 86_400_000, revocations: [] };
    this.users.set(u.id, u);
    return u;
  }

  /** By object id or UPN (case-insensitive, as Entra). */
  userBy(idOrUpn: string): LabUser | undefined {
    return this.users.get(idOrUpn) ?? [...this.users.values()].find((u) => u.userPrincipalName.toLowerCase() === idOrUpn.toLowerCase());
  }

  publicClient(name: string): string {
    const existing = [...this.publicClients].find(([, n]) => n === name)?.[0];
    if (existing) return existing;
    const appId = randomUUID();
    this.publicClients.set(appId, name);
    return appId;
  }

  /** A browser or app sign-in: a refresh token of `clientId` (a public client) for the user. */
  signIn(userId: string, clientId: string, at = this.now()): LabRefreshToken {
    const t: LabRefreshToken = { value: `0.A${secretValue(60)}`, userId, clientId, authTime: at, scope: 'openid profile offline_access User.Read' };
    this.refreshTokens.set(t.value, t);
    return t;
  }

  /** Whether the token endpoint still honours a refresh token now. */
  refreshable(t: LabRefreshToken): boolean {
    const u = this.users.get(t.userId);
    if (!u) return false;
    const now = this.now();
    return !u.revocations.some((r) => r.effectiveAt <= now && t.authTime < r.validFrom);
  }

  revokeSignInSessions(userId: string): void {
    const u = this.users.get(userId)!;
    const now = Math.max(this.now(), u.signInSessionsValidFrom + 1);
    u.signInSessionsValidFrom = now;
    u.revocations.push({ validFrom: now, effectiveAt: now + this.revokeDelayMs });
  }

  device(userId: string, displayName = 'LAPTOP-1', registeredAt = this.now()): LabDevice {
    const d: LabDevice = { id: randomUUID(), deviceId: randomUUID(), displayName, operatingSystem: 'Windows', accountEnabled: true, registeredAt, userIds: [userId] };
    this.devices.set(d.id, d);
    return d;
  }

  method(userId: string, type: MethodType, createdAt: number | undefined = this.now()): LabMethod {
    // Entra's phone methods have fixed ids per phone type; the password method a well-known one.
    const id = type === 'phone' ? '3179e48a-750b-4051-897c-87b9720928f7' : type === 'password' ? '28c10230-6103-485e-b985-444c60001490' : randomUUID();
    const m: LabMethod = { id, userId, type, displayName: `${type} of ${userId.slice(0, 8)}`, deleted: false, ...(type === 'phone' || type === 'password' ? {} : createdAt === undefined ? {} : { createdAt }), ...(type === 'phone' ? { phoneNumber: '+1 5555551234' } : {}) };
    this.methods.set(`${userId}/${id}`, m);
    return m;
  }

  grant(userId: string, clientId = randomUUID(), scope = 'User.Read Mail.Read offline_access'): LabGrant {
    const g: LabGrant = { id: secretValue(24), clientId, principalId: userId, resourceId: randomUUID(), scope, deleted: false };
    this.grants.set(g.id, g);
    return g;
  }

  app(ownerId: string, displayName = 'attacker-app', type: LabApp['type'] = 'application'): LabApp {
    const a: LabApp = { id: randomUUID(), appId: randomUUID(), type, displayName, ownerIds: [ownerId], passwords: [], keys: [] };
    this.apps.set(a.id, a);
    return a;
  }

  addPassword(app: LabApp, displayName = 'secret', start = this.now()): LabPassword {
    const p: LabPassword = { keyId: randomUUID(), displayName, value: `${secretValue(3)}~${secretValue(27)}`, start, end: start + 180 * 86_400_000, removed: false };
    app.passwords.push(p);
    return p;
  }

  addKey(app: LabApp, displayName = 'cert', start = this.now()): LabKey {
    const k: LabKey = { keyId: randomUUID(), displayName, start, end: start + 365 * 86_400_000 };
    app.keys.push(k);
    return k;
  }

  appByAppId(appId: string): LabApp | undefined {
    return [...this.apps.values()].find((a) => a.appId === appId);
  }

  accessToken(appId: string, userId?: string): LabAccessToken {
    const t: LabAccessToken = { value: `eyJ0eXAiOiJKV1Qi.${secretValue(40)}`, appId, ...(userId ? { userId } : {}), expiresAt: this.now() + 3_600_000 };
    this.accessTokens.set(t.value, t);
    return t;
  }
}
