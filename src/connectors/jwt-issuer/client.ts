/** The only code of the jwt-issuer connector that talks HTTP: the issuer's admin API, its JWKS, a resource server. */
import { SeverError } from '../../core/errors.ts';

export interface IssuedToken {
  jti: string;
  sub: string;
  kid: string;
  exp: number;
  value?: string;
}

export interface JwtIssuerDeps {
  name: string;
  issuerUrl: string;
  jwksUrl: string;
  tokenUrl: string;
  resourceServerUrl: string;
  adminToken(): Promise<string>;
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
}

export class JwtIssuerClient {
  readonly d: JwtIssuerDeps;
  constructor(d: JwtIssuerDeps) {
    this.d = d;
  }

  async #call(what: string, url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
    let res: Response;
    try {
      res = await this.d.fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(this.d.timeoutMs) });
    } catch (e) {
      throw new SeverError('ERR_PROVIDER_UNAVAILABLE', `${this.d.name}: ${what}: the issuer is unreachable`, { retryable: true, details: { connector: this.d.name, operation: what }, cause: e });
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    if (res.status === 429) {
      const ra = Number(res.headers.get('retry-after'));
      throw new SeverError('ERR_PROVIDER_RATE_LIMITED', `${this.d.name}: ${what}: rate limited`, { retryable: true, ...(ra > 0 ? { retryAfterMs: ra * 1000 } : {}), details: { connector: this.d.name, status: 429 } });
    }
    if (res.status >= 500) throw new SeverError('ERR_PROVIDER_UNAVAILABLE', `${this.d.name}: ${what}: HTTP ${res.status}`, { retryable: true, details: { connector: this.d.name, status: res.status } });
    return { status: res.status, body };
  }

  async #admin(what: string, path: string, init: RequestInit = {}) {
    const r = await this.#call(what, `${this.d.issuerUrl}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${await this.d.adminToken()}` } });
    if (r.status === 401 || r.status === 403) throw new SeverError('ERR_PROVIDER_REJECTED', `${this.d.name}: ${what}: the issuer refused Sever's admin token (HTTP ${r.status})`, { details: { connector: this.d.name, status: r.status } });
    return r;
  }

  async tokens(q: { sub?: string; kid?: string }): Promise<IssuedToken[]> {
    const p = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined) as [string, string][]);
    const r = await this.#admin('list tokens', `/admin/tokens?${p}`);
    if (r.status !== 200 || !Array.isArray(r.body)) throw new SeverError('ERR_PROVIDER_RESPONSE', `${this.d.name}: list tokens answered ${r.status}`, { details: { connector: this.d.name, status: r.status } });
    return r.body as IssuedToken[];
  }

  /** Retires `kid`: 'rotated', or 'gone' when it was retired or unknown already. */
  async retire(kid: string): Promise<{ result: 'rotated' | 'gone'; status: number; current?: string }> {
    const r = await this.#admin('rotate', '/admin/rotate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ retire: kid }) });
    if (r.status === 200) return { result: 'rotated', status: 200, current: (r.body as { current?: string }).current };
    if (r.status === 404 || r.status === 409) return { result: 'gone', status: r.status };
    throw new SeverError('ERR_PROVIDER_REJECTED', `${this.d.name}: rotate answered ${r.status}`, { details: { connector: this.d.name, status: r.status } });
  }

  async jwksKids(): Promise<string[]> {
    const r = await this.#call('read JWKS', this.d.jwksUrl);
    const keys = (r.body as { keys?: Array<{ kid?: string }> } | null)?.keys;
    if (r.status !== 200 || !Array.isArray(keys)) throw new SeverError('ERR_PROVIDER_RESPONSE', `${this.d.name}: JWKS answered ${r.status}`, { details: { connector: this.d.name, status: r.status } });
    return keys.map((k) => String(k.kid));
  }

  /** The resource server's answer to a bearer token. */
  async rsStatus(token: string): Promise<number> {
    return (await this.#call('resource server', this.d.resourceServerUrl, { headers: { authorization: `Bearer ${token}` } })).status;
  }

  /** A fresh token for a probe subject, signed by the current key. */
  async probeToken(sub: string): Promise<string | undefined> {
    const r = await this.#call('probe token', this.d.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub }) });
    return r.status === 200 ? (r.body as { access_token?: string }).access_token : undefined;
  }
}
