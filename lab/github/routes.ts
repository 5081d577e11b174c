/**
 * The operations the simulator answers, by GitHub `operationId`. Each one exists in GitHub's own
 * description (the server refuses anything else); bodies are built from its schemas.
 */
import { keyOf, type DeployKey, type GithubState, type Installation, type Token } from './state.ts';
import { shape, simpleUser } from './shapes.ts';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Ctx {
  state: GithubState;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  /** The token presented (`token X` / `Bearer X`), if any. */
  token?: string;
  /** Basic credentials presented, if any. */
  basic?: { user: string; password: string };
  base: string;
  /**
   * One page of `items` as the request asked (`per_page`, `page`), with its `Link` header; with
   * `key`, wrapped as GitHub wraps some lists: `{ total_count, [key]: page }`.
   */
  page(items: unknown[], key?: string): Reply;
  /** Schedules a revocation, as `POST /credentials/revoke` does. */
  later(fn: () => void): void;
}

const DOCS = 'https://docs.github.com/enterprise-cloud@latest/rest';
export const error = (status: number, message: string): Reply => ({ status, body: { message, documentation_url: DOCS, status: String(status) } });
const unauthorized = () => error(401, 'Bad credentials');

/** The caller as an org owner, or the refusal to answer. */
function owner(c: Ctx): Reply | undefined {
  const t = c.state.live(c.token);
  if (!t) return unauthorized();
  if (!c.state.owners.has(t.login)) return error(403, 'Must be an organization owner');
  if (c.params.org !== undefined && c.params.org !== c.state.org) return error(404, 'Not Found');
  if (c.params.owner !== undefined && c.params.owner !== c.state.org) return error(404, 'Not Found');
  return undefined;
}

function app(c: Ctx): Reply | undefined {
  const a = c.state.apps.get(c.params.client_id ?? '');
  if (!a || !c.basic || c.basic.user !== a.clientId || c.basic.password !== a.clientSecret) return unauthorized();
  return undefined;
}

const appToken = (c: Ctx): Token | undefined => {
  const t = c.state.live((c.body as { access_token?: string }).access_token);
  return t && t.clientId === c.params.client_id ? t : undefined;
};

const user = (c: Ctx, login: string, extra: Record<string, unknown> = {}) => {
  const u = c.state.user(login);
  return shape('private-user', c.base, { ...simpleUser(login, u.id, c.base), ...extra });
};

export const ROUTES: Record<string, (c: Ctx) => Reply> = {
  'users/get-authenticated': (c) => {
    const t = c.state.live(c.token);
    return t ? { status: 200, body: user(c, t.login), headers: t.type === 'classic' ? { 'x-oauth-scopes': 'repo, admin:org' } : {} } : unauthorized();
  },

  'orgs/list-pat-grants': (c) =>
    owner(c) ??
    c.page(
      c.state.liveFgPats().filter((g) => c.query.owner === undefined || (c.query.owner as string[]).includes(g.token.login)).map((g) =>
        shape('organization-programmatic-access-grant', c.base, {
          id: g.id, owner: simpleUser(g.token.login, c.state.user(g.token.login).id, c.base), repository_selection: 'all', repositories_url: `${c.base}/organizations/${c.state.org}/personal-access-tokens/${g.id}/repositories`,
          permissions: { organization: { members: 'read' }, repository: { contents: 'write' } }, access_granted_at: g.grantedAt, token_id: g.token.id, token_name: g.token.name,
          token_expired: false, token_expires_at: null, token_last_used_at: null,
        }),
      ),
    ),

  'orgs/update-pat-access': (c) => {
    const refused = owner(c);
    if (refused) return refused;
    const g = c.state.liveFgPats().find((x) => x.id === Number(c.params.pat_id));
    if (!g) return error(404, 'Not Found');
    g.orgAccess = false;
    return { status: 204 };
  },

  'orgs/update-pat-accesses': (c) => {
    const refused = owner(c);
    if (refused) return refused;
    const ids = (c.body as { pat_ids: number[] }).pat_ids;
    for (const g of c.state.liveFgPats()) if (ids.includes(g.id)) g.orgAccess = false;
    return { status: 202, body: {} };
  },

  'orgs/list-saml-sso-authorizations': (c) =>
    owner(c) ??
    c.page(
      c.state
        .liveAuthorizations()
        .filter((a) => c.query.login === undefined || a.login === c.query.login)
        .map((a) =>
          shape('credential-authorization', c.base, {
            login: a.login, credential_id: a.credentialId, credential_type: a.type, credential_authorized_at: a.authorizedAt, credential_accessed_at: null,
            authorized_credential_id: a.token?.id ?? a.key?.id ?? null,
            ...(a.token ? { token_last_eight: a.token.value.slice(-8), authorized_credential_note: a.note, scopes: a.type === 'GitHub app token' ? [] : ['repo'] } : {}),
            ...(a.key ? { fingerprint: a.key.fingerprint, authorized_credential_title: a.key.title } : {}),
          }),
        ),
    ),

  'orgs/remove-saml-sso-authorization': (c) => {
    const refused = owner(c);
    if (refused) return refused;
    const a = c.state.liveAuthorizations().find((x) => x.credentialId === Number(c.params.credential_id));
    if (!a) return error(404, 'Not Found');
    a.removed = true;
    return { status: 204 };
  },

  // Unauthenticated, 202: an acknowledgement; the tokens die later (H1).
  'credentials/revoke': (c) => {
    const values = (c.body as { credentials: string[] }).credentials;
    c.later(() => {
      for (const v of values) {
        const t = c.state.tokens.get(v);
        if (t) t.revoked = true;
      }
    });
    return { status: 202, body: {} };
  },

  'apps/check-token': (c) => {
    const refused = app(c);
    if (refused) return refused;
    const t = appToken(c);
    if (!t) return error(404, 'Not Found');
    return {
      status: 200,
      body: shape('authorization', c.base, {
        id: t.id, token: '', hashed_token: null, token_last_eight: t.value.slice(-8), scopes: ['read:user'], note: null, note_url: null, fingerprint: null, expires_at: null,
        app: { client_id: t.clientId, name: 'lab app', url: `${c.base}/apps/lab` }, user: simpleUser(t.login, c.state.user(t.login).id, c.base),
      }),
    };
  },

  'apps/delete-authorization': (c) => {
    const refused = app(c);
    if (refused) return refused;
    const t = appToken(c);
    if (!t) return error(404, 'Not Found');
    c.state.deleteGrant(t.clientId!, t.login);
    return { status: 204 };
  },

  'users/list-public-keys-for-user': (c) => {
    if (!c.state.users.has(c.params.username ?? '')) return error(404, 'Not Found');
    return c.page(c.state.keys.filter((k) => k.login === c.params.username && !k.deleted).map((k) => ({ id: k.id, key: k.key, created_at: '2026-01-01T00:00:00Z' })));
  },

  'repos/list-for-org': (c) =>
    owner(c) ??
    c.page(
      c.state.repos.map((name, i) =>
        shape('minimal-repository', c.base, {
          id: i + 1, node_id: `R_${i + 1}`, name, full_name: `${c.state.org}/${name}`, private: true, fork: false, description: null,
          owner: simpleUser(c.state.org, c.state.user(c.state.org).id, c.base), url: `${c.base}/repos/${c.state.org}/${name}`,
        }),
      ),
    ),

  'repos/list-deploy-keys': (c) => {
    const refused = owner(c);
    if (refused) return refused;
    if (!c.state.repos.includes(c.params.repo ?? '')) return error(404, 'Not Found');
    return c.page(c.state.deployKeys.filter((k) => k.repo === c.params.repo && !k.deleted).map((k) => deployKey(c, k)));
  },

  'repos/get-deploy-key': (c) => {
    const refused = owner(c);
    if (refused) return refused;
    const k = c.state.deployKeys.find((x) => x.repo === c.params.repo && x.id === Number(c.params.key_id) && !x.deleted);
    return k ? { status: 200, body: deployKey(c, k) } : error(404, 'Not Found');
  },

  // GitHub refuses a key that is malformed or already in use anywhere (422).
  'repos/create-deploy-key': (c) => {
    const refused = owner(c);
    if (refused) return refused;
    if (!c.state.repos.includes(c.params.repo ?? '')) return error(404, 'Not Found');
    const b = c.body as { title?: string; key: string; read_only?: boolean };
    if (!/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA[A-Za-z0-9+/=]+(\s|$)/.test(b.key)) return validation('key is invalid. It must begin with \'ssh-ed25519\', \'ssh-rsa\', … Check that you\'re copying the public half of the key');
    if (c.state.deployKeys.some((k) => !k.deleted && k.key === keyOf(b.key)) || c.state.keys.some((k) => !k.deleted && keyOf(k.key) === keyOf(b.key))) return validation('key is already in use');
    const k = c.state.deployKey(c.params.repo!, c.state.live(c.token)!.login, b.read_only ?? false, { publicKey: b.key, ...(b.title !== undefined ? { title: b.title } : {}) });
    return { status: 201, body: deployKey(c, k), headers: { location: `${c.base}/repos/${c.state.org}/${k.repo}/keys/${k.id}` } };
  },

  'orgs/list-app-installations': (c) => owner(c) ?? c.page(c.state.installations.filter((i) => !i.deleted).map((i) => installation(c, i)), 'installations'),

  // Only a GitHub App installed on the enterprise that owns the org may call it (GitHub's description).
  'enterprise-apps/delete-installation': (c) => {
    const t = c.state.live(c.token);
    if (!t) return unauthorized();
    if (t.type !== 'installation' || t.enterprise !== c.state.enterprise) return error(403, 'Resource not accessible by integration');
    if (c.params.enterprise !== c.state.enterprise || c.params.org !== c.state.org) return error(404, 'Not Found');
    const i = c.state.installations.find((x) => x.id === Number(c.params.installation_id) && !x.deleted);
    if (!i) return error(404, 'Not Found');
    i.deleted = true;
    return { status: 204 };
  },

  'repos/delete-deploy-key': (c) => {
    const refused = owner(c);
    if (refused) return refused;
    const k = c.state.deployKeys.find((x) => x.repo === c.params.repo && x.id === Number(c.params.key_id) && !x.deleted);
    if (!k) return error(404, 'Not Found');
    k.deleted = true;
    k.deletedMs = Date.now();
    return { status: 204 };
  },
};

const validation = (message: string): Reply => ({ status: 422, body: { message: 'Validation Failed', documentation_url: DOCS, errors: [{ resource: 'PublicKey', code: 'custom', field: 'key', message }] } });

function deployKey(c: Ctx, k: DeployKey) {
  return {
    id: k.id, key: k.key, url: `${c.base}/repos/${c.state.org}/${k.repo}/keys/${k.id}`, title: k.title, verified: true, created_at: '2026-01-01T00:00:00Z',
    read_only: k.readOnly, added_by: k.addedBy, last_used: k.lastUsed, enabled: true,
  };
}

function installation(c: Ctx, i: Installation) {
  const org = c.state.user(c.state.org);
  return shape('installation', c.base, {
    id: i.id, app_id: i.app.id, app_slug: i.app.slug, client_id: i.app.clientId, target_id: org.id, target_type: 'Organization',
    account: { ...simpleUser(c.state.org, org.id, c.base), type: 'Organization' }, repository_selection: 'all',
    access_tokens_url: `${c.base}/app/installations/${i.id}/access_tokens`, repositories_url: `${c.base}/installation/repositories`,
    html_url: `${c.base.replace(/\/$/, '')}/organizations/${c.state.org}/settings/installations/${i.id}`, permissions: { contents: 'read', metadata: 'read' },
    events: ['push'], single_file_name: null, suspended_by: null, suspended_at: i.suspendedAt,
  });
}
