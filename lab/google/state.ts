/**
 * The Google lab's state: users, their web sessions (the lab's stand-in for sign-in cookies, which
 * the Directory API never lists), OAuth tokens per client, app-specific passwords, backup
 * verification codes, mobile devices, and the admin access tokens the API accepts (with scopes).
 *
 * Documented semantics kept here:
 * - `users.signOut` is acknowledged at once; the user's sessions die `signOutDelayMs` later
 *   (Google: "up to an hour" for current Gmail HTTP sessions), and Drive for desktop / Gmail app
 *   sessions (`kind: 'desktop-app'`) are not signed out at all;
 * - tokens are one per (user, client): `tokens.delete` removes that client's only;
 * - `verificationCodes.invalidate` invalidates every current code; a used code disappears;
 * - `mobiledevices.action` `block` blocks at once; `admin_account_wipe` is pending
 *   (`ACCOUNT_WIPING`) until the device next syncs, `deviceSyncDelayMs` later (`ACCOUNT_WIPED`).
 */
import { randomBytes, randomInt } from 'node:crypto';

export interface LabUser { id: string; primaryEmail: string; suspended: boolean; creationTime: string; lastLoginTime?: string }
export interface LabToken { clientId: string; displayText: string; scopes: string[]; nativeApp: boolean; anonymous: boolean }
export interface LabAsp { codeId: number; name: string; creationTime: number; lastTimeUsed?: number }
export interface LabSession { cookie: string; kind: 'web' | 'desktop-app'; endsAt?: number }
export interface LabDevice { resourceId: string; deviceId: string; email: string; model: string; os: string; type: string; status: string; firstSync: string; pending?: { status: string; at: number } }

export class GoogleState {
  readonly now: () => number;
  signOutDelayMs: number;
  deviceSyncDelayMs: number;
  readonly users = new Map<string, LabUser>();
  readonly tokens = new Map<string, Map<string, LabToken>>();
  readonly asps = new Map<string, Map<number, LabAsp>>();
  readonly codes = new Map<string, string[]>();
  readonly sessions = new Map<string, LabSession[]>();
  readonly devices = new Map<string, LabDevice>();
  /** Admin access tokens the API accepts, with their granted scopes. */
  readonly accessTokens = new Map<string, string[]>();
  #seq = 0;

  constructor(o: { now?: () => number; signOutDelayMs?: number; deviceSyncDelayMs?: number } = {}) {
    this.now = o.now ?? Date.now;
    this.signOutDelayMs = o.signOutDelayMs ?? 0;
    this.deviceSyncDelayMs = o.deviceSyncDelayMs ?? 0;
  }

  #id(): string {
    return String(100_000_000_000_000_000_000n + BigInt(++this.#seq));
  }

  accessToken(scopes: string[]): string {
    const t = `ya29.lab-${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(t, scopes.map((s) => (s.startsWith('https://') ? s : `https://www.googleapis.com/auth/${s}`)));
    return t;
  }

  user(primaryEmail: string): LabUser {
    const found = this.userBy(primaryEmail);
    if (found) return found;
    const u: LabUser = { id: this.#id(), primaryEmail, suspended: false, creationTime: new Date(this.now()).toISOString() };
    this.users.set(u.id, u);
    return u;
  }

  /** By id or primary email (userKey). */
  userBy(key: string): LabUser | undefined {
    return this.users.get(key) ?? [...this.users.values()].find((u) => u.primaryEmail.toLowerCase() === key.toLowerCase());
  }

  signIn(userId: string, kind: LabSession['kind'] = 'web'): LabSession {
    const s: LabSession = { cookie: `SID-${randomBytes(12).toString('hex')}`, kind };
    this.sessions.set(userId, [...(this.sessions.get(userId) ?? []), s]);
    this.users.get(userId)!.lastLoginTime = new Date(this.now()).toISOString();
    return s;
  }

  /** The attacker's view: does a held cookie still work? (Not part of the Directory API.) */
  sessionWorks(cookie: string): boolean {
    for (const list of this.sessions.values()) {
      const s = list.find((x) => x.cookie === cookie);
      if (s) return s.endsAt === undefined || s.endsAt > this.now();
    }
    return false;
  }

  signOut(userId: string): void {
    const at = this.now() + this.signOutDelayMs;
    for (const s of this.sessions.get(userId) ?? []) if (s.kind === 'web' && (s.endsAt === undefined || s.endsAt > at)) s.endsAt = at;
  }

  grant(userId: string, clientId: string, displayText = clientId, scopes: string[] = ['openid', 'email']): LabToken {
    const t: LabToken = { clientId, displayText, scopes, nativeApp: false, anonymous: false };
    const m = this.tokens.get(userId) ?? new Map<string, LabToken>();
    m.set(clientId, t);
    this.tokens.set(userId, m);
    return t;
  }

  asp(userId: string, name: string): LabAsp {
    const a: LabAsp = { codeId: randomInt(1, 2_000_000_000), name, creationTime: this.now() };
    const m = this.asps.get(userId) ?? new Map<number, LabAsp>();
    m.set(a.codeId, a);
    this.asps.set(userId, m);
    return a;
  }

  generateCodes(userId: string): string[] {
    const codes = Array.from({ length: 10 }, () => String(randomInt(10_000_000, 100_000_000)));
    this.codes.set(userId, codes);
    return codes;
  }

  useCode(userId: string, code: string): boolean {
    const list = this.codes.get(userId) ?? [];
    if (!list.includes(code)) return false;
    this.codes.set(userId, list.filter((c) => c !== code));
    return true;
  }

  device(email: string, model = 'Pixel 8'): LabDevice {
    const d: LabDevice = { resourceId: `AFiQxQ${randomBytes(10).toString('hex')}`, deviceId: randomBytes(8).toString('hex'), email, model, os: 'Android 15', type: 'ANDROID', status: 'APPROVED', firstSync: new Date(this.now()).toISOString() };
    this.devices.set(d.resourceId, d);
    return d;
  }

  /** A device as read now (a pending action completes when the device has synced). */
  deviceNow(resourceId: string): LabDevice | undefined {
    const d = this.devices.get(resourceId);
    if (d?.pending && d.pending.at <= this.now()) {
      d.status = d.pending.status;
      delete d.pending;
    }
    return d;
  }

  deviceAction(d: LabDevice, action: string): void {
    if (action === 'block') d.status = 'BLOCKED';
    else if (action === 'approve') d.status = 'APPROVED';
    else if (action === 'admin_account_wipe') {
      d.status = 'ACCOUNT_WIPING';
      d.pending = { status: 'ACCOUNT_WIPED', at: this.now() + this.deviceSyncDelayMs };
    } else if (action === 'admin_remote_wipe') {
      d.status = 'WIPING';
      d.pending = { status: 'WIPED', at: this.now() + this.deviceSyncDelayMs };
    }
  }
}
