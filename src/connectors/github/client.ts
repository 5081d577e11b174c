/**
 * The only code of the github connector that talks to GitHub: `@octokit/rest` pointed at the
 * instance's `baseUrl` (github.com, GHEC or a simulator alike). `@octokit/rest` carries no retry or
 * throttling plugin, and none is added: the engine retries, from the coded errors below.
 *
 * Errors: 403/429 with `x-ratelimit-remaining: 0` or `retry-after` → ERR_PROVIDER_RATE_LIMITED
 * (retryAfterMs from `retry-after`, else `x-ratelimit-reset`); 5xx, timeouts and unreachable →
 * ERR_PROVIDER_UNAVAILABLE (both retryable); 401/403 on Sever's own token → ERR_PROVIDER_REJECTED.
 * Token values never reach an error, a log line or an observation (no `cause` is kept: Octokit's
 * error holds the request body, which may carry a token).
 */
import { Octokit } from '@octokit/rest';
import { SeverError } from '../../core/errors.ts';

export interface GithubHttp {
  fetch: typeof globalThis.fetch;
  now(): number;
  /** Connector instance name, for messages. */
  name: string;
  timeoutMs: number;
  baseUrl: string;
}

export interface FgPatGrant {
  id: number;
  owner: { login: string };
  token_id: number;
  token_name: string;
  token_expires_at: string | null;
  access_granted_at: string;
}

export interface CredentialAuthorization {
  login: string;
  credential_id: number;
  credential_type: string;
  token_last_eight?: string;
  fingerprint?: string;
  authorized_credential_id: number | null;
  authorized_credential_title?: string | null;
  authorized_credential_note?: string | null;
  authorized_credential_expires_at?: string | null;
}

export interface DeployKey {
  id: number;
  /** The public key, `ssh-ed25519 AAAA…` (no comment). */
  key: string;
  title: string;
  added_by?: string | null;
  read_only: boolean;
  /** When a Git operation last authenticated with the key; null when never. */
  last_used?: string | null;
}

export interface AppInstallation {
  id: number;
  app_id: number;
  app_slug: string;
  client_id?: string;
  repository_selection: string;
  suspended_at: string | null;
  created_at: string;
}

interface Failure {
  status?: number;
  response?: { headers: Record<string, string | undefined> };
  message?: string;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The coded error for a failed GitHub call `what`. */
export function githubError(http: Pick<GithubHttp, 'name' | 'now'>, what: string, e: unknown): SeverError {
  const f = e as Failure;
  const details: Record<string, unknown> = { connector: http.name, operation: what };
  if (!f.response) {
    const reason = (e as { name?: string }).name === 'AbortError' || /abort|timeout/i.test(String(f.message)) ? 'timed out' : 'unreachable';
    return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${http.name}: ${what} could not reach GitHub (${reason})`, { retryable: true, details: { ...details, reason } });
  }
  const status = f.status ?? 0;
  const h = f.response.headers;
  details.status = status;
  if ((status === 403 || status === 429) && (h['x-ratelimit-remaining'] === '0' || h['retry-after'] !== undefined)) {
    const after = h['retry-after'] !== undefined && /^\d+$/.test(h['retry-after']) ? Number(h['retry-after']) * 1000
      : h['x-ratelimit-reset'] !== undefined ? Math.max(0, Number(h['x-ratelimit-reset']) * 1000 - http.now()) : undefined;
    return new SeverError('ERR_PROVIDER_RATE_LIMITED', `${http.name}: ${what} was rate limited (${status}, ${h['x-ratelimit-resource'] ?? 'core'} budget)${after === undefined ? '' : `; retry after ${after} ms`}`, {
      retryable: true, ...(after === undefined ? {} : { retryAfterMs: after }), details: { ...details, resource: h['x-ratelimit-resource'] ?? null },
    });
  }
  if (status >= 500) return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${http.name}: ${what} answered ${status}`, { retryable: true, details });
  const hint = status === 401 ? ' (Sever\'s own token, or the OAuth app\'s secret, is wrong or revoked: check tokenRef / oauthApps in sever.yaml)' : status === 403 ? ' (Sever\'s token lacks the permission the manifest lists)' : '';
  return new SeverError('ERR_PROVIDER_REJECTED', `${http.name}: ${what} was refused with ${status}${hint}`, { details });
}

const statusOf = (e: unknown): number | undefined => ((e as Failure).response ? (e as Failure).status : undefined);

export class GithubClient {
  readonly http: GithubHttp;
  readonly org: string;
  readonly #token: () => Promise<string>;
  readonly #fgPatToken: () => Promise<string>;

  /** `token`: Sever's org-owner token; `fgPatToken`: the GitHub App token the org fine-grained PAT API needs. */
  constructor(http: GithubHttp, org: string, token: () => Promise<string>, fgPatToken: () => Promise<string> = token) {
    this.http = http;
    this.org = org;
    this.#token = token;
    this.#fgPatToken = fgPatToken;
  }

  /** An Octokit for one call; `auth` undefined for unauthenticated or Basic calls. */
  #octokit(auth?: string): Octokit {
    const timed: typeof fetch = (url, init) => this.http.fetch(url, { ...init, signal: AbortSignal.timeout(this.http.timeoutMs) });
    return new Octokit({ baseUrl: this.http.baseUrl, userAgent: 'sever', log: silent, request: { fetch: timed }, ...(auth ? { auth } : {}) });
  }

  async #admin(): Promise<Octokit> {
    return this.#octokit(await this.#token());
  }

  async #try<T>(what: string, fn: () => Promise<T>, ok: number[] = []): Promise<T | number> {
    try {
      return await fn();
    } catch (e) {
      const err = githubError(this.http, what, e);
      const s = statusOf(e);
      if (s !== undefined && ok.includes(s) && err.code !== 'ERR_PROVIDER_RATE_LIMITED') return s;
      throw err;
    }
  }

  /**
   * Fine-grained PATs with access to the org, every page; `owner` narrows to one login with the
   * documented `owner[]=` form (Octokit's own method would send `owner=a,b`).
   */
  async fgPats(owner?: string): Promise<FgPatGrant[]> {
    const o = this.#octokit(await this.#fgPatToken());
    const params = { org: this.org, per_page: 100, ...(owner === undefined ? {} : { 'owner[]': owner }) };
    return (await this.#try('GET /orgs/{org}/personal-access-tokens', () => o.paginate('GET /orgs/{org}/personal-access-tokens', params as never))) as FgPatGrant[];
  }

  /** 204 when the org's access was revoked, 404 when the grant is gone already. */
  async revokeFgPat(patId: number): Promise<number> {
    const o = this.#octokit(await this.#fgPatToken());
    const r = await this.#try('POST /orgs/{org}/personal-access-tokens/{pat_id}', () => o.request('POST /orgs/{org}/personal-access-tokens/{pat_id}', { org: this.org, pat_id: patId, action: 'revoke' }), [404]);
    return typeof r === 'number' ? r : r.status;
  }

  /**
   * SAML SSO credential authorizations of one login (every member's when `login` is undefined),
   * every page. GHEC only: an org without SAML SSO (or on github.com without Enterprise Cloud)
   * answers 404, which means there are none.
   */
  async authorizations(login?: string): Promise<CredentialAuthorization[]> {
    const o = await this.#admin();
    const what = 'GET /orgs/{org}/credential-authorizations';
    const params = { org: this.org, per_page: 100, ...(login === undefined ? {} : { login }) };
    const r = await this.#try(what, () => o.paginate('GET /orgs/{org}/credential-authorizations' as never, params as never), [404]);
    return typeof r === 'number' ? [] : (r as CredentialAuthorization[]);
  }

  /** 204 when removed, 404 when already gone. */
  async removeAuthorization(credentialId: number): Promise<number> {
    const o = await this.#admin();
    const what = 'DELETE /orgs/{org}/credential-authorizations/{credential_id}';
    const r = await this.#try(what, () => o.request('DELETE /orgs/{org}/credential-authorizations/{credential_id}' as never, { org: this.org, credential_id: credentialId } as never), [404]);
    return typeof r === 'number' ? r : (r as { status: number }).status;
  }

  /** `POST /credentials/revoke` (unauthenticated, its own 60/hour budget): 202 is an acknowledgement. */
  async revokeCredentials(values: string[]): Promise<number> {
    const o = this.#octokit();
    const r = await this.#try('POST /credentials/revoke', () => o.request('POST /credentials/revoke', { credentials: values }));
    return typeof r === 'number' ? r : r.status;
  }

  /** `GET /user` presenting `token`: the status only (200 works, 401 refused). Never Sever's token. */
  async replayToken(token: string): Promise<number> {
    const o = this.#octokit(token);
    const r = await this.#try('GET /user (token replay)', () => o.request('GET /user'), [401, 403]);
    return typeof r === 'number' ? r : r.status;
  }

  /** `POST /applications/{client_id}/token` (the app checks a token): 200 valid, 404 invalid. */
  async checkAppToken(app: { clientId: string; clientSecret: string }, token: string): Promise<number> {
    const o = this.#octokit();
    const r = await this.#try('POST /applications/{client_id}/token', () => o.request('POST /applications/{client_id}/token', { client_id: app.clientId, access_token: token, headers: { authorization: basic(app) } }), [404]);
    return typeof r === 'number' ? r : r.status;
  }

  /** `DELETE /applications/{client_id}/grant`: the grant and every token of it; 404 when the token is gone. */
  async deleteGrant(app: { clientId: string; clientSecret: string }, token: string): Promise<number> {
    const o = this.#octokit();
    const r = await this.#try('DELETE /applications/{client_id}/grant', () => o.request('DELETE /applications/{client_id}/grant', { client_id: app.clientId, access_token: token, headers: { authorization: basic(app) } }), [404]);
    return typeof r === 'number' ? r : r.status;
  }

  /** The org's repositories (names), every page. */
  async repos(): Promise<string[]> {
    const o = await this.#admin();
    const list = (await this.#try('GET /orgs/{org}/repos', () => o.paginate('GET /orgs/{org}/repos', { org: this.org, per_page: 100 }))) as Array<{ name: string }>;
    return list.map((r) => r.name);
  }

  /** The GitHub Apps installed on the org, every page. */
  async installations(): Promise<AppInstallation[]> {
    const o = await this.#admin();
    return (await this.#try('GET /orgs/{org}/installations', () => o.paginate('GET /orgs/{org}/installations', { org: this.org, per_page: 100 }))) as AppInstallation[];
  }

  /**
   * Uninstalls a GitHub App from the org through the enterprise that owns it: GitHub accepts only a
   * GitHub App installed on that enterprise (`token`). 204 when removed, 404 when already gone.
   */
  async uninstall(enterprise: string, token: string, installationId: number): Promise<number> {
    const o = this.#octokit(token);
    const route = 'DELETE /enterprises/{enterprise}/apps/organizations/{org}/installations/{installation_id}';
    const r = await this.#try(route, () => o.request(route, { enterprise, org: this.org, installation_id: installationId }), [404]);
    return typeof r === 'number' ? r : r.status;
  }

  /** Adds a deploy key to a repository (the rotation's new key). */
  async addDeployKey(repo: string, key: { title: string; key: string; read_only: boolean }): Promise<DeployKey> {
    const o = await this.#admin();
    const r = await this.#try('POST /repos/{owner}/{repo}/keys', () => o.request('POST /repos/{owner}/{repo}/keys', { owner: this.org, repo, ...key }));
    return (r as { data: DeployKey }).data;
  }

  /** One deploy key, or undefined when it is gone (404). */
  async deployKey(repo: string, keyId: number): Promise<DeployKey | undefined> {
    const o = await this.#admin();
    const r = await this.#try('GET /repos/{owner}/{repo}/keys/{key_id}', () => o.request('GET /repos/{owner}/{repo}/keys/{key_id}', { owner: this.org, repo, key_id: keyId }), [404]);
    return typeof r === 'number' ? undefined : (r.data as DeployKey);
  }

  async deployKeys(repo: string): Promise<DeployKey[]> {
    const o = await this.#admin();
    return (await this.#try('GET /repos/{owner}/{repo}/keys', () => o.paginate('GET /repos/{owner}/{repo}/keys', { owner: this.org, repo, per_page: 100 }))) as DeployKey[];
  }

  /** 200 when the deploy key exists, 404 when gone. */
  async deployKeyStatus(repo: string, keyId: number): Promise<number> {
    const o = await this.#admin();
    const r = await this.#try('GET /repos/{owner}/{repo}/keys/{key_id}', () => o.request('GET /repos/{owner}/{repo}/keys/{key_id}', { owner: this.org, repo, key_id: keyId }), [404]);
    return typeof r === 'number' ? r : r.status;
  }

  async deleteDeployKey(repo: string, keyId: number): Promise<number> {
    const o = await this.#admin();
    const r = await this.#try('DELETE /repos/{owner}/{repo}/keys/{key_id}', () => o.request('DELETE /repos/{owner}/{repo}/keys/{key_id}', { owner: this.org, repo, key_id: keyId }), [404]);
    return typeof r === 'number' ? r : r.status;
  }
}

const basic = (app: { clientId: string; clientSecret: string }) => `basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
