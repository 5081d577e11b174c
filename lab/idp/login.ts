/**
 * A scripted browser: the real authorization-code flow through the provider's own login and
 * consent pages, with a cookie jar that a test keeps to try silent authentication later.
 */
import { createHash, randomBytes } from 'node:crypto';

interface Cookie {
  value: string;
  path: string;
}

/** Cookies by name, honouring Path and deletion; enough for one origin. */
export class CookieJar {
  readonly #cookies = new Map<string, Cookie>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = '/';
      let expired = value === '';
      for (const a of attrs) {
        const [k = '', v = ''] = a.trim().split('=');
        if (/^path$/i.test(k)) path = v || '/';
        if (/^max-age$/i.test(k) && Number(v) <= 0) expired = true;
        if (/^expires$/i.test(k) && Date.parse(v) <= Date.now()) expired = true;
      }
      const key = `${name};${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { value, path });
    }
  }

  header(url: string): string {
    const path = new URL(url).pathname;
    return [...this.#cookies]
      .filter(([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([key, c]) => `${key.slice(0, key.indexOf(';'))}=${c.value}`)
      .join('; ');
  }

  /** Cookie names currently held (for assertions). */
  names(): string[] {
    return [...this.#cookies.keys()].map((k) => k.slice(0, k.indexOf(';')));
  }

  clone(): CookieJar {
    const jar = new CookieJar();
    for (const [k, c] of this.#cookies) jar.#cookies.set(k, { ...c });
    return jar;
  }
}

export interface BrowserEnv {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  resourceServer: string;
  client(clientId: string): { clientSecret: string; redirectUri: string };
}

export interface LoginOptions {
  /** Ask for offline_access (a refresh token that survives logout). Default true. */
  offline?: boolean;
  /** Ask for a JWT access token for the lab resource server instead of an opaque one. */
  resource?: boolean;
  /** Reuse a browser (SSO: an existing session skips the login page). */
  jar?: CookieJar;
}

export interface LoginResult {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  expiresIn: number;
  scope: string;
  jar: CookieJar;
  clientId: string;
}

const b64url = (b: Buffer) => b.toString('base64url');

/** Follows the authorization flow, filling login and consent pages, until the redirect URI. */
async function authorize(env: BrowserEnv, jar: CookieJar, clientId: string, params: Record<string, string>, username?: string): Promise<URLSearchParams> {
  const { redirectUri } = env.client(clientId);
  const auth = new URL(env.authorizationEndpoint);
  for (const [k, v] of Object.entries({ client_id: clientId, response_type: 'code', redirect_uri: redirectUri, ...params })) auth.searchParams.set(k, v);
  let url = auth.href;
  let init: RequestInit = {};
  for (let step = 0; step < 20; step++) {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header(url) } });
    jar.store(res);
    init = {};
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      const next = new URL(location, url);
      if (next.href.startsWith(redirectUri)) return next.searchParams;
      url = next.href;
      continue;
    }
    const html = await res.text();
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !prompt || !action) throw new Error(`lab login: unexpected ${res.status} at ${new URL(url).pathname}: ${html.slice(0, 300)}`);
    if (prompt === 'login' && !username) throw new Error('lab login: the provider asks for a login');
    const form: Record<string, string> = prompt === 'login' ? { prompt, login: username!, password: 'lab-password' } : { prompt };
    url = new URL(action.replaceAll('&amp;', '&'), url).href;
    init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() };
  }
  throw new Error('lab login: too many redirects');
}

/** A full interactive login with consent, then the code-for-token exchange. */
export async function browserLogin(env: BrowserEnv, username: string, clientId: string, opts: LoginOptions = {}): Promise<LoginResult> {
  const jar = opts.jar ?? new CookieJar();
  const verifier = b64url(randomBytes(32));
  const offline = opts.offline ?? true;
  const scope = ['openid', 'profile', ...(offline ? ['offline_access'] : []), ...(opts.resource ? ['api:read'] : [])].join(' ');
  const params: Record<string, string> = {
    scope, prompt: 'consent', state: b64url(randomBytes(8)), nonce: b64url(randomBytes(8)),
    code_challenge: b64url(createHash('sha256').update(verifier).digest()), code_challenge_method: 'S256',
    ...(opts.resource ? { resource: env.resourceServer } : {}),
  };
  const result = await authorize(env, jar, clientId, params, username);
  const code = result.get('code');
  if (!code) throw new Error(`lab login: ${result.get('error')}: ${result.get('error_description')}`);
  const { clientSecret, redirectUri } = env.client(clientId);
  const res = await fetch(env.tokenEndpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, ...(opts.resource ? { resource: env.resourceServer } : {}) }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`lab login: token endpoint ${res.status}: ${JSON.stringify(body)}`);
  return {
    accessToken: String(body.access_token), expiresIn: Number(body.expires_in), scope: String(body.scope ?? ''), jar, clientId,
    ...(body.refresh_token ? { refreshToken: String(body.refresh_token) } : {}),
    ...(body.id_token ? { idToken: String(body.id_token) } : {}),
  };
}

/** `prompt=none` with the browser's cookies: `{code}` while the SSO session lives, else `{error}` (login_required). */
export async function silentAuth(env: BrowserEnv, jar: CookieJar, clientId: string): Promise<{ code?: string; error?: string }> {
  const verifier = b64url(randomBytes(32));
  const result = await authorize(env, jar, clientId, {
    scope: 'openid', prompt: 'none', state: b64url(randomBytes(8)),
    code_challenge: b64url(createHash('sha256').update(verifier).digest()), code_challenge_method: 'S256',
  });
  const code = result.get('code');
  const error = result.get('error');
  return { ...(code ? { code } : {}), ...(error ? { error } : {}) };
}
