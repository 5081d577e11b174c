/**
 * The state of the Slack lab: one Enterprise Grid org with workspaces, users, their web and mobile
 * sessions (each with the session token a browser or app holds), installed-app user and bot tokens,
 * the queued jobs of admin.users.session.resetBulk, third-party apps with their installations per
 * workspace (a bot, and the user token of each user who authorized the app there), pending
 * uninstalls, and the org's audit log. Pure in-memory; the clock is a parameter.
 */
import { randomBytes } from 'node:crypto';
import type { AuditEntry } from './audit.ts';

export interface LabUser {
  id: string;
  email: string;
  name: string;
  teams: string[];
  isBot: boolean;
  isAdmin: boolean;
  /** An Org Owner (the Audit Logs API answers only an owner's token). */
  isOwner: boolean;
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
  /** The app the token was issued to (an installed app's bot or user token). */
  appId?: string;
  /** Revoked with auth.revoke, or its app uninstalled (Slack then answers token_revoked). */
  revoked: boolean;
}

/** A third-party app: user scopes (a user token per authorizing user) and bot scopes (a bot per workspace). */
export interface LabApp {
  id: string;
  name: string;
  userScopes: string[];
  botScopes: string[];
  /** Deployed to the whole org: admin.apps.uninstall refuses one workspace (must_revoke_access). */
  orgDeployed: boolean;
}

export interface LabBot {
  id: string;
  appId: string;
  teamId: string;
  userId: string;
  deleted: boolean;
  updated: number;
}

/** An app's installation on one workspace. */
export interface LabInstallation {
  appId: string;
  teamId: string;
  installedBy: string;
  botId?: string;
  botToken?: LabToken;
  /** Acknowledged by admin.apps.uninstall, applied at this time (lab clock). */
  uninstallDueAt?: number;
  uninstalled: boolean;
}

export interface BulkJob {
  userIds: string[];
  mobileOnly: boolean;
  webOnly: boolean;
  dueAt: number;
  done: boolean;
}

export const ENTERPRISE_ID = 'E0LAB';
export const ADMIN_SCOPES = ['admin.users:read', 'admin.users:write', 'users:read', 'users:read.email', 'admin.apps:write', 'auditlogs:read'];

const secret = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}-${randomBytes(12).toString('hex')}`;

export class SlackState {
  readonly now: () => number;
  readonly users = new Map<string, LabUser>();
  readonly sessions = new Map<number, LabSession>();
  readonly tokens = new Map<string, LabToken>();
  readonly jobs: BulkJob[] = [];
  readonly apps = new Map<string, LabApp>();
  readonly bots = new Map<string, LabBot>();
  /** By `${appId} ${teamId}`: the current (or last) installation. */
  readonly installations = new Map<string, LabInstallation>();
  /** The org's audit log, oldest first. */
  readonly audit: AuditEntry[] = [];
  #nextUser = 1;
  #nextApp = 1;
  #nextSession = 1_112_275_520_242;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** A user of the org (created on first mention), member of `teams` (default T0A and T0B). */
  user(email: string, o: { teams?: string[]; isBot?: boolean; isAdmin?: boolean; isOwner?: boolean; isPrimaryOwner?: boolean } = {}): LabUser {
    const found = this.userBy(email);
    if (found) return found;
    const id = `W${String(this.#nextUser++).padStart(8, '0')}`;
    const u: LabUser = {
      id, email, name: email.split('@')[0]!, teams: o.teams ?? ['T0A', 'T0B'], isBot: o.isBot ?? false, isAdmin: o.isAdmin ?? false,
      isOwner: o.isOwner ?? o.isPrimaryOwner ?? false, isPrimaryOwner: o.isPrimaryOwner ?? false,
    };
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

  /** Applies every queued resetBulk job and acknowledged uninstall whose time has come (called on every request). */
  runDueJobs(): number {
    let n = 0;
    for (const j of this.jobs) {
      if (j.done || j.dueAt > this.now()) continue;
      for (const id of j.userIds) this.resetUser(id, { mobileOnly: j.mobileOnly, webOnly: j.webOnly });
      j.done = true;
      n++;
    }
    for (const i of this.installations.values()) {
      if (i.uninstalled || i.uninstallDueAt === undefined || i.uninstallDueAt > this.now()) continue;
      // Uninstalling revokes every token of the app on the workspace and deactivates its bot user.
      for (const t of this.tokens.values()) if (t.appId === i.appId && t.teamId === i.teamId) t.revoked = true;
      const bot = i.botId ? this.bots.get(i.botId) : undefined;
      if (bot) Object.assign(bot, { deleted: true, updated: Math.floor(this.now() / 1000) });
      i.uninstalled = true;
      n++;
    }
    return n;
  }

  /** A third-party app (not installed anywhere yet). */
  app(name: string, o: { userScopes?: string[]; botScopes?: string[]; orgDeployed?: boolean } = {}): LabApp {
    const a: LabApp = { id: `A0${String(this.#nextApp++).padStart(7, '0')}LAB`, name, userScopes: o.userScopes ?? ['channels:history', 'files:read'], botScopes: o.botScopes ?? ['chat:write'], orgDeployed: o.orgDeployed ?? false };
    this.apps.set(a.id, a);
    return a;
  }

  installation(appId: string, teamId: string): LabInstallation | undefined {
    const i = this.installations.get(`${appId} ${teamId}`);
    return i && !i.uninstalled ? i : undefined;
  }

  /**
   * A user installs the app on a workspace (the first time) or authorizes its user scopes (after):
   * the first install creates its bot (when it has bot scopes); each user gets a user token (when
   * it has user scopes). Recorded in the audit log as `app_installed` by that user.
   */
  authorize(appId: string, teamId: string, userId: string): { installation: LabInstallation; userToken?: LabToken; botToken?: LabToken } {
    const app = this.apps.get(appId)!;
    const key = `${appId} ${teamId}`;
    let inst = this.installation(appId, teamId);
    if (inst?.uninstallDueAt !== undefined) throw new Error(`lab: ${appId} is being uninstalled from ${teamId}; advance the lab clock first`);
    let botToken: LabToken | undefined;
    if (!inst) {
      inst = { appId, teamId, installedBy: userId, uninstalled: false };
      if (app.botScopes.length > 0) {
        const botUser = this.user(`${app.name.toLowerCase().replace(/\W+/g, '-')}-bot-${teamId.toLowerCase()}-${this.#nextUser}@bots.lab.test`, { teams: [teamId], isBot: true });
        const bot: LabBot = { id: `B${botUser.id.slice(1)}`, appId, teamId, userId: botUser.id, deleted: false, updated: Math.floor(this.now() / 1000) };
        this.bots.set(bot.id, bot);
        botToken = { value: secret('xoxb'), kind: 'bot', userId: botUser.id, teamId, scopes: app.botScopes, appId, revoked: false };
        this.tokens.set(botToken.value, botToken);
        Object.assign(inst, { botId: bot.id, botToken });
      }
      this.installations.set(key, inst);
    }
    let userToken: LabToken | undefined;
    if (app.userScopes.length > 0) {
      userToken = { value: secret('xoxp'), kind: 'user', userId, teamId, scopes: app.userScopes, appId, revoked: false };
      this.tokens.set(userToken.value, userToken);
    }
    this.record('app_installed', userId, app, teamId, {
      ...(userToken ? { scopes: app.userScopes } : {}),
      ...(botToken ? { bot_scopes: app.botScopes, bot_id: inst.botId!, granular_bot_token: true } : {}),
      is_internal_integration: false, app_owner_id: 'T0VENDOR',
    });
    return { installation: inst, ...(userToken ? { userToken } : {}), ...(botToken ? { botToken } : {}) };
  }

  /** admin.apps.uninstall on one workspace: recorded now, applied `delayMs` later. False when not installed there. */
  uninstall(appId: string, teamId: string, byUserId: string, delayMs: number): boolean {
    const inst = this.installation(appId, teamId);
    if (!inst || inst.uninstallDueAt !== undefined) return false;
    inst.uninstallDueAt = this.now() + delayMs;
    this.record('app_uninstalled', byUserId, this.apps.get(appId)!, teamId, {});
    return true;
  }

  record(action: string, userId: string, app: LabApp, teamId: string, details: NonNullable<AuditEntry['details']>): AuditEntry {
    const u = this.users.get(userId)!;
    const e: AuditEntry = {
      id: `${this.audit.length + 1}-${randomBytes(4).toString('hex')}`, date_create: Math.floor(this.now() / 1000), action,
      actor: { type: 'user', user: { id: u.id, name: u.name, email: u.email, team: ENTERPRISE_ID } },
      entity: { type: 'app', app: { id: app.id, name: app.name, is_distributed: true, is_directory_approved: false, scopes: [...app.userScopes, ...app.botScopes] } },
      context: { location: { type: 'workspace', id: teamId, name: `Workspace ${teamId}`, domain: `lab-${teamId.toLowerCase()}` }, ua: 'Mozilla/5.0 (lab)', ip_address: '198.51.100.20' },
      ...(Object.keys(details).length ? { details } : {}),
    };
    this.audit.push(e);
    return e;
  }

  /** Sever's own token: an org admin's (and owner's) user token with the admin scopes. */
  adminToken(email = 'sever-admin@lab.test', o: { isPrimaryOwner?: boolean; isOwner?: boolean; scopes?: string[] } = {}): LabToken {
    const u = this.user(email, { isAdmin: true, isOwner: o.isOwner ?? true, ...(o.isPrimaryOwner ? { isPrimaryOwner: true } : {}) });
    return this.appToken(u.id, 'user', o.scopes ?? ADMIN_SCOPES);
  }
}
