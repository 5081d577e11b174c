/**
 * The Okta lab: a stateful HTTP server on 127.0.0.1 (port 0) speaking the part of the Okta
 * Management API Sever uses, plus a custom authorization server's token, introspect and revoke
 * endpoints. Every `/api/v1` request and response is validated against Okta's own OpenAPI
 * description; paths not in it answer 404 and are recorded as violations, described operations the
 * lab does not implement answer 501 and are recorded too.
 *
 * Documented semantics:
 * - SSWS auth: `Authorization: SSWS <token>` of a live API token, else 401 E0000011;
 * - rate limits: every management answer carries `X-Rate-Limit-Limit/Remaining/Reset` (Reset in
 *   epoch seconds, end of the current window: one minute, or `windowMs`); past `perMinute` requests, or under the
 *   `rateLimit` fault, 429 E0000047;
 * - pagination: grants, refresh tokens and the System Log page by `after`/`limit` (default
 *   `pageSize`, 20) with `Link: <…>; rel="next"`;
 * - faults: `rateLimit {count, resetInSeconds}`, `failFirst {count, status}` (5xx), `staleTokenEndpoint`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ContractCheck, oauthRequestErrors, oauthResponseErrors, type Violation } from './contract.ts';
import { OPERATIONS, oktaError, type OpAnswer } from './management.ts';
import { oauthEndpoint } from './oauth.ts';
import { loadOktaSpec } from './spec.ts';
import { OktaState, type LabApiToken } from './state.ts';
import { readText, lowerHeaders } from '../http-text.ts';
import { FixedWindow } from '../rate-window.ts';

export interface OktaFaults {
  rateLimit?: { count: number; resetInSeconds: number };
  failFirst?: { count: number; status: number };
  staleTokenEndpoint?: boolean;
}

export interface LabOktaOptions {
  pageSize?: number;
  /** Management requests allowed per window (default: effectively unlimited). */
  perMinute?: number;
  /** The rate-limit window (default one minute, Okta's); a multiple of 1,000 (Reset is in epoch seconds). */
  windowMs?: number;
  now?: () => number;
}

export interface LabOkta {
  baseUrl: string;
  state: OktaState;
  /** Sever's SSWS token (an API token of the lab's admin user). */
  adminToken: string;
  admin: LabApiToken;
  faults: OktaFaults;
  /** Requests by kind: management operationId, or `oauth:token` / `oauth:introspect` / `oauth:revoke`. */
  calls: Map<string, number>;
  violations(): readonly Violation[];
  clearViolations(): void;
  /** The contract check itself, to prove it can fail. */
  contract: ContractCheck;
  specLoadMs: number;
  /** The management API's rate limit and what each of its windows served and refused. */
  rate: FixedWindow;
  close(): Promise<void>;
}



export async function startLabOkta(o: LabOktaOptions = {}): Promise<LabOkta> {
  const spec = await loadOktaSpec();
  const contract = new ContractCheck(spec);
  const state = new OktaState(o.now);
  const adminUser = state.user('sever-admin@lab.test');
  const admin = state.apiToken(adminUser.id, 'sever');
  const faults: OktaFaults = {};
  const calls = new Map<string, number>();
  const count = (k: string) => calls.set(k, (calls.get(k) ?? 0) + 1);
  const perMinute = o.perMinute ?? 1_000_000;
  const windowMs = o.windowMs ?? 60_000;
  if (windowMs % 1000 !== 0) throw new Error(`lab okta: windowMs must be whole seconds, not ${windowMs}`);
  const rate = new FixedWindow(perMinute, windowMs, () => state.now());
  let base = '';

  const send = (res: ServerResponse, a: OpAnswer, extra: Record<string, string> = {}) => {
    const headers: Record<string, string> = { ...extra, ...(a.headers ?? {}) };
    if (a.body !== undefined) headers['content-type'] = 'application/json';
    res.writeHead(a.status, headers).end(a.body === undefined ? undefined : JSON.stringify(a.body));
  };

  async function management(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const headers = lowerHeaders(req);
    const raw = await readText(req);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const labReq = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body };
    const op = contract.operation(labReq);
    if (!op) return send(res, oktaError(404, 'E0000022', 'The endpoint does not support the provided HTTP method'));
    contract.checkRequest(op, labReq);
    count(op.operationId!);

    const hit = rate.hit();
    const rl: Record<string, string> = { 'x-rate-limit-limit': String(perMinute), 'x-rate-limit-remaining': String(hit.remaining), 'x-rate-limit-reset': String(Math.ceil(hit.resetAt / 1000)) };

    const answer = ((): OpAnswer => {
      if (faults.rateLimit && faults.rateLimit.count > 0) {
        faults.rateLimit.count--;
        rl['x-rate-limit-remaining'] = '0';
        rl['x-rate-limit-reset'] = String(Math.ceil(state.now() / 1000) + faults.rateLimit.resetInSeconds);
        return oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
      }
      if (!hit.allowed) return oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
      if (faults.failFirst && faults.failFirst.count > 0) {
        faults.failFirst.count--;
        return oktaError(faults.failFirst.status, 'E0000009', 'Internal Server Error');
      }
      const caller = state.apiTokenByValue(/^SSWS (\S+)$/.exec(headers.authorization ?? '')?.[1] ?? '');
      if (!caller) return oktaError(401, 'E0000011', 'Invalid token provided');
      const handler = OPERATIONS[op.operationId!];
      if (!handler) {
        contract.record({ side: 'request', at: `${op.method.toUpperCase()} ${op.path}`, operationId: op.operationId, errors: [`${op.operationId} is described but the lab does not implement it`] });
        return oktaError(501, 'E0000060', 'Unsupported operation.');
      }
      const params = (spec.api.router.parseRequest({ method: labReq.method.toLowerCase(), path: labReq.path, headers, query: labReq.query } as never, op).params ?? {}) as Record<string, string>;
      return handler({ state, base, params, query: labReq.query, caller, pageSize: o.pageSize ?? 20 });
    })();
    if (answer.status !== 501) contract.checkResponse(op, answer.status, answer.body, { ...(answer.headers ?? {}) });
    send(res, answer, rl);
  }

  async function oauth(req: IncomingMessage, res: ServerResponse, m: RegExpExecArray): Promise<void> {
    const endpoint = m[2] as 'token' | 'introspect' | 'revoke';
    count(`oauth:${endpoint}`);
    const headers = lowerHeaders(req);
    const form = new URLSearchParams(await readText(req));
    const at = `POST /oauth2/{authServerId}/v1/${endpoint}`;
    contract.record({ side: 'request', at, errors: oauthRequestErrors(endpoint, headers['content-type'] ?? '', form, headers.authorization) });
    const a = oauthEndpoint(state, { authServerId: m[1]!, endpoint, form, authorization: headers.authorization, staleTokenEndpoint: faults.staleTokenEndpoint === true });
    contract.record({ side: 'response', at: `${at} → ${a.status}`, errors: oauthResponseErrors(endpoint, a.status, a.body) });
    res.writeHead(a.status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...(a.status === 401 ? { 'www-authenticate': 'Basic realm="okta"' } : {}) }).end(JSON.stringify(a.body));
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base || 'http://127.0.0.1');
    const m = /^\/oauth2\/([^/]+)\/v1\/(token|introspect|revoke)$/.exec(url.pathname);
    const work = url.pathname.startsWith('/api/v1/') ? management(req, res, url) : m && req.method === 'POST' ? oauth(req, res, m) : Promise.resolve(void res.writeHead(404).end());
    work.catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ errorCode: 'E0000009', errorSummary: String(e) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  return {
    baseUrl: base, state, adminToken: admin.value, admin, faults, calls, contract, specLoadMs: spec.loadMs, rate,
    violations: () => contract.violations(),
    clearViolations: () => contract.clear(),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
