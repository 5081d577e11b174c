/**
 * The Entra lab: a stateful HTTP server on 127.0.0.1 (port 0) speaking the part of Microsoft Graph
 * v1.0 Sever uses (under `/v1.0`) and the tenant's v2.0 token endpoint
 * (`/{tenantId}/oauth2/v2.0/token`). See README.md for the semantics.
 *
 * Documented semantics:
 * - Graph auth: `Authorization: Bearer <token>` of a live access token issued to the lab's admin
 *   app (client credentials), else 401 InvalidAuthenticationToken; a token of another app 403
 *   Authorization_RequestDenied;
 * - `revokeSignInSessions` answers `{"value": true}` at once; the token endpoint honours it after
 *   `revokeDelayMs` (see state.ts);
 * - pagination: collections answer `pageSize` items with `@odata.nextLink` (`$skiptoken`);
 * - faults: `throttle {count, status: 429 | 503, retryAfterSeconds}` answers Graph requests with that
 *   status and `Retry-After`.
 * - the same routes are served over HTTPS at `authorityUrl` (a self-signed certificate, `caPem`),
 *   with the authority's `/{tenantId}/v2.0/.well-known/openid-configuration`: `@azure/identity`
 *   talks only to an https authority.
 * Every Graph request is checked against its route's {@link RouteSpec}; an unknown route answers 404
 * (or 405 for a known path with another method) and is recorded as a violation.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { matchPath, RequestCheck, requestErrors, type Violation } from './check.ts';
import { graphError, ROUTES, type Answer } from './graph.ts';
import { EntraState, type LabApp, type LabPassword } from './state.ts';
import { labCertificate } from './tls.ts';
import { tokenEndpoint, tokenRequestErrors } from './token.ts';
import { readText, lowerHeaders } from '../http-text.ts';
import { FixedWindow } from '../rate-window.ts';

export interface EntraFaults {
  throttle?: { count: number; status: 429 | 503; retryAfterSeconds: number };
  /** Every `@odata.nextLink` points at this origin instead (a client must not follow it with its token). */
  foreignNextLink?: string;
}

export interface LabEntraOptions {
  pageSize?: number;
  /** How long after revokeSignInSessions the token endpoint starts refusing older refresh tokens. */
  revokeDelayMs?: number;
  now?: () => number;
  /** Graph requests allowed per window (default: effectively unlimited); past it, 429 with Retry-After to the window's end. */
  rate?: { limit: number; windowMs: number };
}

export interface LabEntra {
  baseUrl: string;
  /** The same server over HTTPS, for `@azure/identity` (which refuses an http authority host). */
  authorityUrl: string;
  /** The PEM certificate `authorityUrl` presents (self-signed: trust it explicitly). */
  caPem: string;
  /** `{baseUrl}/v1.0`. */
  graphRoot: string;
  tenantId: string;
  state: EntraState;
  /** Sever's own app registration and a Graph access token for it. */
  admin: { app: LabApp; secret: LabPassword; accessToken: string };
  /** A public client users sign in to (its refresh tokens refresh without a secret). */
  publicClientId: string;
  faults: EntraFaults;
  /** Requests by route (`GET /users/{id}`, `POST /token`), counted before any fault. */
  calls: Map<string, number>;
  totalCalls(): number;
  /** Graph's rate limit and what each of its windows served and refused. */
  rate: FixedWindow;
  violations(): readonly Violation[];
  clearViolations(): void;
  close(): Promise<void>;
}



export async function startLabEntra(o: LabEntraOptions = {}): Promise<LabEntra> {
  const state = new EntraState({ ...(o.now ? { now: o.now } : {}), revokeDelayMs: o.revokeDelayMs ?? 0 });
  const rate = new FixedWindow(o.rate?.limit ?? 1_000_000, o.rate?.windowMs ?? 60_000, o.now ?? Date.now);
  const tenantId = crypto.randomUUID();
  const adminUser = state.user('sever-admin@lab.onmicrosoft.com');
  const app = state.app(adminUser.id, 'Sever');
  app.ownerIds = [];
  const secret = state.addPassword(app, 'sever');
  const admin = { app, secret, accessToken: state.accessToken(app.appId).value };
  const publicClientId = state.publicClient('Microsoft Office');
  const check = new RequestCheck();
  const faults: EntraFaults = {};
  const calls = new Map<string, number>();
  const count = (k: string) => calls.set(k, (calls.get(k) ?? 0) + 1);
  let base = '';

  const send = (res: ServerResponse, a: Answer) => {
    const headers: Record<string, string> = { ...(a.headers ?? {}) };
    if (a.body !== undefined) headers['content-type'] = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';
    res.writeHead(a.status, headers).end(a.body === undefined ? undefined : JSON.stringify(a.body));
  };

  async function graph(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice('/v1.0'.length);
    const method = req.method ?? 'GET';
    const raw = await readText(req);
    const headers = lowerHeaders(req);
    const samePath = ROUTES.filter((r) => matchPath(r.spec.path, path));
    const route = samePath.find((r) => r.spec.method === method);
    if (!route) {
      count(`${method} (unknown)`);
      check.record({ at: `${method} ${path}`, errors: [samePath.length ? `${method} is not allowed on ${samePath[0]!.spec.path}` : 'no Graph v1.0 route the lab serves matches this path'] });
      return send(res, samePath.length ? graphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.') : graphError(404, 'Request_ResourceNotFound', `Resource not found for the segment '${path.split('/')[1] ?? ''}'.`));
    }
    const at = `${method} ${route.spec.path}`;
    count(at);
    const errors = requestErrors({ method, spec: route.spec, query: url.searchParams, headers, raw });
    check.record({ at, errors });
    // Graph throttles with 429 and Retry-After only; it sends no remaining count on success.
    const hit = rate.hit();
    if (!hit.allowed) return send(res, graphError(429, 'TooManyRequests', 'Too many requests', { 'retry-after': String(Math.max(1, Math.ceil((hit.resetAt - (o.now ?? Date.now)()) / 1000))) }));
    if (faults.throttle && faults.throttle.count > 0) {
      faults.throttle.count--;
      const f = faults.throttle;
      return send(res, graphError(f.status, f.status === 429 ? 'TooManyRequests' : 'serviceNotAvailable', f.status === 429 ? 'Too many requests' : 'Service unavailable', { 'retry-after': String(f.retryAfterSeconds) }));
    }
    const token = state.accessTokens.get(/^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1] ?? '');
    if (!token || token.expiresAt <= state.now()) return send(res, graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.'));
    if (token.appId !== app.appId) return send(res, graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'));
    if (errors.some((e) => e.startsWith('$select names'))) return send(res, graphError(400, 'BadRequest', `Could not find a property named '${url.searchParams.get('$select')}' on type 'microsoft.graph'.`));
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return send(res, graphError(400, 'BadRequest', 'Unable to read JSON request payload.'));
    }
    if (route.spec.body && errors.some((e) => e.startsWith('body field'))) return send(res, graphError(400, 'Request_BadRequest', errors.filter((e) => e.startsWith('body field')).join('; ')));
    const answer = route.handle({ state, root: `${base}/v1.0`, path, params: matchPath(route.spec.path, path)!, query: url.searchParams, body, pageSize: o.pageSize ?? 100 });
    const page = answer.body as { '@odata.nextLink'?: string } | undefined;
    if (faults.foreignNextLink && page?.['@odata.nextLink']) page['@odata.nextLink'] = page['@odata.nextLink'].replace(base, faults.foreignNextLink);
    send(res, answer);
  }

  function openidConfiguration(res: ServerResponse, tenant: string, origin: string): void {
    count('GET /.well-known/openid-configuration');
    if (tenant !== tenantId) return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${tenant}' not found.` }));
    const t = `${origin}/${tenantId}`;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({
      issuer: `${t}/v2.0`, token_endpoint: `${t}/oauth2/v2.0/token`, authorization_endpoint: `${t}/oauth2/v2.0/authorize`, end_session_endpoint: `${t}/oauth2/v2.0/logout`,
      jwks_uri: `${t}/discovery/v2.0/keys`, response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'], subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'], tenant_region_scope: 'EU', cloud_instance_name: 'microsoftonline.com',
    }));
  }

  async function token(req: IncomingMessage, res: ServerResponse, tenant: string): Promise<void> {
    count('POST /token');
    const headers = lowerHeaders(req);
    const form = new URLSearchParams(await readText(req));
    check.record({ at: 'POST /{tenantId}/oauth2/v2.0/token', errors: tokenRequestErrors(headers['content-type'] ?? '', form) });
    const a = tokenEndpoint(state, tenant, tenantId, form);
    res.writeHead(a.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(a.body));
  }

  const handler = (origin: () => string) => (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin());
    const t = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    const oidc = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    const work = url.pathname.startsWith('/v1.0/') ? graph(req, res, url)
      : t && req.method === 'POST' ? token(req, res, t[1]!)
      : oidc && req.method === 'GET' ? Promise.resolve(openidConfiguration(res, oidc[1]!, origin()))
      : Promise.resolve(void res.writeHead(404).end());
    work.catch((e: unknown) => {
      if (!res.headersSent) send(res, graphError(500, 'generalException', String(e)));
    });
  };
  const tls = labCertificate();
  let authority = '';
  const server: Server = createServer(handler(() => base));
  const tlsServer = createTlsServer({ key: tls.key, cert: tls.cert }, handler(() => authority));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  authority = `https://127.0.0.1:${(tlsServer.address() as { port: number }).port}`;

  return {
    baseUrl: base, authorityUrl: authority, caPem: tls.cert, graphRoot: `${base}/v1.0`, tenantId, state, admin, publicClientId, faults, calls,
    totalCalls: () => [...calls.values()].reduce((a, b) => a + b, 0), rate,
    violations: () => check.violations(),
    clearViolations: () => check.clear(),
    close: async () => {
      await Promise.all([server, tlsServer].map((s) => new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      })));
    },
  };
}
