/**
 * The Web API methods the Slack lab speaks, each with its documented arguments (required and
 * optional, with their types), rate-limit tier, the token it needs, and a handler whose answer is
 * typed with `@slack/web-api`'s own response type: a shape drift between the lab and the SDK fails
 * `tsc`. Arguments follow Slack's method reference (docs.slack.dev/reference/methods/<method>).
 */
import type {
  AdminAppsUninstallResponse, BotsInfoResponse, AdminUsersSessionInvalidateResponse, AdminUsersSessionListResponse, AdminUsersSessionResetBulkResponse, AdminUsersSessionResetResponse,
  AuthRevokeResponse, AuthTestResponse, UsersInfoResponse, UsersLookupByEmailResponse,
} from '@slack/web-api';
import { ENTERPRISE_ID, type LabToken, type LabUser, type SlackState } from './state.ts';

export type ArgType = 'string' | 'integer' | 'boolean' | 'array';
export type Tier = 1 | 2 | 3 | 4 | 'special';

/** The documented answers, by method. `auth.revoke`'s `revoked` is documented but missing from the SDK type. */
export interface Responses {
  'admin.apps.uninstall': AdminAppsUninstallResponse;
  'bots.info': BotsInfoResponse;
  'admin.users.session.list': AdminUsersSessionListResponse;
  'admin.users.session.invalidate': AdminUsersSessionInvalidateResponse;
  'admin.users.session.reset': AdminUsersSessionResetResponse;
  'admin.users.session.resetBulk': AdminUsersSessionResetBulkResponse;
  'auth.test': AuthTestResponse;
  'auth.revoke': AuthRevokeResponse & { revoked?: boolean };
  'users.info': UsersInfoResponse;
  'users.lookupByEmail': UsersLookupByEmailResponse;
}
export type MethodName = keyof Responses;

export interface Ctx {
  state: SlackState;
  /** Arguments as sent (form values, or JSON values as strings), already checked against the spec. */
  args: Record<string, string>;
  caller: LabToken;
  /** The most items a list page holds (Slack may answer fewer than `limit`). */
  maxPageSize: number;
  bulkDelayMs: number;
  /** How long after its `ok` an admin.apps.uninstall takes effect. */
  uninstallDelayMs: number;
}

export interface MethodSpec<R> {
  tier: Tier;
  required: Record<string, ArgType>;
  optional: Record<string, ArgType>;
  /** `admin`: an Org Admin's user token with `scope`; `any`: any token that works (the token tests or revokes itself). */
  token: { kind: 'admin'; scope: string } | { kind: 'user'; scope: string } | { kind: 'any' };
  handle(ctx: Ctx): R;
}

const fail = <R>(error: string, extra: Record<string, string> = {}): R => ({ ok: false, error, ...extra }) as R;
const bool = (v: string | undefined) => v === 'true' || v === '1';

/** `user_ids` sent as a JSON array (the SDK's form encoding, or a JSON body) or comma-separated. */
export function arrayArg(v: string): string[] | undefined {
  if (v.startsWith('[')) {
    try {
      const a = JSON.parse(v) as unknown;
      return Array.isArray(a) && a.every((x) => typeof x === 'string') ? a : undefined;
    } catch {
      return undefined;
    }
  }
  return v.split(',').map((x) => x.trim()).filter(Boolean);
}

function userObject(u: LabUser): NonNullable<UsersInfoResponse['user']> {
  return {
    id: u.id, team_id: u.teams[0]!, name: u.name, deleted: false, is_bot: u.isBot, is_admin: u.isAdmin, is_owner: u.isPrimaryOwner, is_primary_owner: u.isPrimaryOwner,
    profile: { email: u.email, real_name: u.name, display_name: u.name },
    enterprise_user: { id: u.id, enterprise_id: ENTERPRISE_ID, enterprise_name: 'Lab Org', is_admin: u.isAdmin, is_owner: u.isPrimaryOwner, is_primary_owner: u.isPrimaryOwner, teams: [...u.teams] },
  };
}

/** Whether the caller may end `target`'s sessions: only the primary owner ends the primary owner's. */
const mayEnd = (ctx: Ctx, target: LabUser) => !target.isPrimaryOwner || ctx.caller.userId === target.id;

export const METHODS: { [M in MethodName]: MethodSpec<Responses[M]> } = {
  'admin.apps.uninstall': {
    // The reference page names no tier; admin.apps.* reads are Tier 2, and so is this here.
    tier: 2,
    required: { app_id: 'string' },
    // Documented: team_ids (a string of up to 100 ids) or enterprise_id, exactly one. The SDK's
    // argument type says `team_id`: the lab takes the documented name, and records team_id as undocumented.
    optional: { team_ids: 'string', enterprise_id: 'string' },
    token: { kind: 'admin', scope: 'admin.apps:write' },
    handle(ctx) {
      const { app_id, team_ids, enterprise_id } = ctx.args;
      if ((team_ids === undefined) === (enterprise_id === undefined)) return fail('invalid_arguments');
      const app = ctx.state.apps.get(app_id!);
      if (!app) return fail('app_not_found');
      if (enterprise_id !== undefined && enterprise_id !== ENTERPRISE_ID) return fail('enterprise_not_found');
      const teams = team_ids !== undefined ? (arrayArg(team_ids) ?? []) : [...new Set([...ctx.state.installations.values()].filter((i) => i.appId === app.id).map((i) => i.teamId))];
      if (teams.length === 0 || teams.length > 100) return fail('invalid_arguments');
      if (team_ids !== undefined && app.orgDeployed) return fail('must_revoke_access');
      // Acknowledged now, applied uninstallDelayMs later; an app not installed on a workspace is no error.
      for (const t of teams) ctx.state.uninstall(app.id, t, ctx.caller.userId, ctx.uninstallDelayMs);
      return { ok: true };
    },
  },
  'bots.info': {
    tier: 3,
    required: {},
    optional: { bot: 'string', team_id: 'string' },
    token: { kind: 'user', scope: 'users:read' },
    handle(ctx) {
      const b = ctx.args.bot ? ctx.state.bots.get(ctx.args.bot) : undefined;
      if (!b || (ctx.args.team_id && ctx.args.team_id !== b.teamId)) return fail('bot_not_found');
      const app = ctx.state.apps.get(b.appId)!;
      return { ok: true, bot: { id: b.id, deleted: b.deleted, name: app.name, updated: b.updated, app_id: b.appId, user_id: b.userId, icons: {} } };
    },
  },
  'admin.users.session.list': {
    tier: 2,
    required: {},
    optional: { team_id: 'string', user_id: 'string', limit: 'integer', cursor: 'string' },
    token: { kind: 'admin', scope: 'admin.users:read' },
    handle(ctx) {
      const { team_id, user_id, limit, cursor } = ctx.args;
      if (team_id && !user_id) return fail('missing_user');
      if (user_id && !team_id) return fail('missing_team');
      const n = limit === undefined ? 1000 : Number(limit);
      if (n < 1 || n > 1000) return fail('invalid_arguments');
      if (user_id && !ctx.state.users.has(user_id)) return fail('user_not_found');
      let offset = 0;
      if (cursor) {
        const m = /^off:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
        if (!m) return fail('invalid_cursor');
        offset = Number(m[1]);
      }
      const all = ctx.state.liveSessions(user_id, team_id);
      const page = all.slice(offset, offset + Math.min(n, ctx.maxPageSize));
      const next = offset + page.length < all.length ? Buffer.from(`off:${offset + page.length}`).toString('base64') : '';
      return {
        ok: true,
        active_sessions: page.map((s) => ({
          user_id: s.userId, team_id: s.teamId, session_id: s.id,
          created: { device_hardware: s.platform === 'web' ? 'Intel' : 'iPhone', os: s.platform === 'web' ? 'OS X' : 'iOS', os_version: s.platform === 'web' ? '10.15.7' : '17.5', slack_client_version: '4.41.105', ip: s.ip },
        })),
        response_metadata: { next_cursor: next },
      };
    },
  },
  'admin.users.session.invalidate': {
    tier: 2,
    // The reference lists user_id as required and team_id as optional (team_id being retired); the
    // SDK's type still requires team_id. Either identifies the session's owner here.
    required: { session_id: 'integer' },
    optional: { user_id: 'string', team_id: 'string' },
    token: { kind: 'admin', scope: 'admin.users:write' },
    handle(ctx) {
      const { session_id, user_id, team_id } = ctx.args;
      if (!user_id && !team_id) return fail('invalid_arguments');
      const s = ctx.state.sessions.get(Number(session_id));
      if (!s || s.ended || (user_id && s.userId !== user_id) || (team_id && s.teamId !== team_id)) return fail('session_not_found');
      if (!mayEnd(ctx, ctx.state.users.get(s.userId)!)) return fail('cannot_invalidate_primary_owner');
      s.ended = true;
      return { ok: true };
    },
  },
  'admin.users.session.reset': {
    tier: 2,
    required: { user_id: 'string' },
    optional: { mobile_only: 'boolean', web_only: 'boolean' },
    token: { kind: 'admin', scope: 'admin.users:write' },
    handle(ctx) {
      const u = ctx.state.users.get(ctx.args.user_id!);
      if (!u) return fail('user_not_found');
      if (u.isBot) return fail('cannot_reset_bot');
      if (!mayEnd(ctx, u)) return fail('cannot_reset_primary_owner');
      ctx.state.resetUser(u.id, { mobileOnly: bool(ctx.args.mobile_only), webOnly: bool(ctx.args.web_only) });
      return { ok: true };
    },
  },
  'admin.users.session.resetBulk': {
    tier: 2,
    required: { user_ids: 'array' },
    optional: { mobile_only: 'boolean', web_only: 'boolean' },
    token: { kind: 'admin', scope: 'admin.users:write' },
    handle(ctx) {
      const ids = arrayArg(ctx.args.user_ids!) ?? [];
      if (ids.length === 0 || ids.length > 1000) return fail('invalid_arguments');
      for (const id of ids) {
        const u = ctx.state.users.get(id);
        if (!u) return fail('user_not_found');
        if (u.isBot) return fail('cannot_reset_bot');
        if (!mayEnd(ctx, u)) return fail('cannot_reset_primary_owner');
      }
      // Only enqueued: "An ok response … does not mean all sessions have been reset."
      ctx.state.enqueueBulk(ids, { mobileOnly: bool(ctx.args.mobile_only), webOnly: bool(ctx.args.web_only) }, ctx.bulkDelayMs);
      return { ok: true };
    },
  },
  'auth.test': {
    tier: 'special',
    required: {},
    optional: {},
    token: { kind: 'any' },
    handle(ctx) {
      const t = ctx.caller;
      const u = ctx.state.users.get(t.userId)!;
      return {
        ok: true, url: `https://lab-${t.teamId.toLowerCase()}.enterprise.slack.com/`, team: `Workspace ${t.teamId}`, user: u.name, team_id: t.teamId, user_id: u.id, enterprise_id: ENTERPRISE_ID, is_enterprise_install: false,
        ...(t.kind === 'bot' ? { bot_id: `B${u.id.slice(1)}` } : {}),
        ...(t.appId ? { app_id: t.appId, app_name: ctx.state.apps.get(t.appId)?.name ?? '' } : {}),
      };
    },
  },
  'auth.revoke': {
    tier: 3,
    required: {},
    optional: { test: 'boolean' },
    token: { kind: 'any' },
    handle(ctx) {
      if (bool(ctx.args.test)) return { ok: true, revoked: false };
      ctx.caller.revoked = true;
      if (ctx.caller.kind === 'session') ctx.state.sessions.get(ctx.caller.sessionId!)!.ended = true;
      return { ok: true, revoked: true };
    },
  },
  'users.info': {
    tier: 4,
    required: { user: 'string' },
    optional: { include_locale: 'boolean' },
    token: { kind: 'user', scope: 'users:read' },
    handle(ctx) {
      const u = ctx.state.users.get(ctx.args.user!);
      return u ? { ok: true, user: userObject(u) } : fail('user_not_found');
    },
  },
  'users.lookupByEmail': {
    tier: 3,
    required: { email: 'string' },
    optional: {},
    token: { kind: 'user', scope: 'users:read.email' },
    handle(ctx) {
      const u = ctx.state.userBy(ctx.args.email!);
      return u ? { ok: true, user: userObject(u) } : fail('users_not_found');
    },
  },
};

export const isMethod = (m: string): m is MethodName => Object.hasOwn(METHODS, m);

/** Problems with the arguments of a call: missing required ones, undocumented ones, wrong types. */
export function argumentErrors(method: MethodName, args: Record<string, string>): { missing: string[]; unknown: string[]; badType: string[] } {
  const spec = METHODS[method] as MethodSpec<unknown>;
  const known: Record<string, ArgType> = { ...spec.required, ...spec.optional, token: 'string' };
  const missing = Object.keys(spec.required).filter((k) => args[k] === undefined || args[k] === '');
  const unknown = Object.keys(args).filter((k) => !(k in known));
  const badType = Object.entries(args).filter(([k, v]) => {
    const t = known[k];
    if (t === 'integer') return !/^-?\d+$/.test(v);
    if (t === 'boolean') return !['true', 'false', '1', '0'].includes(v);
    if (t === 'array') return arrayArg(v) === undefined;
    return false;
  }).map(([k]) => `${k} must be ${known[k]}`);
  return { missing, unknown, badType };
}
