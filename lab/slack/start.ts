/**
 * The Slack lab: a stateful HTTP server on 127.0.0.1 (port 0) speaking the part of Slack's Web API
 * Sever uses, with Slack's conventions:
 * - `POST /api/<method>`, form-encoded or JSON, token as `Authorization: Bearer` or a `token` field;
 * - HTTP 200 with `{ok: true, …}` or `{ok: false, error}`; `unknown_method` for a method it does not
 *   know, `invalid_arguments` for a documented required argument missing or mistyped; every such
 *   call, and every undocumented argument, is recorded as a violation (tests assert none);
 * - auth: `not_authed`, `invalid_auth`, `token_revoked`, `not_allowed_token_type` (a bot token on an
 *   admin method), `missing_scope` (with `needed` / `provided`), `not_an_admin`;
 * - rate limits per method and token, by tier, in one-minute windows: HTTP 429, `Retry-After` in
 *   seconds, `{ok: false, error: "ratelimited"}`;
 * - `response_metadata.next_cursor` pages (at most `maxPageSize` items, whatever `limit` asks);
 * - admin.users.session.resetBulk only enqueues: the job runs `bulkDelayMs` later (on the lab clock);
 *   admin.apps.uninstall is acknowledged at once and applied `uninstallDelayMs` later: until then the
 *   app's tokens work and its bot is not deleted, while the audit log already records the uninstall;
 * - the Audit Logs API at `GET /audit/v1/logs` (`audit.ts`): an Org Owner's user token with
 *   `auditlogs:read`; errors as HTTP 401/403 with `{ok: false, error}`; Tier 3 for the whole org.
 * Faults: `rateLimit {count, retryAfterSeconds}`, `failFirst {count, status}` (5xx), for both APIs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { WebAPICallResult } from '@slack/web-api';
import { AUDIT_QUERY, auditLogs } from './audit.ts';
import { argumentErrors, isMethod, METHODS, type MethodSpec, type Tier } from './methods.ts';
import { SlackState, type LabToken } from './state.ts';
import { readText } from '../http-text.ts';

export interface Violation {
  method: string;
  errors: string[];
}

export interface SlackFaults {
  rateLimit?: { count: number; retryAfterSeconds: number };
  failFirst?: { count: number; status: number };
}

export interface LabSlackOptions {
  /** The most items one list page holds (default 1000, Slack's own maximum). */
  maxPageSize?: number;
  /** How long after its `ok` a resetBulk job runs (default 5000 ms). */
  bulkDelayMs?: number;
  /** How long after its `ok` an admin.apps.uninstall takes effect (default 5000 ms). */
  uninstallDelayMs?: number;
  /** Calls a minute per method and token, by tier (defaults: Slack's published minimums). */
  tierLimits?: Partial<Record<Tier, number>>;
  now?: () => number;
}

export interface LabSlack {
  baseUrl: string;
  /** What Sever's `slackApiUrl` is set to. */
  apiUrl: string;
  /** What Sever's `auditApiUrl` is set to (`http://127.0.0.1:<port>/audit/v1/`). */
  auditUrl: string;
  state: SlackState;
  /** Sever's token: an Org Admin's user token with admin.users:read/write, users:read(.email). */
  adminToken: string;
  faults: SlackFaults;
  /** HTTP requests by method name, counted before anything else (429s included). */
  calls: Map<string, number>;
  violations(): readonly Violation[];
  clearViolations(): void;
  close(): Promise<void>;
}

/** Slack's published per-method minimums: Tier 1 1+/min, Tier 2 20+, Tier 3 50+, Tier 4 100+; auth.test is "special" (far higher). */
export const TIER_LIMITS: Record<Tier, number> = { 1: 1, 2: 20, 3: 50, 4: 100, special: 600 };


type ErrorBody = WebAPICallResult & { error: string; needed?: string; provided?: string; req_method?: string };

export async function startLabSlack(o: LabSlackOptions = {}): Promise<LabSlack> {
  const state = new SlackState(o.now);
  const admin = state.adminToken();
  const faults: SlackFaults = {};
  const calls = new Map<string, number>();
  const violations: Violation[] = [];
  const limits = { ...TIER_LIMITS, ...(o.tierLimits ?? {}) };
  const windows = new Map<string, { start: number; used: number }>();
  let base = '';

  const send = (res: ServerResponse, status: number, body: WebAPICallResult, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, body: ErrorBody, status = 200, headers: Record<string, string> = {}) => send(res, status, body, headers);

  /** Form or JSON arguments, as strings (JSON values other than strings are sent on as JSON). */
  function parseArgs(method: string, contentType: string, raw: string): Record<string, string> | undefined {
    if (raw === '') return {};
    if (contentType.startsWith('application/json')) {
      try {
        const o = JSON.parse(raw) as Record<string, unknown>;
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
      } catch {
        violations.push({ method, errors: ['the JSON body does not parse'] });
        return undefined;
      }
    }
    if (contentType.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
    violations.push({ method, errors: [`content type ${contentType || '(none)'} is neither form nor JSON`] });
    return undefined;
  }

  function rateLimited(method: string, tier: Tier, token: string): number | undefined {
    const now = state.now();
    const key = `${method} ${token}`;
    let w = windows.get(key);
    if (!w || now - w.start >= 60_000) windows.set(key, (w = { start: now, used: 0 }));
    w.used++;
    return w.used > limits[tier] ? Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000)) : undefined;
  }

  function authorize(res: ServerResponse, spec: MethodSpec<unknown>, token: string | undefined, cookieHeader = ''): LabToken | undefined {
    if (!token) return void error(res, { ok: false, error: 'not_authed' });
    const refusal = state.refusal(token);
    if (refusal) return void error(res, { ok: false, error: refusal });
    const t = state.tokens.get(token)!;
    // As Slack: an xoxc browser token works only with its browser's `d` cookie.
    if (token.startsWith('xoxc-')) {
      const d = /(?:^|;\s*)d=([^;]+)/.exec(cookieHeader)?.[1];
      const session = t.sessionId === undefined ? undefined : state.sessions.get(t.sessionId);
      if (!session || d !== session.cookie) return void error(res, { ok: false, error: 'invalid_auth' });
    }
    if (spec.token.kind === 'any') return t;
    if (t.kind !== 'user') return void error(res, { ok: false, error: 'not_allowed_token_type' });
    if (!t.scopes.includes(spec.token.scope)) return void error(res, { ok: false, error: 'missing_scope', needed: spec.token.scope, provided: t.scopes.join(',') });
    if (spec.token.kind === 'admin' && !state.users.get(t.userId)!.isAdmin) return void error(res, { ok: false, error: 'not_an_admin' });
    return t;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    calls.set(method, (calls.get(method) ?? 0) + 1);
    const raw = await readText(req);
    if (req.method !== 'POST' && req.method !== 'GET') return error(res, { ok: false, error: 'invalid_post_type' });
    if (!isMethod(method)) {
      violations.push({ method, errors: [`${method} is not a method the lab knows`] });
      return error(res, { ok: false, error: 'unknown_method', req_method: method });
    }
    const spec = METHODS[method] as MethodSpec<unknown>;
    const args = parseArgs(method, String(req.headers['content-type'] ?? ''), raw);
    if (!args) return error(res, { ok: false, error: 'invalid_form_data' });
    const bearer = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const token = bearer ?? args.token;
    if (args.token !== undefined) violations.push({ method, errors: ['the token was sent in the body: Slack asks for the Authorization header'] });

    if (faults.failFirst && faults.failFirst.count > 0) {
      faults.failFirst.count--;
      res.writeHead(faults.failFirst.status, { 'content-type': 'text/plain' }).end('upstream error');
      return;
    }
    const retryAfter = faults.rateLimit && faults.rateLimit.count > 0 ? (faults.rateLimit.count--, faults.rateLimit.retryAfterSeconds) : rateLimited(method, spec.tier, token ?? '');
    if (retryAfter !== undefined) return error(res, { ok: false, error: 'ratelimited' }, 429, { 'retry-after': String(retryAfter) });

    const { missing, unknown, badType } = argumentErrors(method, args);
    if (unknown.length > 0) violations.push({ method, errors: unknown.map((k) => `undocumented argument ${k}`) });
    if (missing.length > 0 || badType.length > 0) {
      violations.push({ method, errors: [...missing.map((k) => `missing required argument ${k}`), ...badType] });
      return error(res, { ok: false, error: 'invalid_arguments' });
    }
    const caller = authorize(res, spec, token, String(req.headers.cookie ?? ''));
    if (!caller) return;
    state.runDueJobs();
    const body = spec.handle({ state, args, caller, maxPageSize: o.maxPageSize ?? 1000, bulkDelayMs: o.bulkDelayMs ?? 5_000, uninstallDelayMs: o.uninstallDelayMs ?? 5_000 }) as WebAPICallResult & { error?: string };
    if (body.ok === false && body.error === 'invalid_arguments') violations.push({ method, errors: ['arguments the method documents as invalid together'] });
    send(res, 200, body);
  }

  /** The Audit Logs API: GET only, an Org Owner's token with auditlogs:read, Tier 3 for the whole org. */
  async function handleAudit(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = 'audit.logs';
    calls.set(name, (calls.get(name) ?? 0) + 1);
    await readText(req);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => void res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
    if (req.method !== 'GET') {
      violations.push({ method: name, errors: [`${req.method} is not GET`] });
      return json(405, { ok: false, error: 'method_not_allowed' });
    }
    const unknown = [...url.searchParams.keys()].filter((k) => !(AUDIT_QUERY as readonly string[]).includes(k));
    if (unknown.length > 0) violations.push({ method: name, errors: unknown.map((k) => `undocumented query parameter ${k}`) });
    if (faults.failFirst && faults.failFirst.count > 0) {
      faults.failFirst.count--;
      return void res.writeHead(faults.failFirst.status, { 'content-type': 'text/plain' }).end('upstream error');
    }
    const token = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const retryAfter = faults.rateLimit && faults.rateLimit.count > 0 ? (faults.rateLimit.count--, faults.rateLimit.retryAfterSeconds) : rateLimited(name, 3, 'org');
    if (retryAfter !== undefined) return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
    if (!token) return json(401, { ok: false, error: 'not_authed' });
    const refusal = state.refusal(token);
    if (refusal) return json(401, { ok: false, error: refusal });
    const t = state.tokens.get(token)!;
    if (t.kind !== 'user') return json(403, { ok: false, error: 'not_allowed_token_type' });
    if (!t.scopes.includes('auditlogs:read')) return json(403, { ok: false, error: 'missing_scope', needed: 'auditlogs:read', provided: t.scopes.join(',') });
    // Only an Org Owner's token: "Enterprise organization administrator tokens are not currently supported".
    if (!state.users.get(t.userId)!.isOwner) return json(403, { ok: false, error: 'not_an_owner' });
    state.runDueJobs();
    const r = auditLogs(state, url.searchParams, o.maxPageSize ?? 1000);
    if (r.status === 400) violations.push({ method: name, errors: [`refused: ${(r.body as { error: string }).error}`] });
    json(r.status, r.body);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/audit/v1/logs') {
      handleAudit(req, res, url).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
      });
      return;
    }
    const m = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (!m) return void res.writeHead(404).end();
    handle(req, res, m[1]!).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  return {
    baseUrl: base, apiUrl: `${base}/api/`, auditUrl: `${base}/audit/v1/`, state, adminToken: admin.value, faults, calls,
    violations: () => violations,
    clearViolations: () => void violations.splice(0),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
