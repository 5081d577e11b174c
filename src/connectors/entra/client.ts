/**
 * The only code of the entra connector that talks to Entra: Microsoft Graph v1.0 through the
 * official `@microsoft/microsoft-graph-client`, and the tenant's v2.0 token endpoint (refresh and
 * client-credentials replays) through the shared OAuth HTTP plumbing.
 *
 * The Graph client is built with `Client.initWithMiddleware` and Sever's own two-link chain:
 * {@link BearerHandler} (the token of the configured `authProvider`, for the configured Graph
 * origin only) and {@link SeverFetchHandler} (one attempt through the injected fetch with Sever's
 * timeout). No RetryHandler, RedirectHandler or TelemetryHandler: the engine retries. The SDK's
 * AuthenticationHandler is not used because it adds the token only for https Graph hosts.
 *
 * Answers become coded errors here: 429 → ERR_PROVIDER_RATE_LIMITED, 5xx (503 with Retry-After
 * included) / network / timeout → ERR_PROVIDER_UNAVAILABLE (both retryable, with retryAfterMs when
 * Retry-After is given), 401/403 → ERR_PROVIDER_REJECTED; 404 answers `undefined` ("gone").
 * Token values never appear in errors.
 */
import { Client, GraphClientError, ResponseType } from '@microsoft/microsoft-graph-client';
import type { AuthenticationProvider, Context, Middleware } from '@microsoft/microsoft-graph-client';
import type * as Graph from '@microsoft/microsoft-graph-types';
import { SeverError } from '../../core/errors.ts';
import { call, providerError, retryAfterMs, type HttpDeps } from '../shared/oauth/client.ts';

export type { HttpDeps };

/** Carries a SeverError through the SDK, which passes GraphClientErrors on untouched. */
class CodedFailure extends GraphClientError {
  readonly sever: SeverError;
  constructor(sever: SeverError) {
    super(sever.message);
    // GraphClientError resets the prototype to its own; keep this class's.
    Object.setPrototypeOf(this, CodedFailure.prototype);
    this.sever = sever;
  }
}

/** Adds `Authorization: Bearer …` for requests to the configured Graph origin, and nowhere else. */
class BearerHandler implements Middleware {
  #next: Middleware | undefined;
  readonly #auth: AuthenticationProvider;
  readonly #origin: string;

  constructor(auth: AuthenticationProvider, origin: string) {
    this.#auth = auth;
    this.#origin = origin;
  }

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const options = (context.options ??= {});
    const headers = (options.headers ??= {}) as Record<string, string>;
    if (new URL(url).origin === this.#origin) {
      let token: string;
      try {
        token = await this.#auth.getAccessToken();
      } catch (e) {
        throw new CodedFailure(e instanceof SeverError ? e : new SeverError('ERR_PROVIDER_REJECTED', `Sever's Graph token could not be obtained (${e instanceof Error ? e.message.slice(0, 200) : 'unknown'}): check tenantId, clientId and clientSecretRef`, { cause: e }));
      }
      headers.Authorization = `Bearer ${token}`;
    } else delete headers.Authorization;
    await this.#next!.execute(context);
  }

  setNext(next: Middleware): void {
    this.#next = next;
  }
}

/** The last link: one fetch, Sever's timeout, no retry; network failures become coded errors. */
class SeverFetchHandler implements Middleware {
  readonly #http: HttpDeps;

  constructor(http: HttpDeps) {
    this.#http = http;
  }

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const o = context.options ?? {};
    const method = (o.method ?? 'GET').toUpperCase();
    try {
      context.response = await this.#http.fetch(url, {
        method, headers: (o.headers ?? {}) as Record<string, string>, ...(o.body !== undefined && o.body !== null ? { body: o.body as string } : {}),
        redirect: 'manual', signal: AbortSignal.timeout(this.#http.timeoutMs),
      });
    } catch (e) {
      const cause = e as { name?: string; cause?: { code?: string; message?: string } };
      const reason = cause.name === 'TimeoutError' ? `timed out after ${this.#http.timeoutMs} ms` : (cause.cause?.code ?? cause.cause?.message ?? cause.name ?? 'network error');
      const what = `${method} ${new URL(url).pathname}`;
      throw new CodedFailure(new SeverError('ERR_PROVIDER_UNAVAILABLE', `${this.#http.name}: ${what} could not reach Microsoft Graph (${reason})`, { retryable: true, details: { connector: this.#http.name, operation: what, reason }, cause: e }));
    }
  }
}

/** Graph's error body. */
interface GraphErrorBody {
  error?: { code?: string; message?: string };
}

/** The coded error for a Graph answer that is neither success nor 404. */
export function graphError(http: Pick<HttpDeps, 'name' | 'now'>, what: string, status: number, headers: Headers, body: unknown): SeverError {
  const code = (body as GraphErrorBody | undefined)?.error?.code;
  const details = { connector: http.name, operation: what, status, ...(typeof code === 'string' ? { graphCode: code } : {}) };
  const after = retryAfterMs(headers.get('retry-after'), http.now());
  const retry = { retryable: true, ...(after === undefined ? {} : { retryAfterMs: after }) };
  if (status === 429) return new SeverError('ERR_PROVIDER_RATE_LIMITED', `${http.name}: ${what} was throttled by Microsoft Graph (429 ${code ?? ''})${after === undefined ? '' : `; retry after ${after} ms`}`, { ...retry, details });
  if (status >= 500) return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${http.name}: ${what} answered ${status} ${code ?? ''}${after === undefined ? '' : `; retry after ${after} ms`}`, { ...retry, details });
  const hint = status === 401 || status === 403 ? ': check the credentials in settings and the Graph application permissions granted to Sever\'s app (the manifest lists them)' : '';
  return new SeverError('ERR_PROVIDER_REJECTED', `${http.name}: ${what} was refused with ${status} ${code ?? ''}${hint}`, { details });
}

/** One Graph collection page. */
interface Page<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

export type Typed<T> = T & { '@odata.type'?: string };

export interface GraphClientOptions {
  http: HttpDeps;
  /** e.g. `https://graph.microsoft.com` (no version). */
  graphUrl: string;
  /** The tenant's v2.0 token endpoint, for replays. */
  tokenUrl: string;
  auth: AuthenticationProvider;
}

export interface ReplayAnswer {
  status: number;
  error?: string;
  /** AADSTS codes of an error answer. */
  errorCodes?: number[];
}

export class EntraClient {
  readonly #o: GraphClientOptions;
  readonly #sdk: Client;
  readonly #root: string;

  constructor(o: GraphClientOptions) {
    this.#o = o;
    const base = o.graphUrl.replace(/\/+$/, '');
    this.#root = `${base}/v1.0`;
    this.#sdk = Client.initWithMiddleware({ baseUrl: base, defaultVersion: 'v1.0', middleware: [new BearerHandler(o.auth, new URL(base).origin), new SeverFetchHandler(o.http)] });
  }

  /** One request; 404 → undefined; other failures → coded errors. `what` names the route, not the ids. */
  async #send<T>(what: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, o: { select?: readonly string[]; body?: unknown } = {}): Promise<{ status: number; body: T | undefined } | undefined> {
    let req = this.#sdk.api(path).responseType(ResponseType.RAW);
    if (o.select) req = req.select([...o.select]);
    let res: Response;
    try {
      res = (await (method === 'GET' ? req.get() : method === 'POST' ? req.post(o.body) : method === 'PATCH' ? req.patch(o.body) : req.delete())) as Response;
    } catch (e) {
      if (e instanceof CodedFailure) throw e.sever;
      throw new SeverError('ERR_PROVIDER_RESPONSE', `${this.#o.http.name}: ${what}: the Graph client failed (${e instanceof Error ? e.message.slice(0, 200) : 'unknown'})`, { details: { connector: this.#o.http.name, operation: what }, cause: e });
    }
    const text = await res.text();
    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        throw new SeverError('ERR_PROVIDER_RESPONSE', `${this.#o.http.name}: ${what} answered ${res.status} with invalid JSON`, { details: { connector: this.#o.http.name, operation: what, status: res.status } });
      }
    }
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status > 299) throw graphError(this.#o.http, what, res.status, res.headers, body);
    return { status: res.status, body: body as T | undefined };
  }

  /** Every page of a collection, following `@odata.nextLink` only within the configured Graph root. */
  async #all<T>(what: string, path: string, select?: readonly string[]): Promise<T[] | undefined> {
    const out: T[] = [];
    let next: string | undefined = path;
    let first = true;
    while (next !== undefined) {
      const page: { body: Page<T> | undefined } | undefined = await this.#send<Page<T>>(what, 'GET', next, first && select ? { select } : {});
      if (!page) return first ? undefined : out;
      out.push(...(page.body?.value ?? []));
      const link: string | undefined = page.body?.['@odata.nextLink'];
      if (link !== undefined && !link.startsWith(`${this.#root}/`)) {
        throw new SeverError('ERR_PROVIDER_RESPONSE', `${this.#o.http.name}: ${what}: @odata.nextLink leaves ${this.#root}; not followed`, { details: { connector: this.#o.http.name, operation: what } });
      }
      next = link?.slice(this.#root.length);
      first = false;
    }
    return out;
  }

  get name(): string {
    return this.#o.http.name;
  }

  async user(idOrUpn: string): Promise<Graph.User | undefined> {
    return (await this.#send<Graph.User>('GET /users/{id}', 'GET', `/users/${encodeURIComponent(idOrUpn)}`, { select: ['id', 'userPrincipalName', 'signInSessionsValidFromDateTime'] }))?.body;
  }

  /** 200 with `{"value": true}`, or undefined when the user is gone. The answer proves nothing. */
  async revokeSignInSessions(userId: string): Promise<{ status: number; value: unknown } | undefined> {
    const r = await this.#send<{ value?: unknown }>('POST /users/{id}/revokeSignInSessions', 'POST', `/users/${encodeURIComponent(userId)}/revokeSignInSessions`);
    return r ? { status: r.status, value: r.body?.value } : undefined;
  }

  registeredDevices(userId: string): Promise<Array<Typed<Graph.Device>> | undefined> {
    return this.#all('GET /users/{id}/registeredDevices', `/users/${encodeURIComponent(userId)}/registeredDevices`, ['id', 'deviceId', 'displayName', 'operatingSystem', 'accountEnabled', 'registrationDateTime']);
  }

  async device(objectId: string): Promise<Graph.Device | undefined> {
    return (await this.#send<Graph.Device>('GET /devices/{id}', 'GET', `/devices/${encodeURIComponent(objectId)}`, { select: ['id', 'accountEnabled'] }))?.body;
  }

  /** 204 sent, 404 when the device is gone. */
  async disableDevice(objectId: string): Promise<number> {
    const body: Graph.Device = { accountEnabled: false };
    return (await this.#send('PATCH /devices/{id}', 'PATCH', `/devices/${encodeURIComponent(objectId)}`, { body }))?.status ?? 404;
  }

  authenticationMethods(userId: string): Promise<Array<Typed<Graph.AuthenticationMethod> & { createdDateTime?: string | null; displayName?: string | null }> | undefined> {
    return this.#all('GET /users/{id}/authentication/methods', `/users/${encodeURIComponent(userId)}/authentication/methods`);
  }

  /** 204 sent, 404 when the method is gone. `segment` is e.g. `fido2Methods`. */
  async deleteMethod(userId: string, segment: string, methodId: string): Promise<number> {
    return (await this.#send(`DELETE /users/{id}/authentication/${segment}/{id}`, 'DELETE', `/users/${encodeURIComponent(userId)}/authentication/${segment}/${encodeURIComponent(methodId)}`))?.status ?? 404;
  }

  grants(userId: string): Promise<Graph.OAuth2PermissionGrant[] | undefined> {
    return this.#all('GET /users/{id}/oauth2PermissionGrants', `/users/${encodeURIComponent(userId)}/oauth2PermissionGrants`);
  }

  /** A client service principal's delegated grants, for every user (an integration subject). */
  clientGrants(servicePrincipalId: string): Promise<Graph.OAuth2PermissionGrant[] | undefined> {
    return this.#all('GET /servicePrincipals/{id}/oauth2PermissionGrants', `/servicePrincipals/${encodeURIComponent(servicePrincipalId)}/oauth2PermissionGrants`);
  }

  async deleteGrant(grantId: string): Promise<number> {
    return (await this.#send('DELETE /oauth2PermissionGrants/{id}', 'DELETE', `/oauth2PermissionGrants/${encodeURIComponent(grantId)}`))?.status ?? 404;
  }

  ownedObjects(userId: string): Promise<Array<Typed<Graph.DirectoryObject>> | undefined> {
    return this.#all('GET /users/{id}/ownedObjects', `/users/${encodeURIComponent(userId)}/ownedObjects`);
  }

  /** An application or service principal with its credentials (undefined when gone). */
  async appCredentials(collection: 'applications' | 'servicePrincipals', objectId: string): Promise<Graph.Application | Graph.ServicePrincipal | undefined> {
    return (await this.#send<Graph.Application>(`GET /${collection}/{id}`, 'GET', `/${collection}/${encodeURIComponent(objectId)}`, { select: ['id', 'appId', 'displayName', 'passwordCredentials', 'keyCredentials'] }))?.body;
  }

  async removePassword(collection: 'applications' | 'servicePrincipals', objectId: string, keyId: string): Promise<number> {
    return (await this.#send(`POST /${collection}/{id}/removePassword`, 'POST', `/${collection}/${encodeURIComponent(objectId)}/removePassword`, { body: { keyId } }))?.status ?? 404;
  }

  async #token(what: string, params: Record<string, string>): Promise<ReplayAnswer> {
    const a = await call(this.#o.http, what, this.#o.tokenUrl, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams(params).toString(),
    });
    const b = (typeof a.body === 'object' && a.body !== null ? a.body : {}) as { error?: unknown; error_codes?: unknown };
    if (a.status === 200) return { status: 200 };
    const error = typeof b.error === 'string' ? b.error : undefined;
    const errorCodes = Array.isArray(b.error_codes) ? b.error_codes.filter((c): c is number => typeof c === 'number') : undefined;
    if ((a.status === 400 || a.status === 401) && (error === 'invalid_grant' || error === 'invalid_client')) return { status: a.status, error, ...(errorCodes ? { errorCodes } : {}) };
    throw providerError(this.#o.http, what, a);
  }

  /**
   * Presents a refresh token at the token endpoint as its client (a public client: no secret, as an
   * attacker holding it would). 200 = it still works (the minted tokens are dropped: Entra has no
   * revocation endpoint for one token, and they carry the same sign-in time, so they die with it);
   * 400 invalid_grant = refused.
   */
  refreshReplay(refreshToken: string, clientId: string, clientSecret?: string): Promise<ReplayAnswer> {
    return this.#token('refresh-token replay', { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken, ...(clientSecret ? { client_secret: clientSecret } : {}) });
  }

  /** A client-credentials request with an app's secret: 200 = it still works, 401 invalid_client = refused. */
  clientCredentialsReplay(appId: string, secret: string): Promise<ReplayAnswer> {
    return this.#token('client-credentials replay', { grant_type: 'client_credentials', client_id: appId, client_secret: secret, scope: `${this.#o.graphUrl.replace(/\/+$/, '')}/.default` });
  }
}
