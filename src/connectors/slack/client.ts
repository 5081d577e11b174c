/**
 * The only code of the slack connector that talks to Slack: the Web API through the official
 * `@slack/web-api` `WebClient`, with an Enterprise Grid org admin's user token (admin.users:read,
 * admin.users:write, users:read, users:read.email; admin.apps:write for an integration subject) for
 * the admin methods, and throwaway clients holding a presented token for `auth.test` (replay) and
 * `auth.revoke`. The Audit Logs API (`GET <auditApiUrl>logs`, not a Web API method, so not in the
 * SDK) is read with `fetch` and an Org Owner's token (auditlogs:read), with the same error mapping.
 *
 * The WebClient's own retries are off (`retryConfig: { retries: 0 }`) and it never queues a
 * rate-limited call (`rejectRateLimitedCalls: true`): one HTTP request per call, and the engine
 * retries. Its errors become coded SeverErrors: 429 with Retry-After (`slack_webapi_rate_limited_error`)
 * or `ratelimited` → ERR_PROVIDER_RATE_LIMITED with retryAfterMs; HTTP 5xx, network, timeout and
 * Slack's transient errors → ERR_PROVIDER_UNAVAILABLE (both retryable); Slack refusing Sever's own
 * token (`invalid_auth`, `not_authed`, `missing_scope`, `not_allowed_token_type`, `not_an_admin`…)
 * → ERR_PROVIDER_REJECTED; `cannot_reset_bot` and the primary-owner refusals → ERR_NOT_REVOCABLE.
 * Token values never appear in errors or results.
 */
import { ErrorCode, LogLevel, WebClient, type Logger } from '@slack/web-api';
import { SeverError } from '../../core/errors.ts';

export interface SlackHttp {
  /** Connector instance name, for messages. */
  name: string;
  /** Base URL of the Web API, ending in `/` (`https://slack.com/api/` for Slack itself). */
  apiUrl: string;
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
}

export interface SlackUser {
  id: string;
  email?: string;
  /** Workspaces of the org the user belongs to (`enterprise_user.teams`, else `team_id`). */
  teams: string[];
  isBot: boolean;
  isPrimaryOwner: boolean;
}

export interface SlackSession {
  sessionId: number;
  userId: string;
  teamId: string;
  device?: string;
  ip?: string;
}

/** What `auth.test` answered for a presented token: it works, or Slack refused it (the error code). */
export type ReplayResult = { works: true; userId?: string; teamId?: string; botId?: string; appId?: string } | { works: false; error: string };

/** One Audit Logs API entry, as far as Sever reads it. `at` in Unix seconds; `teamId` when it happened on a workspace. */
export interface AuditRecord {
  id: string;
  at: number;
  action: string;
  actorId?: string;
  appId?: string;
  appName?: string;
  teamId?: string;
  /** User scopes granted to the actor (a user token). */
  scopes: string[];
  /** Bot scopes granted (the workspace's bot). */
  botScopes: string[];
  botId?: string;
}

/** A bot as bots.info shows it. */
export interface SlackBot {
  id: string;
  deleted: boolean;
  userId?: string;
  appId?: string;
}

/**
 * Slack's answers for a presented token that no longer works: dead, not a failure. (`not_authed`,
 * no token at all, is not among them: an empty value proves nothing.)
 */
export const DEAD_TOKEN_ERRORS = new Set(['invalid_auth', 'token_revoked', 'token_expired', 'account_inactive']);

const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'user_session_reset_failed', 'session_invalidation_failed', 'team_added_to_org', 'org_login_required']);
const NOT_REVOCABLE_WHY: Record<string, string> = {
  cannot_reset_bot: 'a bot user has no sessions to reset: revoke its tokens (auth.revoke with the token) or uninstall the app',
  can_not_uninstall: "Slack does not let this app be uninstalled through the API (admin apps with SCIM, app management or other org-level features): remove it in the org's app management settings, or through Slack support",
  must_revoke_access: "the app is deployed to the whole org and cannot be uninstalled from one workspace: an Org Admin uninstalls it from the org (admin.apps.uninstall with enterprise_id, which ends it on every workspace) or removes the org deployment",
};
const PRIMARY_OWNER_WHY = "only the org's primary owner can end the primary owner's sessions: ask them to sign out everywhere, or have Sever run with the primary owner's token";
const NOT_REVOCABLE = new Set([...Object.keys(NOT_REVOCABLE_WHY), 'cannot_reset_primary_owner', 'cannot_invalidate_primary_owner', 'session_reset_not_allowed']);
const SEVER_TOKEN = new Set([...DEAD_TOKEN_ERRORS, 'not_authed', 'missing_scope', 'not_allowed_token_type', 'not_an_admin', 'admin_unauthorized', 'no_permission', 'team_access_not_granted', 'feature_not_enabled', 'enterprise_is_restricted', 'access_denied', 'two_factor_setup_required', 'ekm_access_denied']);

/** The Bulk reset's limit per call, from its documentation. */
export const RESET_BULK_MAX_USERS = 1_000;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

interface SlackErrorLike {
  code?: unknown;
  retryAfter?: unknown;
  statusCode?: unknown;
  data?: { error?: unknown; needed?: unknown; provided?: unknown; response_metadata?: { retryAfter?: unknown } };
  original?: { name?: unknown; cause?: { code?: unknown }; message?: unknown };
  message?: unknown;
}

/** The Slack error code of a platform error (`ok: false`), else undefined. */
export function platformError(e: unknown): string | undefined {
  const x = e as SlackErrorLike;
  return x?.code === ErrorCode.PlatformError && typeof x.data?.error === 'string' ? x.data.error : undefined;
}

/** The coded error for anything the WebClient threw on `method`. */
export function slackError(http: Pick<SlackHttp, 'name' | 'timeoutMs'>, method: string, e: unknown): SeverError {
  if (e instanceof SeverError) return e;
  const x = (e ?? {}) as SlackErrorLike;
  const details: Record<string, unknown> = { connector: http.name, operation: method };
  if (x.code === ErrorCode.RateLimitedError && typeof x.retryAfter === 'number') {
    const retryAfterMs = Math.max(0, x.retryAfter * 1000);
    return new SeverError('ERR_PROVIDER_RATE_LIMITED', `${http.name}: ${method} was rate limited by Slack (429); retry after ${retryAfterMs} ms`, { retryable: true, retryAfterMs, details: { ...details, status: 429 }, cause: e });
  }
  if (x.code === ErrorCode.HTTPError && typeof x.statusCode === 'number') {
    const status = x.statusCode;
    if (status >= 500) return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${http.name}: ${method} answered HTTP ${status}`, { retryable: true, details: { ...details, status }, cause: e });
    return new SeverError('ERR_PROVIDER_REJECTED', `${http.name}: ${method} answered HTTP ${status} (check settings.slackApiUrl)`, { details: { ...details, status }, cause: e });
  }
  if (x.code === ErrorCode.RequestError) {
    const o = x.original ?? {};
    const reason = o.name === 'TimeoutError' || o.name === 'AbortError' ? `timed out after ${http.timeoutMs} ms` : String(o.cause?.code ?? o.name ?? 'network error');
    return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${http.name}: ${method} could not reach Slack (${reason})`, { retryable: true, details: { ...details, reason }, cause: e });
  }
  const error = platformError(e);
  if (error !== undefined) {
    const d = { ...details, error, ...(typeof x.data?.needed === 'string' ? { needed: x.data.needed } : {}), ...(typeof x.data?.provided === 'string' ? { provided: x.data.provided } : {}) };
    if (error === 'ratelimited') {
      const after = x.data?.response_metadata?.retryAfter;
      const retryAfterMs = typeof after === 'number' ? after * 1000 : undefined;
      return new SeverError('ERR_PROVIDER_RATE_LIMITED', `${http.name}: ${method} was rate limited by Slack (ratelimited)`, { retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), details: d, cause: e });
    }
    if (TRANSIENT.has(error)) return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${http.name}: ${method} failed on Slack's side (${error})`, { retryable: true, details: d, cause: e });
    if (NOT_REVOCABLE.has(error)) {
      return new SeverError('ERR_NOT_REVOCABLE', `${http.name}: ${method} refused (${error}): ${NOT_REVOCABLE_WHY[error] ?? PRIMARY_OWNER_WHY}`, { details: d, cause: e });
    }
    if (SEVER_TOKEN.has(error)) {
      const hint = error === 'missing_scope' ? ` (needed ${String(x.data?.needed ?? 'admin.users:write')}, the token has ${String(x.data?.provided ?? '?')})` : '';
      return new SeverError('ERR_PROVIDER_REJECTED', `${http.name}: ${method} refused Sever's token (${error})${hint}: settings.tokenRef must name an Enterprise Grid org admin's user token with admin.users:read, admin.users:write, users:read and users:read.email (and admin.apps:write for an integration subject)`, { details: d, cause: e });
    }
    return new SeverError('ERR_PROVIDER_REJECTED', `${http.name}: ${method} was refused by Slack (${error})`, { details: d, cause: e });
  }
  if (typeof x.message === 'string' && /rate limit|retry header/i.test(x.message)) {
    // A 429 without a usable Retry-After: the SDK throws a plain Error.
    return new SeverError('ERR_PROVIDER_RATE_LIMITED', `${http.name}: ${method} was rate limited by Slack (429 without Retry-After)`, { retryable: true, details: { ...details, status: 429 }, cause: e });
  }
  return new SeverError('ERR_PROVIDER_RESPONSE', `${http.name}: ${method}: Slack's answer could not be read (${e instanceof Error ? e.message.slice(0, 200) : 'unknown'})`, { details, cause: e });
}

export interface SlackClientOptions {
  http: SlackHttp;
  /** Sever's admin token, resolved on first use. */
  adminToken: () => Promise<string>;
  /** The Audit Logs API: its base URL (ending in `/`) and an Org Owner's token with auditlogs:read. */
  audit?: { apiUrl: string; token: () => Promise<string> };
}

/** The Audit Logs API's largest page. */
const AUDIT_PAGE = 9999;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The entry as Sever reads it (the documented schema: actor.user, entity.app, context.location, details). */
function toRecord(e: Record<string, any>): AuditRecord | undefined {
  if (typeof e?.action !== 'string' || typeof e.date_create !== 'number') return undefined;
  const loc = e.context?.location;
  const botId = text(e.details?.bot_id);
  return {
    id: String(e.id ?? ''), at: e.date_create, action: e.action, scopes: strings(e.details?.scopes), botScopes: strings(e.details?.bot_scopes),
    ...(text(e.actor?.user?.id) ? { actorId: e.actor.user.id } : {}), ...(text(e.entity?.app?.id) ? { appId: e.entity.app.id } : {}),
    ...(text(e.entity?.app?.name) ? { appName: e.entity.app.name } : {}), ...(loc?.type === 'workspace' && text(loc.id) ? { teamId: loc.id } : {}), ...(botId ? { botId } : {}),
  };
}

export class SlackClient {
  readonly #o: SlackClientOptions;
  #admin: Promise<WebClient> | undefined;
  #self: Promise<string | undefined> | undefined;

  constructor(o: SlackClientOptions) {
    this.#o = o;
  }

  get name(): string {
    return this.#o.http.name;
  }

  #client(token: string, cookie?: string): WebClient {
    const h = this.#o.http;
    return new WebClient(token, {
      ...(cookie ? { headers: { cookie: `d=${cookie}` } } : {}),
      slackApiUrl: h.apiUrl, timeout: h.timeoutMs, fetch: h.fetch as never, logger: silent,
      // The engine retries and schedules: one request per call, and a 429 comes back at once.
      retryConfig: { retries: 0 }, rejectRateLimitedCalls: true,
    });
  }

  async #api(): Promise<WebClient> {
    this.#admin ??= this.#o.adminToken().then((t) => this.#client(t));
    try {
      return await this.#admin;
    } catch (e) {
      this.#admin = undefined;
      throw e;
    }
  }

  async #call<T>(method: string, fn: (api: WebClient) => Promise<T>, gone: readonly string[] = []): Promise<T | undefined> {
    const api = await this.#api();
    try {
      return await fn(api);
    } catch (e) {
      const error = platformError(e);
      if (error !== undefined && gone.includes(error)) return undefined;
      throw slackError(this.#o.http, method, e);
    }
  }

  /** The user id of Sever's own token (auth.test), once per instance. */
  async self(): Promise<string | undefined> {
    this.#self ??= this.#call('auth.test', (api) => api.auth.test()).then((r) => r?.user_id);
    try {
      return await this.#self;
    } catch (e) {
      this.#self = undefined;
      throw e;
    }
  }

  /** A user by id (users.info); undefined when Slack does not know it. */
  async user(id: string): Promise<SlackUser | undefined> {
    const r = await this.#call('users.info', (api) => api.users.info({ user: id }), ['user_not_found', 'user_not_visible']);
    return r?.user?.id ? toUser(r.user) : undefined;
  }

  /** A user by email (users.lookupByEmail); undefined when none has it. */
  async userByEmail(email: string): Promise<SlackUser | undefined> {
    const r = await this.#call('users.lookupByEmail', (api) => api.users.lookupByEmail({ email }), ['users_not_found']);
    return r?.user?.id ? toUser(r.user) : undefined;
  }

  /** Active sessions of a user on one workspace (admin.users.session.list), every cursor page. */
  async sessions(userId: string, teamId: string): Promise<SlackSession[]> {
    const out: SlackSession[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#call('admin.users.session.list', (api) => api.admin.users.session.list({ user_id: userId, team_id: teamId, limit: 1000, ...(cursor ? { cursor } : {}) }), ['no_active_sessions']);
      for (const s of page?.active_sessions ?? []) {
        if (typeof s.session_id !== 'number' || s.user_id !== userId) continue;
        const seen = s.recent ?? s.created;
        out.push({ sessionId: s.session_id, userId, teamId: s.team_id ?? teamId, ...(seen?.device_hardware || seen?.os ? { device: [seen.device_hardware, seen.os].filter(Boolean).join(' ') } : {}), ...(seen?.ip ? { ip: seen.ip } : {}) });
      }
      cursor = page?.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return out;
  }

  /** Ends one session (admin.users.session.invalidate): `ended`, or `not_found` when Slack no longer has it. */
  async invalidate(userId: string, teamId: string, sessionId: number): Promise<'ended' | 'not_found'> {
    // The SDK types team_id + session_id:string; Slack documents session_id as an integer and user_id as required.
    const args = { session_id: String(sessionId), team_id: teamId, user_id: userId };
    const r = await this.#call('admin.users.session.invalidate', (api) => api.admin.users.session.invalidate(args), ['session_not_found']);
    return r === undefined ? 'not_found' : 'ended';
  }

  /** Ends every web and mobile session of the user (admin.users.session.reset). */
  async reset(userId: string, o: { mobileOnly?: boolean; webOnly?: boolean } = {}): Promise<void> {
    await this.#call('admin.users.session.reset', (api) => api.admin.users.session.reset({ user_id: userId, ...(o.mobileOnly ? { mobile_only: true } : {}), ...(o.webOnly ? { web_only: true } : {}) }));
  }

  /**
   * Enqueues a reset of every session of up to 1,000 users (admin.users.session.resetBulk), for a
   * bulk incident. Slack's `ok` only says the job was enqueued: it is never evidence; each user's
   * sessions are proved gone by re-listing them.
   */
  async resetBulk(userIds: readonly string[], o: { mobileOnly?: boolean; webOnly?: boolean } = {}): Promise<{ status: 'accepted'; users: number }> {
    if (userIds.length === 0 || userIds.length > RESET_BULK_MAX_USERS) {
      throw new SeverError('ERR_INPUT_INVALID', `${this.name}: admin.users.session.resetBulk takes 1 to ${RESET_BULK_MAX_USERS} users, got ${userIds.length}: split the list`, { details: { connector: this.name, users: userIds.length } });
    }
    await this.#call('admin.users.session.resetBulk', (api) => api.admin.users.session.resetBulk({ user_ids: [...userIds] as [string, ...string[]], ...(o.mobileOnly ? { mobile_only: true } : {}), ...(o.webOnly ? { web_only: true } : {}) }));
    return { status: 'accepted', users: userIds.length };
  }

  /**
   * Uninstalls an app from one workspace (admin.apps.uninstall with `team_ids`; the SDK's argument
   * type says `team_id`, the method reference `team_ids`, which is sent). Slack's `ok` acknowledges
   * it, nothing more. `app_not_found`: the app no longer exists.
   */
  async uninstallApp(appId: string, teamId: string): Promise<'acknowledged' | 'app_not_found'> {
    const r = await this.#call('admin.apps.uninstall', (api) => api.apiCall('admin.apps.uninstall', { app_id: appId, team_ids: teamId }), ['app_not_found']);
    return r === undefined ? 'app_not_found' : 'acknowledged';
  }

  /** A bot by id on a workspace (bots.info); undefined when Slack does not know it. */
  async bot(botId: string, teamId: string): Promise<SlackBot | undefined> {
    const r = await this.#call('bots.info', (api) => api.bots.info({ bot: botId, team_id: teamId }), ['bot_not_found']);
    const b = r?.bot;
    return b?.id ? { id: b.id, deleted: b.deleted === true, ...(b.user_id ? { userId: b.user_id } : {}), ...(b.app_id ? { appId: b.app_id } : {}) } : undefined;
  }

  /**
   * Every entry of one action in the org's audit log (GET <auditApiUrl>logs?action=…, every cursor
   * page), optionally from `oldest` (Unix seconds) on, oldest first (Slack answers newest first; the
   * order is kept for entries of the same second). Read with an Org Owner's token.
   */
  async auditLogs(action: string, o: { oldest?: number } = {}): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#auditPage({ action, limit: String(AUDIT_PAGE), ...(o.oldest !== undefined ? { oldest: String(Math.floor(o.oldest)) } : {}), ...(cursor ? { cursor } : {}) });
      for (const e of page.entries) {
        const r = toRecord(e);
        if (r) out.push(r);
      }
      cursor = page.next;
    } while (cursor);
    return out.reverse();
  }

  async #auditPage(query: Record<string, string>): Promise<{ entries: Array<Record<string, unknown>>; next?: string }> {
    const h = this.#o.http;
    const op = 'audit/v1/logs';
    const details = { connector: h.name, operation: op };
    if (!this.#o.audit) throw new SeverError('ERR_CONNECTOR_CONFIG', `${h.name}: the Audit Logs API is not configured (settings.auditApiUrl / auditTokenRef)`, { details });
    const url = new URL('logs', this.#o.audit.apiUrl);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const token = await this.#o.audit.token();
    let res: Response;
    try {
      res = await h.fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(h.timeoutMs) });
    } catch (e) {
      const o = e as { name?: string; cause?: { code?: unknown } };
      const reason = o.name === 'TimeoutError' || o.name === 'AbortError' ? `timed out after ${h.timeoutMs} ms` : String(o.cause?.code ?? o.name ?? 'network error');
      throw new SeverError('ERR_PROVIDER_UNAVAILABLE', `${h.name}: ${op} could not reach Slack (${reason})`, { retryable: true, details: { ...details, reason }, cause: e });
    }
    const raw = await res.text().catch(() => '');
    let body: Record<string, any> | undefined;
    try {
      body = JSON.parse(raw) as Record<string, any>;
    } catch {
      body = undefined;
    }
    const status = res.status;
    if (status === 429) {
      const after = Number(res.headers.get('retry-after'));
      const retryAfterMs = Number.isFinite(after) && after >= 0 ? after * 1000 : undefined;
      throw new SeverError('ERR_PROVIDER_RATE_LIMITED', `${h.name}: ${op} was rate limited by Slack (429, Tier 3 for the whole org)${retryAfterMs === undefined ? '' : `; retry after ${retryAfterMs} ms`}`, { retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), details: { ...details, status } });
    }
    if (status >= 500) throw new SeverError('ERR_PROVIDER_UNAVAILABLE', `${h.name}: ${op} answered HTTP ${status}`, { retryable: true, details: { ...details, status } });
    if (!res.ok) {
      const error = typeof body?.error === 'string' ? body.error : `HTTP ${status}`;
      throw new SeverError('ERR_PROVIDER_REJECTED', `${h.name}: ${op} refused Sever's token (${error}): settings.auditTokenRef (or tokenRef) must name an Org Owner's user token with auditlogs:read (the Audit Logs API takes no Org Admin token)`, {
        details: { ...details, status, error, ...(typeof body?.needed === 'string' ? { needed: body.needed } : {}) },
      });
    }
    if (!body || !Array.isArray(body.entries)) throw new SeverError('ERR_PROVIDER_RESPONSE', `${h.name}: ${op}: Slack's answer has no entries array`, { details: { ...details, status } });
    const next = typeof body.response_metadata?.next_cursor === 'string' && body.response_metadata.next_cursor !== '' ? body.response_metadata.next_cursor : undefined;
    return { entries: body.entries as Array<Record<string, unknown>>, ...(next ? { next } : {}) };
  }

  /** auth.test made with a stolen token (and, for an xoxc browser token, its `d` cookie). Never throws for a dead token. */
  async replay(token: string, cookie?: string): Promise<ReplayResult> {
    try {
      const r = await this.#client(token, cookie).auth.test();
      return { works: true, ...(r.user_id ? { userId: r.user_id } : {}), ...(r.team_id ? { teamId: r.team_id } : {}), ...(r.bot_id ? { botId: r.bot_id } : {}), ...(r.app_id ? { appId: r.app_id } : {}) };
    } catch (e) {
      const error = platformError(e);
      if (error !== undefined && DEAD_TOKEN_ERRORS.has(error)) return { works: false, error };
      throw slackError(this.#o.http, 'auth.test', e);
    }
  }

  /** Revokes a token with itself (auth.revoke): `revoked`, or `already_dead` when Slack no longer accepts it. */
  async revokeToken(token: string): Promise<{ status: 'revoked' | 'already_dead'; error?: string }> {
    try {
      const r = (await this.#client(token).auth.revoke()) as { revoked?: boolean };
      return r.revoked === false ? { status: 'already_dead' } : { status: 'revoked' };
    } catch (e) {
      const error = platformError(e);
      if (error !== undefined && DEAD_TOKEN_ERRORS.has(error)) return { status: 'already_dead', error };
      throw slackError(this.#o.http, 'auth.revoke', e);
    }
  }
}

interface SdkUser {
  id?: string;
  team_id?: string;
  is_bot?: boolean;
  is_primary_owner?: boolean;
  profile?: { email?: string };
  enterprise_user?: { teams?: string[]; is_primary_owner?: boolean };
}

function toUser(u: SdkUser): SlackUser {
  const teams = [...new Set([...(u.enterprise_user?.teams ?? []), ...(u.team_id ? [u.team_id] : [])])].sort();
  return {
    id: u.id!, teams, isBot: u.is_bot === true, isPrimaryOwner: u.is_primary_owner === true || u.enterprise_user?.is_primary_owner === true,
    ...(u.profile?.email ? { email: u.profile.email } : {}),
  };
}
