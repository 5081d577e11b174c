/**
 * The standards half of every OAuth-speaking connector: RFC 7009 revocation, RFC 7662
 * introspection, OIDC userinfo, a refresh-token replay at the token endpoint, OIDC discovery, and
 * the HTTP plumbing (timeouts, coded errors). Nothing provider-specific lives here: each connector's
 * own client.ts re-exports it and adds its provider's API.
 *
 * HTTP outcomes become coded errors: 429 → ERR_PROVIDER_RATE_LIMITED (retryAfterMs from
 * Retry-After), 5xx / network / timeout → ERR_PROVIDER_UNAVAILABLE (both retryable), other 4xx →
 * ERR_PROVIDER_REJECTED, unreadable bodies → ERR_PROVIDER_RESPONSE. Token values never appear in
 * an error, a log line or an observation.
 */
import { SeverError } from '../../../core/errors.ts';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface OAuthEndpoints {
  revocation?: string;
  introspection?: string;
  userinfo?: string;
  token?: string;
}

export interface HttpDeps {
  fetch: typeof globalThis.fetch;
  now(): number;
  /** Connector instance name, for messages. */
  name: string;
  timeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Retry-After in ms: delta-seconds or an HTTP date. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The SeverError for a non-success answer of `what` (e.g. "RFC 7009 revocation"). */
export function providerError(deps: Pick<HttpDeps, 'name' | 'now'>, what: string, a: HttpAnswer): SeverError {
  const error = typeof a.body === 'object' && a.body !== null ? (a.body as Record<string, unknown>).error : undefined;
  const details = { connector: deps.name, operation: what, status: a.status, ...(typeof error === 'string' ? { error } : {}) };
  if (a.status === 429) {
    const after = retryAfterMs(a.headers.get('retry-after'), deps.now());
    return new SeverError('ERR_PROVIDER_RATE_LIMITED', `${deps.name}: ${what} was rate limited (429)${after === undefined ? '' : `; retry after ${after} ms`}`, {
      retryable: true, ...(after === undefined ? {} : { retryAfterMs: after }), details,
    });
  }
  if (a.status >= 500) return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${deps.name}: ${what} answered ${a.status}`, { retryable: true, details });
  const hint = a.status === 401 || a.status === 403 ? ' (check the credential reference in sever.yaml)' : '';
  return new SeverError('ERR_PROVIDER_REJECTED', `${deps.name}: ${what} was refused with ${a.status}${typeof error === 'string' ? ` ${error}` : ''}${hint}`, { details });
}

/** One HTTP call; network failures and timeouts become retryable ERR_PROVIDER_UNAVAILABLE. */
export async function call(deps: HttpDeps, what: string, url: string, init: RequestInit): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await deps.fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(deps.timeoutMs) });
  } catch (e) {
    const cause = e as { name?: string; cause?: { code?: string } };
    const reason = cause.name === 'TimeoutError' ? `timed out after ${deps.timeoutMs} ms` : (cause.cause?.code ?? cause.name ?? 'network error');
    throw new SeverError('ERR_PROVIDER_UNAVAILABLE', `${deps.name}: ${what} could not reach the provider (${reason})`, {
      retryable: true, details: { connector: deps.name, operation: what, reason }, cause: e,
    });
  }
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new SeverError('ERR_PROVIDER_RESPONSE', `${deps.name}: ${what} answered ${res.status} with invalid JSON`, { details: { connector: deps.name, operation: what, status: res.status } });
    }
  }
  return { status: res.status, headers: res.headers, body };
}

const form = (c: ClientCredentials | undefined, params: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    ...(c ? { authorization: `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}` } : {}),
  },
  body: new URLSearchParams(params).toString(),
});

export type TokenHint = 'access_token' | 'refresh_token';

export interface Introspection {
  status: number;
  active: boolean;
  /** Secret-free fields of the answer. */
  clientId?: string;
  exp?: number;
}

export interface Probe {
  status: number;
  error?: string;
}

/** Standards calls for one provider with one client (Sever's). */
export class OAuthClient {
  readonly #deps: HttpDeps;
  readonly #endpoints: () => Promise<OAuthEndpoints>;
  readonly #credentials: () => Promise<ClientCredentials>;

  constructor(deps: HttpDeps, endpoints: () => Promise<OAuthEndpoints>, credentials: () => Promise<ClientCredentials>) {
    this.#deps = deps;
    this.#endpoints = endpoints;
    this.#credentials = credentials;
  }

  async #endpoint(which: keyof OAuthEndpoints): Promise<string> {
    const url = (await this.#endpoints())[which];
    if (!url) throw new SeverError('ERR_CONNECTOR_CONFIG', `${this.#deps.name}: no ${which} endpoint is configured or discovered`, { details: { connector: this.#deps.name, endpoint: which } });
    return url;
  }

  async hasEndpoint(which: keyof OAuthEndpoints): Promise<boolean> {
    return (await this.#endpoints())[which] !== undefined;
  }

  /** RFC 7662. Never mutates. */
  async introspect(token: string, hint?: TokenHint): Promise<Introspection> {
    const what = 'RFC 7662 introspection';
    const a = await call(this.#deps, what, await this.#endpoint('introspection'), form(await this.#credentials(), { token, ...(hint ? { token_type_hint: hint } : {}) }));
    if (a.status !== 200) throw providerError(this.#deps, what, a);
    const b = a.body as Record<string, unknown> | null;
    if (typeof b !== 'object' || b === null || typeof b.active !== 'boolean') {
      throw new SeverError('ERR_PROVIDER_RESPONSE', `${this.#deps.name}: ${what} answered without a boolean "active"`, { details: { connector: this.#deps.name, status: a.status } });
    }
    return { status: a.status, active: b.active, ...(typeof b.client_id === 'string' ? { clientId: b.client_id } : {}), ...(typeof b.exp === 'number' ? { exp: b.exp } : {}) };
  }

  /** RFC 7009. The provider answers 200 even for unknown tokens: an acknowledgement, never evidence. */
  async revoke(token: string, hint: TokenHint): Promise<{ status: number; url: string }> {
    const what = 'RFC 7009 revocation';
    const url = await this.#endpoint('revocation');
    const a = await call(this.#deps, what, url, form(await this.#credentials(), { token, token_type_hint: hint }));
    if (a.status !== 200 && a.status !== 204) throw providerError(this.#deps, what, a);
    return { status: a.status, url };
  }

  /** OIDC userinfo with the access token as bearer: 200 = accepted, 401 = refused. */
  async userinfo(accessToken: string): Promise<Probe> {
    const what = 'userinfo';
    const a = await call(this.#deps, what, await this.#endpoint('userinfo'), { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
    if (a.status === 429 || a.status >= 500) throw providerError(this.#deps, what, a);
    return { status: a.status, ...bearerError(a) };
  }

  /**
   * Tries to use a refresh token at the token endpoint, authenticated as the client that owns it
   * (with another client the provider answers invalid_grant for a live token too, which would be
   * a false proof). 400 invalid_grant = refused; 200 = it still works. The tokens a working replay
   * minted are revoked at once (RFC 7009, as their owner): a proof must not leave new live tokens
   * behind. `minted` counts them and `mintedRevoked` says whether every revocation was acknowledged.
   */
  async refreshReplay(refreshToken: string, owner: ClientCredentials): Promise<Probe & { minted?: number; mintedRevoked?: boolean }> {
    const what = 'refresh-token replay';
    const a = await call(this.#deps, what, await this.#endpoint('token'), form(owner, { grant_type: 'refresh_token', refresh_token: refreshToken }));
    if (a.status === 200) {
      const body = (a.body ?? {}) as Record<string, unknown>;
      const minted = (['refresh_token', 'access_token'] as const).flatMap((k) => (typeof body[k] === 'string' ? [[body[k] as string, k] as const] : []));
      const results = await Promise.all(minted.map(async ([token, k]) => {
        try {
          const r = await call(this.#deps, 'RFC 7009 revocation of a replay\'s tokens', await this.#endpoint('revocation'), form(owner, { token, token_type_hint: k }));
          return r.status === 200 || r.status === 204;
        } catch {
          return false;
        }
      }));
      return { status: 200, minted: minted.length, mintedRevoked: results.every(Boolean) };
    }
    const error = (a.body as Record<string, unknown> | null)?.error;
    if (a.status === 400 && error === 'invalid_grant') return { status: 400, error };
    throw providerError(this.#deps, what, a);
  }
}

function bearerError(a: HttpAnswer): { error?: string } {
  const www = a.headers.get('www-authenticate') ?? '';
  const fromHeader = /error="([^"]+)"/.exec(www)?.[1];
  const fromBody = typeof a.body === 'object' && a.body !== null ? (a.body as Record<string, unknown>).error : undefined;
  const error = fromHeader ?? (typeof fromBody === 'string' ? fromBody : undefined);
  return error ? { error } : {};
}

/**
 * The metadata URLs of an issuer, in the order they are tried: RFC 8414 authorization server
 * metadata (the well-known segment inserted between host and path, RFC 8414 §3.1), then OpenID
 * Connect discovery (appended to the issuer, OpenID Connect Discovery 1.0 §4).
 */
export function metadataUrls(issuer: string): Array<{ what: string; url: string }> {
  const u = new URL(issuer);
  const path = u.pathname.replace(/\/+$/, '');
  return [
    { what: 'RFC 8414 metadata', url: `${u.origin}/.well-known/oauth-authorization-server${path}` },
    { what: 'OIDC discovery', url: `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration` },
  ];
}

/**
 * Reads an issuer's metadata for its endpoints: RFC 8414 first, then OIDC discovery. A document
 * counts only when its `issuer` is the configured one (RFC 8414 §3.3; a trailing slash aside):
 * a server answering for another issuer is not used.
 *
 * @throws SeverError when neither document is usable: `ERR_PROVIDER_RESPONSE` (wrong issuer, not a
 *   JSON object), else `ERR_PROVIDER_UNAVAILABLE` (retryable), else `ERR_PROVIDER_REJECTED`.
 */
export async function discoverEndpoints(deps: HttpDeps, issuer: string): Promise<OAuthEndpoints> {
  const errors: SeverError[] = [];
  const same = (a: string) => a.replace(/\/+$/, '') === issuer.replace(/\/+$/, '');
  for (const { what, url } of metadataUrls(issuer)) {
    let a: HttpAnswer;
    try {
      a = await call(deps, what, url, { headers: { accept: 'application/json' } });
    } catch (e) {
      if (!(e instanceof SeverError)) throw e;
      errors.push(e);
      continue;
    }
    if (a.status !== 200) {
      errors.push(providerError(deps, what, a));
      continue;
    }
    const d = a.body;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) {
      errors.push(new SeverError('ERR_PROVIDER_RESPONSE', `${deps.name}: ${what} at ${url} is not a JSON object`, { details: { connector: deps.name, operation: what } }));
      continue;
    }
    const doc = d as Record<string, unknown>;
    if (typeof doc.issuer !== 'string' || !same(doc.issuer)) {
      errors.push(new SeverError('ERR_PROVIDER_RESPONSE', `${deps.name}: ${what} at ${url} names issuer ${JSON.stringify(String(doc.issuer ?? null)).slice(0, 200)}, not the configured ${issuer}; not used`, {
        details: { connector: deps.name, operation: what, issuer: typeof doc.issuer === 'string' ? doc.issuer.slice(0, 200) : null },
      }));
      continue;
    }
    const pick = (k: string) => (typeof doc[k] === 'string' ? (doc[k] as string) : undefined);
    const out: OAuthEndpoints = {};
    const map: [keyof OAuthEndpoints, string][] = [['revocation', 'revocation_endpoint'], ['introspection', 'introspection_endpoint'], ['userinfo', 'userinfo_endpoint'], ['token', 'token_endpoint']];
    for (const [k, field] of map) {
      const v = pick(field);
      if (v) out[k] = v;
    }
    return out;
  }
  throw errors.find((e) => e.code === 'ERR_PROVIDER_RESPONSE') ?? errors.find((e) => e.retryable) ?? errors[0]!;
}
