/**
 * The simulator's state: one organization, its users and their credentials, with GitHub's
 * documented semantics (H1-H5 in /work/shared/reference/providers.md):
 * - a token answers `GET /user` until it is revoked through `POST /credentials/revoke` or its OAuth
 *   grant is deleted; revoking a fine-grained PAT's org access or removing an SSO authorization
 *   only cuts the organization off (the token keeps working on the user's own resources);
 * - `POST /credentials/revoke` is applied later (`revokeDelayMs`), never while answering.
 */
import { randomBytes } from 'node:crypto';

export type TokenType = 'classic' | 'fine-grained' | 'oauth';

export interface Token {
  value: string;
  login: string;
  type: TokenType;
  id: number;
  name: string;
  clientId?: string;
  revoked: boolean;
}

export interface FgPatGrant {
  /** `pat_id` of the org API. */
  id: number;
  token: Token;
  orgAccess: boolean;
  grantedAt: string;
}

export type CredentialType = 'personal access token' | 'SSH key' | 'OAuth app token';

export interface CredentialAuthorization {
  credentialId: number;
  login: string;
  type: CredentialType;
  token?: Token;
  key?: SshKey;
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
  deleted: boolean;
}

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
}

const rand = (n: number) => randomBytes(n).toString('hex');
const PREFIX: Record<TokenType, string> = { classic: 'ghp_', 'fine-grained': 'github_pat_', oauth: 'gho_' };

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
  #seq = 1000;

  constructor(org: string) {
    this.org = org;
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
    const type: CredentialType = 'key' in what ? 'SSH key' : what.token.type === 'oauth' ? 'OAuth app token' : 'personal access token';
    const a: CredentialAuthorization = { credentialId: this.next(), login, type, ...what, removed: false, authorizedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
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

  deployKey(repo: string, addedBy: string, readOnly = false): DeployKey {
    if (!this.repos.includes(repo)) this.repos.push(repo);
    const id = this.next();
    const k: DeployKey = { id, repo, key: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA${rand(16)}`, title: `deploy ${id}`, addedBy, readOnly, deleted: false };
    this.deployKeys.push(k);
    return k;
  }

  newApp(): OAuthApp {
    const app = { clientId: `Iv1.${rand(8)}`, clientSecret: rand(20) };
    this.apps.set(app.clientId, app);
    return app;
  }
}
