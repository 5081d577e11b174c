/**
 * carol's Microsoft Entra ID plane in the drill, on the Entra lab (`lab/entra`: Graph v1.0 and the
 * tenant's v2.0 token endpoint; Sever gets its Graph token by client credentials through
 * `@azure/identity` from the lab's HTTPS authority):
 *   the attacker stole a refresh token of her sign-in to a public client (Microsoft Office),
 *   registered a Microsoft Authenticator method after the compromise began (beside her own FIDO2
 *   key from a month ago), and got her consent for a delegated permission grant to an app of
 *   theirs (Mail.ReadWrite, Files.ReadWrite.All). Her UPN is not her email: discovery finds her
 *   there through a `sever.yaml` `identities:` link. bob, the control, holds a refresh token of the
 *   same client.
 *
 * Outside checks: the stolen refresh token presented at the token endpoint (replay), and through
 * `@microsoft/microsoft-graph-client` (an admin's Graph token) her `signInSessionsValidFromDateTime`
 * (Entra's own record, after the attacker's sign-in), her authentication methods and her grants.
 */
import { Client, ResponseType, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import type * as Graph from '@microsoft/microsoft-graph-types';
import { startLabEntra, type LabEntra } from '../entra/start.ts';
import type { Check } from './outside-checks.ts';

/** carol's user principal name in the tenant (her email is carol@lab.test): linked in sever.yaml. */
export const CAROL_ENTRA = 'carol.lee@labcorp.onmicrosoft.com';
const BOB_ENTRA = 'bob@labcorp.onmicrosoft.com';

export interface EntraCompromise {
  userId: string;
  /** The stolen refresh token, of the public client `clientId`; `signedInAt` is its sign-in time. */
  refresh: { value: string; clientId: string; signedInAt: string };
  attackerMethod: { id: string; created: string };
  ownMethod: { id: string; created: string };
  grant: { id: string; app: string; scope: string };
  bob: { userId: string; refresh: string; validFrom: string };
}

export const startEntra = (): Promise<LabEntra> => startLabEntra();

/** sever.yaml for the lab: client credentials of Sever's app, the authority's CA, Graph and the replays over http. */
export function entraConnector(e: LabEntra, secret: (name: string, value: string) => string): Record<string, unknown> {
  return {
    'entra:lab': {
      settings: {
        tenantId: e.tenantId, clientId: e.admin.app.appId, clientSecretRef: secret('entra-sever-secret', e.admin.secret.value),
        graphUrl: e.baseUrl, loginUrl: e.baseUrl, authorityHost: e.authorityUrl, authorityCaRef: secret('entra-authority-ca.pem', e.caPem), instanceDiscovery: false, timeoutMs: 5_000,
      },
      // A method planned `validate` is observed until this deadline (it stays: it is carol's own).
      verify: { pollIntervalMs: 250, deadlineMs: 3_000 },
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

export function seedEntra(e: LabEntra, compromisedAt: number): EntraCompromise {
  const s = e.state;
  const carol = s.user(CAROL_ENTRA);
  const own = s.method(carol.id, 'fido2', Date.now() - 30 * 86_400_000);
  const rt = s.signIn(carol.id, e.publicClientId, compromisedAt + 60_000);
  const attacker = s.method(carol.id, 'microsoftAuthenticator', compromisedAt + 120_000);
  const app = s.app(crypto.randomUUID(), 'Mail Sync (attacker)', 'servicePrincipal');
  // The lab types a grant's clientId as a UUID (its default); a service principal's object id is one.
  const grant = s.grant(carol.id, app.id as ReturnType<typeof crypto.randomUUID>, 'Mail.ReadWrite Files.ReadWrite.All offline_access');
  const bob = s.user(BOB_ENTRA);
  const bobRt = s.signIn(bob.id, e.publicClientId);
  return {
    userId: carol.id,
    refresh: { value: rt.value, clientId: e.publicClientId, signedInAt: iso(rt.authTime) },
    attackerMethod: { id: attacker.id, created: iso(attacker.createdAt!) }, ownMethod: { id: own.id, created: iso(own.createdAt!) },
    grant: { id: grant.id, app: app.displayName, scope: grant.scope },
    bob: { userId: bob.id, refresh: bobRt.value, validFrom: iso(bob.signInSessionsValidFrom) },
  };
}

/** The attacker refreshing at the tenant's token endpoint, as the public client (no secret). */
async function refresh(e: LabEntra, clientId: string, refreshToken: string): Promise<{ status: number; error?: string; codes?: number[] }> {
  const res = await fetch(`${e.baseUrl}/${e.tenantId}/oauth2/v2.0/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken, scope: 'openid offline_access User.Read' }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as { error?: string; error_codes?: number[] };
  return { status: res.status, ...(body.error ? { error: body.error } : {}), ...(body.error_codes ? { codes: body.error_codes } : {}) };
}

/**
 * The Graph SDK with one link of middleware: the admin's token and a plain fetch. The SDK's own
 * AuthenticationHandler adds a token only for https Graph hosts, and the lab's Graph is plain http.
 */
function graph(e: LabEntra): Client {
  const send: Middleware = {
    async execute(c: Context) {
      const url = typeof c.request === 'string' ? c.request : c.request.url;
      const o = c.options ?? {};
      c.response = await fetch(url, { method: o.method ?? 'GET', headers: { ...(o.headers as Record<string, string> | undefined), authorization: `Bearer ${e.admin.accessToken}` } });
    },
    setNext: () => undefined,
  };
  return Client.initWithMiddleware({ baseUrl: e.baseUrl, defaultVersion: 'v1.0', middleware: send });
}

async function list<T>(g: Client, path: string): Promise<T[]> {
  return ((await g.api(path).responseType(ResponseType.JSON).get()) as { value?: T[] }).value ?? [];
}

export async function entraChecks(e: LabEntra, x: EntraCompromise): Promise<Check[]> {
  const g = graph(e);
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const r = await refresh(e, x.refresh.clientId, x.refresh.value);
  add("carol's stolen Entra refresh token at the token endpoint", r.status === 400 && r.error === 'invalid_grant', `HTTP ${r.status} ${r.error ?? ''}${r.codes ? ` AADSTS${r.codes.join(',')}` : ''}`.trim());
  const validFrom = async (id: string) => ((await g.api(`/users/${id}`).select(['signInSessionsValidFromDateTime']).get()) as Graph.User).signInSessionsValidFromDateTime ?? null;
  const carolFrom = await validFrom(x.userId);
  const moved = carolFrom !== null && Date.parse(carolFrom) > Date.parse(x.refresh.signedInAt);
  add("carol's Entra sign-in sessions (signInSessionsValidFromDateTime)", moved,
    `Graph says ${carolFrom}, ${moved ? 'after' : 'NOT after'} the attacker's sign-in at ${x.refresh.signedInAt} (Entra's own record that sessions from before are revoked, a self-report; the refresh replay above is the proof)`);
  const methods = (await list<Graph.AuthenticationMethod>(g, `/users/${x.userId}/authentication/methods`)).map((m) => m.id);
  const attackerGone = !methods.includes(x.attackerMethod.id);
  const ownKept = methods.includes(x.ownMethod.id);
  add("the attacker's Entra authentication method gone, carol's own kept", attackerGone && ownKept,
    `attacker's Microsoft Authenticator (registered ${x.attackerMethod.created}) ${attackerGone ? 'gone' : 'STILL REGISTERED'}; carol's FIDO2 key (registered ${x.ownMethod.created}) ${ownKept ? 'still registered' : 'REMOVED'}`);
  const grants = (await list<Graph.OAuth2PermissionGrant>(g, `/users/${x.userId}/oauth2PermissionGrants`)).map((p) => p.id);
  add(`carol's delegated permission grant to ${x.grant.app}`, !grants.includes(x.grant.id), `${grants.includes(x.grant.id) ? 'STILL LISTED' : 'gone'} from GET /users/{id}/oauth2PermissionGrants (${x.grant.scope})`);
  const b = await refresh(e, x.refresh.clientId, x.bob.refresh);
  const bobFrom = await validFrom(x.bob.userId);
  add("control: bob's Entra refresh token still refreshes", b.status === 200 && bobFrom === x.bob.validFrom, `HTTP ${b.status}; his signInSessionsValidFromDateTime unchanged (${bobFrom})`);
  return checks;
}

export const entraViolations = (e: LabEntra): string[] => e.violations().map((v) => `entra: ${v.at}: ${v.errors.join('; ')}`);
