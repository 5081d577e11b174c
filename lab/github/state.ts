/**
 * The simulator's state: one organization, its users and their credentials, with GitHub's
 * documented semantics (H1-H5 in /work/shared/reference/providers.md):
 * - a token answers `GET /user` until it is revoked through `POST /credentials/revoke` or its OAuth
 *   grant is deleted; revoking a fine-grained PAT's org access or removing an SSO authorization
 *   only cuts the organization off (the token keeps working on the user's own resources);
 * - `POST /credentials/revoke` is applied later (`revokeDelayMs`), never while answering.
 */
import { randomBytes } from 'node:crypto';

/** `app-user`: a GitHub App's user-to-server token (ghu_); `installation`: an installation token (ghs_). */
export type TokenType = 'classic' | 'fine-grained' | 'oauth' | 'app-user' | 'installation';

export interface Token {
  value: string;
  login: string;
  type: TokenType;
  id: number;
  name: string;
  clientId?: string;
  /** For an `installation` token: the enterprise the app is installed on (the enterprise-apps API). */
  enterprise?: string;
  revoked: boolean;
}

export interface FgPatGrant {
  /** `pat_id` of the org API. */
  id: number;
  token: Token;
  orgAccess: boolean;
  grantedAt: string;
}

export type CredentialType = 'personal access token' | 'SSH key' | 'OAuth app token' | 'GitHub app token';

export interface CredentialAuthorization {
  credentialId: number;
  login: string;
  type: CredentialType;
  token?: Token;
  key?: SshKey;
  /**
   * `authorized_credential_note`. For an OAuth app or GitHub App token the lab puts the app's name
   * here: GitHub's description names no app on a credential authorization, and the connector
   * attributes app tokens by this note (an assumption the lab shares, not a documented behaviour).
   */
  note: string | null;
  removed: boolean;
  authorizedAt: string;
}

export interface SshKey {
  id: number;
  login: string;
  key: string;
  title: string;
  fingerprint: string;
  deleted: boolean;
}

export interface DeployKey {
  id: number;
  repo: string;
  key: string;
  title: string;
  addedBy: string;
  readOnly: boolean;
  /** When a Git operation last authenticated with the key (`last_used`), or null. */
  lastUsed: string | null;
  deleted: boolean;
  /** For tests, in milliseconds (`last_used` has seconds only): the first fetch with it, and its deletion. */
  firstUsedMs: number | null;
  deletedMs: number | null;
}

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  name: string;
}

export interface GithubApp {
  id: number;
  slug: string;
  clientId: string;
  name: string;
}

export interface Installation {
  id: number;
  app: GithubApp;
  /** Set when suspended (an org owner can do it in the settings UI: no REST path takes their credential). */
  suspendedAt: string | null;
  deleted: boolean;
}

const rand = (n: number) => randomBytes(n).toString('hex');
const PREFIX: Record<TokenType, string> = { classic: 'ghp_', 'fine-grained': 'github_pat_', oauth: 'gho_', 'app-user': 'ghu_', installation: 'ghs_' };
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
/** `type base64` of an OpenSSH public key line (the comment dropped), for comparing keys. */
export const keyOf = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(' ');

export class GithubState {
  readonly org: string;
  readonly users = new Map<string, { login: string; id: number }>();
  readonly owners = new Set<string>();
  readonly tokens = new Map<string, Token>();
  readonly fgPats: FgPatGrant[] = [];
  readonly authorizations: CredentialAuthorization[] = [];
  readonly keys: SshKey[] = [];
  readonly repos: string[] = [];
  readonly deployKeys: DeployKey[] = [];
  readonly apps = new Map<string, OAuthApp>();
  readonly githubApps: GithubApp[] = [];
  readonly installations: Installation[] = [];
  /** The enterprise that owns the org (GHEC). */
  readonly enterprise: string;
  #seq = 1000;

  constructor(org: string, enterprise = `${org}-enterprise`) {
    this.org = org;
    this.enterprise = enterprise;
  }

  next(): number {
    return ++this.#seq;
  }

  user(login: string): { login: string; id: number } {
    let u = this.users.get(login);
    if (!u) this.users.set(login, (u = { login, id: this.next() }));
    return u;
  }

  token(login: string, type: TokenType, extra: { name?: string; clientId?: string } = {}): Token {
    this.user(login);
    const t: Token = { value: `${PREFIX[type]}${rand(18)}`, login, type, id: this.next(), name: extra.name ?? `${type} token`, revoked: false, ...(extra.clientId ? { clientId: extra.clientId } : {}) };
    this.tokens.set(t.value, t);
    return t;
  }

  /** The live token of this value, or undefined (unknown or revoked). */
  live(value: string | undefined): Token | undefined {
    const t = value === undefined ? undefined : this.tokens.get(value);
    return t && !t.revoked ? t : undefined;
  }

  authorize(login: string, what: { token: Token } | { key: SshKey }): CredentialAuthorization {
    const type: CredentialType = 'key' in what ? 'SSH key' : what.token.type === 'oauth' ? 'OAuth app token' : what.token.type === 'app-user' ? 'GitHub app token' : 'personal access token';
    const note = 'key' in what ? null : what.token.clientId !== undefined ? this.appName(what.token.clientId) : what.token.name;
    const a: CredentialAuthorization = { credentialId: this.next(), login, type, ...what, note, removed: false, authorizedAt: iso(Date.now()) };
    this.authorizations.push(a);
    return a;
  }

  /** SSO authorizations still in force: not removed, and their credential still exists. */
  liveAuthorizations(): CredentialAuthorization[] {
    return this.authorizations.filter((a) => !a.removed && (a.token ? !a.token.revoked : !a.key?.deleted));
  }

  /** Fine-grained PATs with access to the org: not revoked by the org nor revoked as tokens. */
  liveFgPats(): FgPatGrant[] {
    return this.fgPats.filter((g) => g.orgAccess && !g.token.revoked);
  }

  sshKey(login: string): SshKey {
    this.user(login);
    const id = this.next();
    const k: SshKey = { id, login, key: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA${rand(16)}`, title: `key ${id}`, fingerprint: `SHA256:${rand(16)}`, deleted: false };
    this.keys.push(k);
    return k;
  }

  /** Deletes every token of the app's grant for the login: the grant and its tokens die together. */
  deleteGrant(clientId: string, login: string): number {
    let n = 0;
    for (const t of this.tokens.values()) if (t.clientId === clientId && t.login === login && !t.revoked) (t.revoked = true), n++;
    return n;
  }

  /** A fine-grained PAT of the login with access to the org. */
  fineGrainedPat(login: string, name = 'fine-grained token'): { token: Token; grant: FgPatGrant } {
    const token = this.token(login, 'fine-grained', { name });
    const grant: FgPatGrant = { id: this.next(), token, orgAccess: true, grantedAt: '2026-01-01T00:00:00Z' };
    this.fgPats.push(grant);
    return { token, grant };
  }

  /** A deploy key; `publicKey` (an OpenSSH public key line) when a test holds its private half. */
  deployKey(repo: string, addedBy: string, readOnly = false, o: { publicKey?: string; title?: string } = {}): DeployKey {
    if (!this.repos.includes(repo)) this.repos.push(repo);
    const id = this.next();
    const key = o.publicKey ? keyOf(o.publicKey) : `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA${rand(16)}`;
    const k: DeployKey = { id, repo, key, title: o.title ?? `deploy ${id}`, addedBy, readOnly, lastUsed: null, deleted: false, firstUsedMs: null, deletedMs: null };
    this.deployKeys.push(k);
    return k;
  }

  /**
   * A Git fetch over SSH authenticating with `publicKey`'s private half (the workload proved it
   * holds it): answers whether a live deploy key of `repo` accepts it, and records its `last_used`.
   */
  gitFetch(repo: string, publicKey: string): boolean {
    const k = this.deployKeys.find((x) => x.repo === repo && !x.deleted && x.key === keyOf(publicKey));
    if (!k) return false;
    k.lastUsed = iso(Date.now());
    k.firstUsedMs ??= Date.now();
    return true;
  }

  newApp(name = 'lab OAuth app'): OAuthApp {
    const app = { clientId: `Iv1.${rand(8)}`, clientSecret: rand(20), name };
    this.apps.set(app.clientId, app);
    return app;
  }

  /** A GitHub App installed on the org (all repositories). */
  installApp(slug: string, name = slug): { app: GithubApp; installation: Installation } {
    const app: GithubApp = { id: this.next(), slug, clientId: `Iv23li${rand(5)}`, name };
    this.githubApps.push(app);
    const installation: Installation = { id: this.next(), app, suspendedAt: null, deleted: false };
    this.installations.push(installation);
    return { app, installation };
  }

  /** An installation token of a GitHub App installed on the enterprise (the enterprise-apps API's caller). */
  enterpriseAppToken(): Token {
    const t = this.token('enterprise-admin-app[bot]', 'installation', { name: 'enterprise app' });
    t.enterprise = this.enterprise;
    return t;
  }

  appName(clientId: string): string | null {
    return this.apps.get(clientId)?.name ?? this.githubApps.find((a) => a.clientId === clientId)?.name ?? null;
  }
}
