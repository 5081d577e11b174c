/**
 * The Google lab: a stateful HTTP server on 127.0.0.1 (port 0) speaking the part of the Admin SDK
 * Directory API Sever uses. Every request it receives and every response it sends is validated
 * against Google's own discovery document (`discovery.ts`); mismatches are recorded as violations
 * (never thrown) for the tests to assert empty. A method the document lacks answers 404; a described
 * method the lab does not implement answers 501; both are violations too.
 *
 * Documented semantics: `Authorization: Bearer` of a known admin token with one of the method's
 * scopes (else 401 `authError` / 403 `insufficientPermissions`); Google's error body
 * `{"error":{"code","message","errors":[{"reason","message"}],"status"}}`; `users.list` needs
 * `customer` or `domain` and pages by `maxResults` (≤ 500, capped by `pageSize`) / `pageToken` →
 * `nextPageToken`, `mobiledevices.list` likewise (≤ 100); success without a body is 204; faults:
 * `rateLimit {count, status: 429 | 403, reason, retryAfterSeconds?}`, `failFirst {count, status}`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { loadDirectory, type Method } from './discovery.ts';
import { GoogleState } from './state.ts';
import { readText } from '../http-text.ts';
import { FixedWindow } from '../rate-window.ts';

export interface Violation { side: 'request' | 'response'; at: string; errors: string[] }

export interface GoogleFaults {
  rateLimit?: { count: number; status: 429 | 403; reason: 'rateLimitExceeded' | 'userRateLimitExceeded'; retryAfterSeconds?: number };
  failFirst?: { count: number; status: number };
}

export interface LabGoogleOptions {
  /** Largest page the lab answers, whatever maxResults asks (to force several pages). */
  pageSize?: number;
  signOutDelayMs?: number;
  deviceSyncDelayMs?: number;
  now?: () => number;
  /** Queries allowed per window (Google's is per minute; default: effectively unlimited); past it, 429 rateLimitExceeded. */
  rate?: { limit: number; windowMs: number };
}

export interface LabGoogle {
  baseUrl: string;
  state: GoogleState;
  /** Sever's admin access token, with the connector's least-privilege scopes. */
  adminToken: string;
  faults: GoogleFaults;
  /** Requests received, by discovery method id (e.g. `directory.tokens.delete`). */
  calls: Map<string, number>;
  violations(): readonly Violation[];
  clearViolations(): void;
  /** Records the checks of one exchange, as the server does: to prove the check can fail. */
  check(httpMethod: string, path: string, query: string, body: unknown, answer: { status: number; body?: unknown }): void;
  /** The Directory API's rate limit and what each of its windows served and refused. */
  rate: FixedWindow;
  close(): Promise<void>;
}

export const LEAST_PRIVILEGE = ['admin.directory.user.security', 'admin.directory.device.mobile.action', 'admin.directory.user.readonly'];

interface Answer { status: number; body?: unknown; headers?: Record<string, string> }

const STATUS_NAMES: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 501: 'UNIMPLEMENTED', 503: 'UNAVAILABLE' };

export function googleError(code: number, reason: string, message: string): Answer {
  return { status: code, body: { error: { code, message, errors: [{ message, domain: 'global', reason }], status: STATUS_NAMES[code] ?? 'UNKNOWN' } } };
}

const notFound = (what: string) => googleError(404, 'notFound', `Resource Not Found: ${what}`);
const page = <T>(all: T[], q: URLSearchParams, max: number, cap: number): { items: T[]; next?: string } => {
  const offset = q.get('pageToken') ? Number(Buffer.from(q.get('pageToken')!, 'base64url').toString()) : 0;
  const size = Math.min(Number(q.get('maxResults') ?? 100), max, cap);
  const items = all.slice(offset, offset + size);
  return { items, ...(offset + size < all.length ? { next: Buffer.from(String(offset + size)).toString('base64url') } : {}) };
};

type Handler = (s: GoogleState, p: Record<string, string>, q: URLSearchParams, body: unknown, pageSize: number) => Answer;

const userJson = (u: { id: string; primaryEmail: string; suspended: boolean; creationTime: string; lastLoginTime?: string }) => ({
  kind: 'admin#directory#user', id: u.id, primaryEmail: u.primaryEmail, suspended: u.suspended, creationTime: u.creationTime, lastLoginTime: u.lastLoginTime ?? '1970-01-01T00:00:00.000Z',
});

const HANDLERS: Record<string, Handler> = {
  'directory.users.get': (s, p) => {
    const u = s.userBy(p.userKey!);
    return u ? { status: 200, body: userJson(u) } : notFound('userKey');
  },
  'directory.users.list': (s, _p, q, _b, cap) => {
    if (!q.get('customer') && !q.get('domain')) return googleError(400, 'badRequest', 'Bad Request');
    const { items, next } = page([...s.users.values()], q, 500, cap);
    return { status: 200, body: { kind: 'admin#directory#users', users: items.map(userJson), ...(next ? { nextPageToken: next } : {}) } };
  },
  'directory.users.signOut': (s, p) => {
    const u = s.userBy(p.userKey!);
    if (!u) return notFound('userKey');
    s.signOut(u.id);
    return { status: 204 };
  },
  'directory.tokens.list': (s, p) => {
    const u = s.userBy(p.userKey!);
    if (!u) return notFound('userKey');
    return { status: 200, body: { kind: 'admin#directory#tokenList', items: [...(s.tokens.get(u.id)?.values() ?? [])].map((t) => ({ kind: 'admin#directory#token', userKey: u.id, ...t })) } };
  },
  'directory.tokens.get': (s, p) => {
    const u = s.userBy(p.userKey!);
    const t = u ? s.tokens.get(u.id)?.get(p.clientId!) : undefined;
    return u && t ? { status: 200, body: { kind: 'admin#directory#token', userKey: u.id, ...t } } : notFound(u ? 'clientId' : 'userKey');
  },
  'directory.tokens.delete': (s, p) => {
    const u = s.userBy(p.userKey!);
    const m = u ? s.tokens.get(u.id) : undefined;
    if (!u || !m?.has(p.clientId!)) return notFound(u ? 'clientId' : 'userKey');
    m.delete(p.clientId!);
    return { status: 204 };
  },
  'directory.asps.list': (s, p) => {
    const u = s.userBy(p.userKey!);
    if (!u) return notFound('userKey');
    return { status: 200, body: { kind: 'admin#directory#aspList', items: [...(s.asps.get(u.id)?.values() ?? [])].map((a) => aspJson(u.id, a)) } };
  },
  'directory.asps.get': (s, p) => {
    const u = s.userBy(p.userKey!);
    const a = u ? s.asps.get(u.id)?.get(Number(p.codeId)) : undefined;
    return u && a ? { status: 200, body: aspJson(u.id, a) } : notFound(u ? 'codeId' : 'userKey');
  },
  'directory.asps.delete': (s, p) => {
    const u = s.userBy(p.userKey!);
    const m = u ? s.asps.get(u.id) : undefined;
    if (!u || !m?.has(Number(p.codeId))) return notFound(u ? 'codeId' : 'userKey');
    m.delete(Number(p.codeId));
    return { status: 204 };
  },
  'directory.verificationCodes.list': (s, p) => {
    const u = s.userBy(p.userKey!);
    if (!u) return notFound('userKey');
    return { status: 200, body: { kind: 'admin#directory#verificationCodesList', items: (s.codes.get(u.id) ?? []).map((c) => ({ kind: 'admin#directory#verificationCode', userId: u.id, verificationCode: c })) } };
  },
  'directory.verificationCodes.generate': (s, p) => {
    const u = s.userBy(p.userKey!);
    if (!u) return notFound('userKey');
    s.generateCodes(u.id);
    return { status: 204 };
  },
  'directory.verificationCodes.invalidate': (s, p) => {
    const u = s.userBy(p.userKey!);
    if (!u) return notFound('userKey');
    s.codes.set(u.id, []);
    return { status: 204 };
  },
  'directory.mobiledevices.list': (s, _p, q, _b, cap) => {
    const email = /^email:(\S+)$/.exec(q.get('query') ?? '')?.[1]?.toLowerCase();
    const all = [...s.devices.keys()].map((id) => s.deviceNow(id)!).filter((d) => email === undefined || d.email.toLowerCase() === email);
    const { items, next } = page(all, q, 100, cap);
    return { status: 200, body: { kind: 'admin#directory#mobiledevices', mobiledevices: items.map(deviceJson), ...(next ? { nextPageToken: next } : {}) } };
  },
  'directory.mobiledevices.get': (s, p) => {
    const d = s.deviceNow(p.resourceId!);
    return d ? { status: 200, body: deviceJson(d) } : notFound('resourceId');
  },
  'directory.mobiledevices.action': (s, p, _q, body) => {
    const d = s.deviceNow(p.resourceId!);
    if (!d) return notFound('resourceId');
    const action = (body as { action?: string } | undefined)?.action ?? '';
    if (!['admin_remote_wipe', 'admin_account_wipe', 'approve', 'block', 'cancel_remote_wipe_then_activate', 'cancel_remote_wipe_then_block'].includes(action)) return googleError(400, 'invalid', 'Invalid Input: action');
    s.deviceAction(d, action);
    return { status: 204 };
  },
};

const aspJson = (userKey: string, a: { codeId: number; name: string; creationTime: number; lastTimeUsed?: number }) => ({
  kind: 'admin#directory#asp', userKey, codeId: a.codeId, name: a.name, creationTime: String(a.creationTime), ...(a.lastTimeUsed ? { lastTimeUsed: String(a.lastTimeUsed) } : {}),
});
const deviceJson = (d: { resourceId: string; deviceId: string; email: string; model: string; os: string; type: string; status: string; firstSync: string }) => ({
  kind: 'admin#directory#mobiledevice', resourceId: d.resourceId, deviceId: d.deviceId, email: [d.email], model: d.model, os: d.os, type: d.type, status: d.status, firstSync: d.firstSync,
});


export async function startLabGoogle(o: LabGoogleOptions = {}): Promise<LabGoogle> {
  const directory = loadDirectory();
  const state = new GoogleState({ ...(o.now ? { now: o.now } : {}), signOutDelayMs: o.signOutDelayMs ?? 0, deviceSyncDelayMs: o.deviceSyncDelayMs ?? 0 });
  const adminToken = state.accessToken(LEAST_PRIVILEGE);
  const rate = new FixedWindow(o.rate?.limit ?? 1_000_000, o.rate?.windowMs ?? 60_000, o.now ?? Date.now);
  const faults: GoogleFaults = {};
  const calls = new Map<string, number>();
  const violations: Violation[] = [];
  const record = (v: Violation) => void (v.errors.length > 0 && violations.push(v));
  const cap = o.pageSize ?? 500;

  const check = (httpMethod: string, path: string, query: string, body: unknown, answer: { status: number; body?: unknown }): Method | undefined => {
    const hit = directory.match(httpMethod, path);
    if (!hit) {
      record({ side: 'request', at: `${httpMethod} ${path}`, errors: ['no method of the Directory API discovery document has this HTTP method and path'] });
      return undefined;
    }
    record({ side: 'request', at: hit.method.id, errors: directory.requestErrors(hit.method, hit.params, new URLSearchParams(query), body) });
    if (answer.status !== 501) record({ side: 'response', at: `${hit.method.id} → ${answer.status}`, errors: directory.responseErrors(hit.method, answer.status, answer.body) });
    return hit.method;
  };

  const answer = (req: IncomingMessage, url: URL, body: unknown): Answer => {
    const hit = directory.match(req.method ?? 'GET', url.pathname);
    if (!hit) return notFound(url.pathname);
    calls.set(hit.method.id, (calls.get(hit.method.id) ?? 0) + 1);
    // Google sends no remaining-count header: a client learns its quota only from refusals.
    if (!rate.hit().allowed) return googleError(429, 'rateLimitExceeded', 'Rate Limit Exceeded');
    if (faults.rateLimit && faults.rateLimit.count > 0) {
      faults.rateLimit.count--;
      const { status, reason, retryAfterSeconds } = faults.rateLimit;
      const a = googleError(status, reason, reason === 'userRateLimitExceeded' ? 'User Rate Limit Exceeded' : 'Rate Limit Exceeded');
      return retryAfterSeconds === undefined ? a : { ...a, headers: { 'retry-after': String(retryAfterSeconds) } };
    }
    if (faults.failFirst && faults.failFirst.count > 0) {
      faults.failFirst.count--;
      return googleError(faults.failFirst.status, 'backendError', 'Backend Error');
    }
    const scopes = state.accessTokens.get(/^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
    if (!scopes) return { ...googleError(401, 'authError', 'Invalid Credentials'), headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' } };
    if (!hit.method.scopes.some((s) => scopes.includes(s))) return googleError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.');
    const handler = HANDLERS[hit.method.id];
    if (!handler) {
      record({ side: 'request', at: hit.method.id, errors: [`${hit.method.id} is described but the lab does not implement it`] });
      return googleError(501, 'notImplemented', 'Not Implemented');
    }
    return handler(state, hit.params, url.searchParams, body, cap);
  };

  let base = '';
  const server: Server = createServer((req, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base || 'http://127.0.0.1');
    readText(req)
      .then((raw) => {
        let body: unknown;
        try {
          body = raw === '' ? undefined : JSON.parse(raw);
        } catch {
          body = raw;
        }
        const a = answer(req, url, body);
        check(req.method ?? 'GET', url.pathname, url.search.slice(1), body, a);
        const headers: Record<string, string> = { ...(a.headers ?? {}), ...(a.body === undefined ? {} : { 'content-type': 'application/json; charset=UTF-8' }) };
        res.writeHead(a.status, headers).end(a.body === undefined ? undefined : JSON.stringify(a.body));
      })
      .catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(googleError(500, 'backendError', String(e)).body));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;

  return {
    baseUrl: base, state, adminToken, faults, calls, rate,
    violations: () => violations,
    clearViolations: () => void (violations.length = 0),
    check: (m, p, q, b, a) => void check(m, p, q, b, a),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
