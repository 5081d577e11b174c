/**
 * The state of the Slack lab: one Enterprise Grid org with workspaces, users, their web and mobile
 * sessions (each with the session token a browser or app holds), installed-app user and bot tokens,
 * and the queued jobs of admin.users.session.resetBulk. Pure in-memory; the clock is a parameter.
 */
import { randomBytes } from 'node:crypto';

export interface LabUser {
  id: string;
  email: string;
  name: string;
  teams: string[];
  isBot: boolean;
  isAdmin: boolean;
  isPrimaryOwner: boolean;
}

export interface LabSession {
  id: number;
  userId: string;
  teamId: string;
  platform: 'web' | 'mobile';
  /** The session token the client holds (what an attacker steals from a browser or a phone). */
  token: string;
  /** The browser's `d` cookie, required with an xoxc token. */
  cookie: string;
  ip: string;
  ended: boolean;
}

export interface LabToken {
  value: string;
  kind: 'session' | 'user' | 'bot';
  userId: string;
  teamId: string;
  scopes: string[];
  sessionId?: number;
  /** Revoked with auth.revoke (Slack then answers token_revoked). */
  revoked: boolean;
}

export interface BulkJob {
  userIds: string[];
  mobileOnly: boolean;
  webOnly: boolean;
  dueAt: number;
  done: boolean;
}

export const ENTERPRISE_ID = 'E0LAB';
export const ADMIN_SCOPES = ['admin.users:read', 'admin.users:write', 'users:read', 'users:read.email'];

const secret = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}-${randomBytes(12).toString('hex')}`;

export class SlackState {
  readonly now: () => number;
  readonly users = new Map<string, LabUser>();
  readonly sessions = new Map<number, LabSession>();
  readonly tokens = new Map<string, LabToken>();
  readonly jobs: BulkJob[] = [];
  #nextUser = 1;
  #nextSession = 1_112_275_520_242;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** A user of the org (created on first mention), member of `teams` (default T0A and T0B). */
  user(email: string, o: { teams?: string[]; isBot?: boolean; isAdmin?: boolean; isPrimaryOwner?: boolean } = {}): LabUser {
    const found = this.userBy(email);
    if (found) return found;
    const id = `W${String(this.#nextUser++).padStart(8, '0')}`;
    const u: LabUser = { id, email, name: email.split('@')[0]!, teams: o.teams ?? ['T0A', 'T0B'], isBot: o.isBot ?? false, isAdmin: o.isAdmin ?? false, isPrimaryOwner: o.isPrimaryOwner ?? false };
    this.users.set(id, u);
    return u;
  }

  userBy(email: string): LabUser | undefined {
    return [...this.users.values()].find((u) => u.email === email);
  }

  /** A sign-in: a new session on a workspace, and the token its client holds. */
  signIn(userId: string, o: { teamId?: string; platform?: 'web' | 'mobile'; ip?: string } = {}): LabSession {
    const u = this.users.get(userId)!;
    // A browser session is an xoxc token bound to the browser's `d` cookie: Slack accepts neither alone.
    const s: LabSession = { id: this.#nextSession++, userId, teamId: o.teamId ?? u.teams[0]!, platform: o.platform ?? 'web', token: secret('xoxc'), cookie: secret('xoxd'), ip: o.ip ?? '203.0.113.7', ended: false };
    this.sessions.set(s.id, s);
    this.tokens.set(s.token, { value: s.token, kind: 'session', userId, teamId: s.teamId, scopes: ['client'], sessionId: s.id, revoked: false });
    return s;
  }

  /** A user token (xoxp) of an app the user installed, or a bot token (xoxb) of one. */
  appToken(userId: string, kind: 'user' | 'bot' = 'user', scopes: string[] = ['channels:history', 'chat:write']): LabToken {
    const u = this.users.get(userId)!;
    const t: LabToken = { value: secret(kind === 'user' ? 'xoxp' : 'xoxb'), kind, userId, teamId: u.teams[0]!, scopes, revoked: false };
    this.tokens.set(t.value, t);
    return t;
  }

  /** Why a token is refused, or undefined when it works. */
  refusal(value: string): 'invalid_auth' | 'token_revoked' | undefined {
    const t = this.tokens.get(value);
    if (!t) return 'invalid_auth';
    if (t.revoked) return 'token_revoked';
    if (t.kind === 'session' && this.sessions.get(t.sessionId!)?.ended !== false) return 'invalid_auth';
    return undefined;
  }

  liveSessions(userId?: string, teamId?: string): LabSession[] {
    return [...this.sessions.values()].filter((s) => !s.ended && (userId === undefined || s.userId === userId) && (teamId === undefined || s.teamId === teamId)).sort((a, b) => a.id - b.id);
  }

  /** Ends the user's sessions (all, or only web / mobile). Installed-app tokens are untouched. */
  resetUser(userId: string, o: { mobileOnly?: boolean; webOnly?: boolean } = {}): number {
    let n = 0;
    for (const s of this.liveSessions(userId)) {
      if ((o.mobileOnly && s.platform !== 'mobile') || (o.webOnly && s.platform !== 'web')) continue;
      s.ended = true;
      n++;
    }
    return n;
  }

  enqueueBulk(userIds: string[], o: { mobileOnly: boolean; webOnly: boolean }, delayMs: number): BulkJob {
    const job: BulkJob = { userIds, ...o, dueAt: this.now() + delayMs, done: false };
    this.jobs.push(job);
    return job;
  }

  /** Applies every queued resetBulk job whose time has come (called on every request). */
  runDueJobs(): number {
    let n = 0;
    for (const j of this.jobs) {
      if (j.done || j.dueAt > this.now()) continue;
      for (const id of j.userIds) this.resetUser(id, { mobileOnly: j.mobileOnly, webOnly: j.webOnly });
      j.done = true;
      n++;
    }
    return n;
  }

  /** Sever's own token: an org admin's user token with the admin scopes. */
  adminToken(email = 'sever-admin@lab.test', o: { isPrimaryOwner?: boolean; scopes?: string[] } = {}): LabToken {
    const u = this.user(email, { isAdmin: true, ...(o.isPrimaryOwner ? { isPrimaryOwner: true } : {}) });
    return this.appToken(u.id, 'user', o.scopes ?? ADMIN_SCOPES);
  }
}
