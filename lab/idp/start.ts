/**
 * The lab identity provider: a real, certified OpenID Connect provider (npm `oidc-provider`)
 * in-process, laid out like a Keycloak realm, with a Keycloak-shaped admin API, a resource server
 * for JWT access tokens, back-channel logout receivers, fault injection and test helpers.
 *
 * One node:http server on 127.0.0.1 (random port by default) serves:
 *   /realms/{realm}/…              the provider (discovery, auth, token, introspect, revoke, userinfo, certs, logout)
 *   /admin/realms/{realm}/…        the admin API (see admin.ts), bearer `adminToken`
 *   /rs/whoami                     the resource server (JWT access tokens)
 *   /rp/{clientId}/backchannel     where clients receive back-channel logout tokens (recorded)
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { Provider } from 'oidc-provider';
import { handleAdmin, type AdminContext } from './admin.ts';
import { DEFAULT_TTL, KEYCLOAK_ROUTES, labSigningKey, providerConfiguration, type LabTtl } from './config.ts';
import { Directory, labUuid, type LabClient, type LabUser } from './directory.ts';
import { Faults, type FaultOptions, type Surface } from './faults.ts';
import { readBody, send } from './http.ts';
import { browserLogin, silentAuth, type BrowserEnv, type CookieJar, type LoginOptions, type LoginResult } from './login.ts';
import { mint, type MintSpec, type Minted } from './mint.ts';
import { Operations } from './operations.ts';
import { createResourceServer } from './resource-server.ts';
import { LabStore } from './store.ts';

export interface LabIdpOptions {
  /** Default 0 (a random free port). */
  port?: number;
  /** Default "lab". */
  realm?: string;
  /** Usernames present at start. Default alice, bob, carol. More with `lab.user(name)`. */
  users?: string[];
  /** The admin API bearer token. Default: random. */
  adminToken?: string;
  /** Secret of Sever's confidential client `sever` (introspection, revocation). Default: random. */
  severClientSecret?: string;
  /** Clients allowed to revoke any client's tokens. Default ["sever"]. */
  revokers?: string[];
  /** Token and session lifetimes in seconds. */
  ttl?: Partial<LabTtl>;
  faults?: FaultOptions;
  /** Receives provider server errors and back-channel failures. Default: silent (see `lab.errors`). */
  log?: (message: string, error: unknown) => void;
}

export interface LabEndpoints {
  discovery: string;
  authorization: string;
  token: string;
  introspection: string;
  revocation: string;
  userinfo: string;
  jwks: string;
  endSession: string;
  /** `{base}/admin/realms/{realm}` */
  admin: string;
  /** The resource server's identifier (JWT audience). */
  resourceServer: string;
  /** `GET` with a JWT access token: 200 or 401. */
  whoami: string;
}

export interface LabLogin extends LoginResult {
  userId: string;
  /** The SSO session (Keycloak-style id: the session's uid). */
  sessionId?: string;
  grantId?: string;
}

export interface LabIdp {
  /** `http://127.0.0.1:{port}/realms/{realm}` */
  issuer: string;
  baseUrl: string;
  port: number;
  realm: string;
  adminToken: string;
  /** The relying parties: `app` (Payroll) and `crm` (CRM). */
  clients: Record<string, LabClient>;
  /** Sever's own confidential client. */
  sever: { clientId: string; clientSecret: string };
  endpoints: LabEndpoints;
  url(path: string): string;
  provider: Provider;
  store: LabStore;
  directory: Directory;
  faults: Faults;
  /** Back-channel logout tokens received by the lab's relying parties. */
  backchannelLogouts: { clientId: string; logoutToken: string }[];
  errors: unknown[];
  /** The user (created when missing). */
  user(username: string): LabUser;
  /** A real scripted login through the provider's pages (consent forced, so refresh tokens are issued). */
  login(username: string, clientId: string, opts?: LoginOptions): Promise<LabLogin>;
  /** `prompt=none` with a browser's cookies: `{code}` while its SSO session lives, else `{error: "login_required"}`. */
  silentAuth(jar: CookieJar, clientId: string): Promise<{ code?: string; error?: string }>;
  /** Bulk artifacts through the provider's models. */
  mint(spec: MintSpec): Promise<Minted>;
  close(): Promise<void>;
}

const DEFAULT_CLIENTS = [
  { clientId: 'app', name: 'Payroll' },
  { clientId: 'crm', name: 'CRM' },
  // An AI agent acting for users through delegated grants; its tokens are accepted by the lab's tool APIs.
  { clientId: 'agent', name: 'Assistant agent' },
];

/** The lab's tool APIs: each accepts a live access token of the `agent` client (GET → 200, else 401). */
export const LAB_TOOLS = ['calendar', 'crm'] as const;

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * oidc-provider warns, once per provider or process, about the two things the lab does on
 * purpose: devInteractions (the scripted login) and a pre-parsed login form (username → user id).
 * Those two lines are dropped; every other warning passes through.
 */
const EXPECTED_WARNINGS = ['oidc-provider WARNING: a quick start development-only feature devInteractions', 'oidc-provider WARNING: already parsed request body'];
let warningsFiltered = false;
function filterExpectedWarnings(): void {
  if (warningsFiltered) return;
  warningsFiltered = true;
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && EXPECTED_WARNINGS.some((w) => (args[0] as string).includes(w))) return;
    warn(...args);
  };
}

export async function startLabIdp(options: LabIdpOptions = {}): Promise<LabIdp> {
  filterExpectedWarnings();
  const realm = options.realm ?? 'lab';
  const prefix = `/realms/${realm}`;
  const adminPrefix = `/admin/realms/${realm}`;
  const internalKey = randomBytes(16).toString('hex');
  const log = options.log ?? (() => {});
  const errors: unknown[] = [];
  const record = (message: string) => (e: unknown) => {
    errors.push(e);
    log(message, e);
  };

  let dispatch: Handler = async (_req, res) => send(res, 503, { error: 'starting' });
  const server = createServer((req, res) => {
    dispatch(req, res).catch((e) => {
      record('lab: request failed')(e);
      send(res, 500, { error: 'server_error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  const issuer = `${baseUrl}${prefix}`;

  const ttl: LabTtl = { ...DEFAULT_TTL, ...options.ttl };
  const directory = new Directory(realm, options.users ?? ['alice', 'bob', 'carol']);
  const clients: LabClient[] = DEFAULT_CLIENTS.map((c) => ({
    ...c, uuid: labUuid(`${realm}/client/${c.clientId}`), clientSecret: `${c.clientId}-secret`,
    redirectUri: `${baseUrl}/rp/${c.clientId}/cb`, backchannelLogoutUri: `${baseUrl}/rp/${c.clientId}/backchannel`,
  }));
  const sever = { clientId: 'sever', clientSecret: options.severClientSecret ?? randomBytes(16).toString('hex') };
  const adminToken = options.adminToken ?? randomBytes(24).toString('base64url');
  const store = new LabStore();
  const faults = new Faults(options.faults);
  const resourceServer = `${baseUrl}/rs`;
  const endpoints: LabEndpoints = {
    discovery: `${issuer}/.well-known/openid-configuration`,
    authorization: issuer + KEYCLOAK_ROUTES.authorization,
    token: issuer + KEYCLOAK_ROUTES.token,
    introspection: issuer + KEYCLOAK_ROUTES.introspection,
    revocation: issuer + KEYCLOAK_ROUTES.revocation,
    userinfo: issuer + KEYCLOAK_ROUTES.userinfo,
    jwks: issuer + KEYCLOAK_ROUTES.jwks,
    endSession: issuer + KEYCLOAK_ROUTES.end_session,
    admin: baseUrl + adminPrefix,
    resourceServer,
    whoami: `${resourceServer}/whoami`,
  };

  const provider = new Provider(issuer, providerConfiguration({
    clients, severClient: sever, revokers: options.revokers ?? [sever.clientId], directory, store, ttl, resourceServer,
    jwk: await labSigningKey(), cookieKeys: [randomBytes(16).toString('hex')],
  }));
  const ops = new Operations(provider, store, record('lab: back-channel logout failed'));
  provider.on('server_error', (_ctx: unknown, e: unknown) => record('lab: provider server_error')(e));
  provider.on('backchannel.error', (_ctx: unknown, e: unknown) => record('lab: back-channel logout failed')(e));
  // JWT access tokens are not stored by the provider; remember them at issuance for the tokens extension.
  provider.on('grant.success', (ctx: { body?: Record<string, unknown>; oidc: { entities: { AccessToken?: { grantId?: string } } } }) => {
    const at = ctx.body?.access_token;
    if (typeof at !== 'string' || at.split('.').length !== 3) return;
    const c = decodeJwt(at);
    ops.recordJwt({
      value: at, jti: String(c.jti), accountId: String(c.sub), clientId: String(c.client_id), aud: String(c.aud), iat: Number(c.iat), exp: Number(c.exp),
      ...(ctx.oidc.entities.AccessToken?.grantId ? { grantId: ctx.oidc.entities.AccessToken.grantId } : {}),
      ...(typeof c.scope === 'string' ? { scope: c.scope } : {}),
    });
  });
  const providerCallback = provider.callback();

  const timers = new Set<NodeJS.Timeout>();
  const schedule = (fn: () => Promise<void>, ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn().catch(record('lab: delayed application failed'));
    }, ms);
    timers.add(t);
  };
  const adminCtx: AdminContext = { adminToken: () => adminToken, directory, clients, ops, faults, schedule };
  const whoami = createResourceServer({ issuer, audience: resourceServer, jwksUri: endpoints.jwks });
  const backchannelLogouts: { clientId: string; logoutToken: string }[] = [];

  const surfaceOf = (path: string): Surface | undefined => {
    if (path.startsWith(`${adminPrefix}/`)) return 'admin';
    if (path === '/rs/whoami') return 'resource-server';
    switch (path.slice(prefix.length)) {
      case KEYCLOAK_ROUTES.revocation: return 'revocation';
      case KEYCLOAK_ROUTES.introspection: return 'introspection';
      case KEYCLOAK_ROUTES.token: return 'token';
      case KEYCLOAK_ROUTES.userinfo: return 'userinfo';
      case KEYCLOAK_ROUTES.authorization: return 'authorization';
      default: return undefined;
    }
  };

  dispatch = async (req, res) => {
    const url = new URL(req.url ?? '/', baseUrl);
    const path = url.pathname;
    const internal = req.headers['x-lab-internal'] === internalKey;
    const surface = surfaceOf(path);
    if (surface && !internal) {
      const fault = await faults.before(surface);
      if (fault) return send(res, fault.status, fault.body, fault.headers);
    }
    if (path.startsWith(`${adminPrefix}/`)) return handleAdmin(adminCtx, req, res, path.slice(adminPrefix.length), url.searchParams);
    if (path === '/rs/whoami') return whoami(req, res);
    const tool = /^\/tools\/([a-z]+)$/.exec(path);
    if (tool && (LAB_TOOLS as readonly string[]).includes(tool[1]!)) {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const at = token ? await provider.AccessToken.find(token) : undefined;
      const grant = at?.grantId ? await provider.Grant.find(at.grantId) : undefined;
      if (!at || at.isExpired || at.clientId !== 'agent' || !grant) return send(res, 401, { error: 'invalid_token' });
      return send(res, 200, { tool: tool[1], actingFor: at.accountId, agent: at.clientId });
    }
    const rp = /^\/rp\/([^/]+)\/backchannel$/.exec(path);
    if (rp && req.method === 'POST') {
      const logoutToken = new URLSearchParams((await readBody(req)).toString()).get('logout_token');
      if (logoutToken) backchannelLogouts.push({ clientId: rp[1]!, logoutToken });
      return send(res, 200);
    }
    if (path !== prefix && !path.startsWith(`${prefix}/`)) return send(res, 404, { error: 'not found' });

    if (surface === 'revocation' && req.method === 'POST' && !internal) {
      const mode = faults.mutation();
      if (mode === 'ack-only') {
        await readBody(req);
        return send(res, 200);
      }
      if (mode !== 'apply') {
        const body = await readBody(req);
        const headers: Record<string, string> = { 'content-type': String(req.headers['content-type'] ?? ''), 'x-lab-internal': internalKey };
        if (req.headers.authorization) headers.authorization = req.headers.authorization;
        schedule(async () => void (await (await fetch(url.href, { method: 'POST', headers, body })).arrayBuffer()), mode.delayMs);
        return send(res, 200);
      }
    }
    // The login form takes a username, like Keycloak's; the account id is the user's id.
    if (req.method === 'POST' && /\/interaction\/[^/]+$/.test(path)) {
      const form = Object.fromEntries(new URLSearchParams((await readBody(req)).toString()));
      if (form.prompt === 'login') {
        const user = directory.byUsername(String(form.login ?? ''));
        if (!user || !user.enabled) return send(res, 401, { error: 'invalid_grant', error_description: 'Invalid username or password.' });
        form.login = user.id;
      }
      (req as IncomingMessage & { body?: unknown }).body = form;
    }
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
    req.url = req.url!.slice(prefix.length) || '/';
    providerCallback(req, res);
  };

  const browser: BrowserEnv = {
    authorizationEndpoint: endpoints.authorization,
    tokenEndpoint: endpoints.token,
    resourceServer,
    client: (clientId) => {
      const c = clients.find((x) => x.clientId === clientId);
      if (!c) throw new Error(`lab: unknown client ${clientId}`);
      return c;
    },
  };
  const userId = (user: string) => directory.byId(user)?.id ?? directory.byUsername(user)?.id ?? directory.add(user).id;

  return {
    issuer, baseUrl, port, realm, adminToken, sever, endpoints, provider, store, directory, faults, backchannelLogouts, errors,
    clients: Object.fromEntries(clients.map((c) => [c.clientId, c])),
    url: (p: string) => new URL(p, baseUrl).href,
    user: (username: string) => directory.add(username),
    async login(username, clientId, opts) {
      directory.add(username);
      const result = await browserLogin(browser, username, clientId, opts);
      const token = (result.refreshToken && store.get('RefreshToken', result.refreshToken)) || store.get('AccessToken', result.accessToken);
      const p = token?.payload ?? {};
      return {
        ...result, userId: userId(username),
        ...(typeof p.sessionUid === 'string' ? { sessionId: p.sessionUid } : {}),
        ...(p.grantId ? { grantId: p.grantId } : {}),
      };
    },
    silentAuth: (jar, clientId) => silentAuth(browser, jar, clientId),
    mint: (spec) => mint({ provider, ops, ttl, resourceServer, userId }, spec),
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
