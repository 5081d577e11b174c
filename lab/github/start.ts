/**
 * A stateful GitHub simulator on 127.0.0.1 (node:http, port 0) for the `github` connector's tests.
 *
 * Every request it receives and every response it sends is checked against GitHub's own REST
 * description (see `contract.ts`); each mismatch is kept in {@link GithubLab.violations} so a test
 * fails on it. An endpoint the description lacks does not exist here. Besides the state
 * (`state.ts`) it models GitHub's rate limits (`x-ratelimit-*` headers; 403 or 429 with
 * `retry-after` when exhausted; `POST /credentials/revoke` on its own 60-per-hour budget) and
 * pagination (`per_page`, `page`, `Link`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import { GLOBAL_ERROR_STATUSES, loadContract, type Operation } from './contract.ts';
import { ROUTES, error, type Ctx, type Reply } from './routes.ts';
import { GithubState, type Token } from './state.ts';

export interface GithubLabOptions {
  org?: string;
  /** How long after `POST /credentials/revoke` answers 202 the tokens die. Default 300 ms. */
  revokeDelayMs?: number;
  /** Requests per hour per token (GitHub: 5,000). */
  rateLimit?: number;
  /** Requests per hour to `POST /credentials/revoke` (GitHub: 60, unauthenticated). */
  credentialsRevokeLimit?: number;
}

interface Bucket {
  limit: number;
  used: number;
  resetAt: number;
  /** What an exhausted bucket answers: GitHub uses both 403 and 429. */
  status: 403 | 429;
  retryAfterSec?: number;
}

export interface GithubLab {
  baseUrl: string;
  org: string;
  /** The org owner's token (Sever's own credential). */
  adminToken: string;
  state: GithubState;
  /** Milliseconds the description took to load, the first time in this process (cached after). */
  contractLoadMs: number;
  contractFile: string;
  /** Every contract mismatch seen so far (requests received and responses sent). */
  violations(): string[];
  /** Requests received, in order. */
  log: Array<{ method: string; path: string; status: number }>;
  /** Revocations accepted by `POST /credentials/revoke` and not applied yet. */
  pending(): number;
  /** Applies every pending revocation now (instead of waiting `revokeDelayMs`). */
  flush(): void;
  /** The next `times` requests answer `status` (a provider fault). */
  fail(status: 500 | 503, times?: number): void;
  /** Exhausts the rate limit of a token (default: the admin's) or of `POST /credentials/revoke`. */
  exhaust(o: { token?: string; credentialsRevoke?: boolean; status: 403 | 429; resetInSec?: number; retryAfterSec?: number }): void;
  close(): Promise<void>;
}

const HOUR = 3_600_000;

function credentials(req: IncomingMessage): { token?: string; basic?: { user: string; password: string } } {
  const h = req.headers.authorization ?? '';
  const m = /^(token|bearer)\s+(.+)$/i.exec(h);
  if (m) return { token: m[2]!.trim() };
  const b = /^basic\s+(.+)$/i.exec(h);
  if (b) {
    const [user, ...rest] = Buffer.from(b[1]!, 'base64').toString('utf8').split(':');
    return { basic: { user: decodeURIComponent(user ?? ''), password: decodeURIComponent(rest.join(':')) } };
  }
  return {};
}

export async function startGithubLab(o: GithubLabOptions = {}): Promise<GithubLab> {
  const contract = loadContract();
  const { api } = contract;
  const basicError = new Ajv({ strict: false }).compile(contract.schema('basic-error'));
  const state = new GithubState(o.org ?? 'acme');
  state.owners.add('sever-bot');
  const adminToken = state.token('sever-bot', 'classic', { name: 'sever' }).value;
  const violations: string[] = [];
  const log: GithubLab['log'] = [];
  const buckets = new Map<string, Bucket>();
  const timers = new Map<NodeJS.Timeout, () => void>();
  const delay = o.revokeDelayMs ?? 300;
  const faults: number[] = [];

  const bucket = (key: string, limit: number): Bucket => {
    let b = buckets.get(key);
    if (!b || b.resetAt <= Date.now()) buckets.set(key, (b = { limit, used: 0, resetAt: Date.now() + HOUR, status: 403 }));
    return b;
  };

  function checkResponse(where: string, op: Operation | undefined, r: Reply): void {
    if (!op) return;
    const declared = Object.keys(op.responses ?? {});
    if (declared.includes(String(r.status))) {
      const v = api.validateResponse(r.body ?? null, op, r.status);
      if (v.errors?.length) violations.push(`response ${r.status} of ${where}: ${JSON.stringify(v.errors).slice(0, 600)}`);
      const h = api.validateResponseHeaders(r.headers ?? {}, op, { statusCode: r.status, setMatchType: 'any' as never });
      if (h.errors?.length) violations.push(`response headers ${r.status} of ${where}: ${JSON.stringify(h.errors).slice(0, 600)}`);
    } else if ((GLOBAL_ERROR_STATUSES as readonly number[]).includes(r.status)) {
      if (!basicError(r.body)) violations.push(`response ${r.status} of ${where} is not a basic-error: ${JSON.stringify(basicError.errors)}`);
    } else {
      violations.push(`response ${r.status} of ${where} is not declared by ${op.operationId} (${declared.join(', ')})`);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const base = `http://${req.headers.host}`;
    const method = (req.method ?? 'GET').toLowerCase();
    const where = `${method.toUpperCase()} ${url.pathname}`;
    const request = { method, path: url.pathname, query: url.search.slice(1), headers: req.headers as Record<string, string>, ...(raw ? { body: raw } : {}) };
    const op = api.router.matchOperation(request) as Operation | undefined;
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    const send = (r: Reply) => {
      checkResponse(where, op, r);
      log.push({ method: method.toUpperCase(), path: url.pathname, status: r.status });
      res.writeHead(r.status, { ...headers, ...r.headers });
      res.end(r.status === 204 || r.body === undefined ? undefined : JSON.stringify(r.body));
    };
    if (!op) {
      violations.push(`request ${where}: no such operation in ${contract.file}`);
      return send(error(404, 'Not Found'));
    }
    const handler = ROUTES[op.operationId!];
    if (!handler) {
      violations.push(`request ${where}: ${op.operationId} is documented but not simulated`);
      return send(error(404, 'Not Found'));
    }
    const valid = api.validateRequest(request, op);
    if (valid.errors?.length) {
      violations.push(`request ${where} (${op.operationId}): ${JSON.stringify(valid.errors).slice(0, 600)}`);
      return send({ status: 422, body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest', errors: [{ code: 'invalid', message: String(valid.errors[0]?.message) }] } });
    }
    const auth = credentials(req);
    const limited = op.operationId === 'credentials/revoke';
    const key = limited ? 'credentials-revoke' : (state.live(auth.token) as Token | undefined) ? `token:${auth.token}` : `ip:${req.socket.remoteAddress}`;
    const b = bucket(key, limited ? (o.credentialsRevokeLimit ?? 60) : auth.token ? (o.rateLimit ?? 5_000) : 60);
    const exhausted = b.used >= b.limit;
    if (!exhausted) b.used++;
    Object.assign(headers, {
      'x-ratelimit-limit': String(b.limit), 'x-ratelimit-remaining': String(b.limit - b.used), 'x-ratelimit-used': String(b.used),
      'x-ratelimit-reset': String(Math.ceil(b.resetAt / 1000)), 'x-ratelimit-resource': limited ? 'credentials_revoke' : 'core',
    });
    if (exhausted) {
      if (b.retryAfterSec !== undefined) headers['retry-after'] = String(b.retryAfterSec);
      return send(error(b.status, 'API rate limit exceeded. Check out the documentation for more information.'));
    }
    const fault = faults.shift();
    if (fault !== undefined) return send(error(fault, fault === 503 ? 'Service Unavailable' : 'Server Error'));
    const ctx: Ctx = {
      state, params: (valid as unknown as { params?: Record<string, string> }).params ?? api.router.parseRequest(request, op).params,
      query: api.router.parseRequest(request, op).query as Record<string, unknown>, body: raw ? JSON.parse(raw) : undefined, ...auth, base,
      page(items, key): Reply {
        const per = Math.min(100, Number(this.query.per_page ?? 30));
        const n = Math.max(1, Number(this.query.page ?? 1));
        const last = Math.max(1, Math.ceil(items.length / per));
        const link = (p: number, rel: string) => {
          const u = new URL(url);
          u.searchParams.set('page', String(p));
          return `<${u.toString()}>; rel="${rel}"`;
        };
        const links = [...(n < last ? [link(n + 1, 'next'), link(last, 'last')] : []), ...(n > 1 ? [link(1, 'first'), link(n - 1, 'prev')] : [])];
        const headers: Record<string, string> = links.length ? { link: links.join(', ') } : {};
        const slice = items.slice((n - 1) * per, n * per);
        return { status: 200, body: key === undefined ? slice : { total_count: items.length, [key]: slice }, headers };
      },
      later(fn) {
        const t = setTimeout(() => (timers.delete(t), fn()), delay);
        timers.set(t, fn);
      },
    };
    send(handler(ctx));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      violations.push(`simulator failure on ${req.method} ${req.url}: ${e instanceof Error ? e.stack : String(e)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'simulator failure' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`, org: state.org, adminToken, state, contractLoadMs: contract.loadMs, contractFile: contract.file, log,
    violations: () => [...violations],
    pending: () => timers.size,
    fail(status, times = 1) {
      for (let i = 0; i < times; i++) faults.push(status);
    },
    flush() {
      for (const [t, fn] of timers) clearTimeout(t), timers.delete(t), fn();
    },
    exhaust(x) {
      const b = x.credentialsRevoke ? bucket('credentials-revoke', o.credentialsRevokeLimit ?? 60) : bucket(`token:${x.token ?? adminToken}`, o.rateLimit ?? 5_000);
      b.used = b.limit;
      b.status = x.status;
      b.resetAt = Date.now() + (x.resetInSec ?? 60) * 1000;
      if (x.retryAfterSec !== undefined) b.retryAfterSec = x.retryAfterSec;
    },
    async close() {
      for (const t of timers.keys()) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
