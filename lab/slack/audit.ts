/**
 * The part of Slack's Audit Logs API (`GET https://api.slack.com/audit/v1/logs`) the lab speaks.
 * `@slack/web-api` has no types for this API (it is not a Web API method), so the entry shape is
 * transcribed from the documented schema (the fields the official Python SDK's
 * `slack_sdk.audit_logs.v1.logs` reads): `{entries: [{id, date_create, action, actor, entity,
 * context, details}], response_metadata: {next_cursor}}`, newest entry first.
 *
 * Query parameters (all optional, combined with AND): `latest`, `oldest` (Unix seconds, inclusive),
 * `limit` (1–9999), `action` (one action name), `actor` (a user id), `entity` (the id of the
 * action's target), `cursor`. Anything else is recorded as a violation.
 */
import type { SlackState } from './state.ts';

export interface AuditUser {
  id: string;
  name: string;
  email: string;
  team: string;
}

export interface AuditEntry {
  id: string;
  /** Unix seconds. */
  date_create: number;
  action: string;
  actor: { type: 'user'; user: AuditUser };
  entity: { type: 'app'; app: { id: string; name: string; is_distributed: boolean; is_directory_approved: boolean; scopes: string[] } };
  context: { location: { type: 'workspace' | 'enterprise'; id: string; name: string; domain: string }; ua: string; ip_address: string };
  details?: {
    /** User scopes granted (a user token for the actor). */
    scopes?: string[];
    /** Bot scopes granted (the workspace's bot). */
    bot_scopes?: string[];
    bot_id?: string;
    granular_bot_token?: boolean;
    is_internal_integration?: boolean;
    app_owner_id?: string;
  };
}

export interface AuditLogsResponse {
  entries: AuditEntry[];
  response_metadata: { next_cursor: string };
}

export type AuditError = { ok: false; error: string; needed?: string; provided?: string };

export const AUDIT_QUERY = ['latest', 'oldest', 'limit', 'action', 'actor', 'entity', 'cursor'] as const;

/** Answers one `GET /audit/v1/logs`: the HTTP status and the body. */
export function auditLogs(state: SlackState, query: URLSearchParams, maxPageSize: number): { status: number; body: AuditLogsResponse | AuditError } {
  const num = (k: string) => (query.has(k) ? Number(query.get(k)) : undefined);
  const [latest, oldest, limit] = [num('latest'), num('oldest'), num('limit') ?? 100];
  if ([latest, oldest, limit].some((v) => v !== undefined && !Number.isInteger(v)) || limit < 1 || limit > 9999) return { status: 400, body: { ok: false, error: 'invalid_arguments' } };
  let offset = 0;
  const cursor = query.get('cursor');
  if (cursor) {
    const m = /^audit:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
    if (!m) return { status: 400, body: { ok: false, error: 'invalid_cursor' } };
    offset = Number(m[1]);
  }
  const [action, actor, entity] = [query.get('action'), query.get('actor'), query.get('entity')];
  const all = state.audit
    .filter((e) => (action === null || e.action === action) && (actor === null || e.actor.user.id === actor) && (entity === null || e.entity.app.id === entity))
    .filter((e) => (latest === undefined || e.date_create <= latest) && (oldest === undefined || e.date_create >= oldest))
    .reverse();
  const page = all.slice(offset, offset + Math.min(limit, maxPageSize));
  const next = offset + page.length < all.length ? Buffer.from(`audit:${offset + page.length}`).toString('base64') : '';
  return { status: 200, body: { entries: page, response_metadata: { next_cursor: next } } };
}
