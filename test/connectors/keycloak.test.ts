/**
 * The keycloak connector against the lab IdP (a real oidc-provider with a Keycloak-shaped admin
 * API): the shared conformance suite, then the behaviours that matter for containment.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startLabIdp, type LabIdp, type LabIdpOptions } from '../../lab/idp/start.ts';
import { resolveSecretRef } from '../../src/config/secret-ref.ts';
import { keycloakConnector, keycloakSettings } from '../../src/connectors/keycloak/index.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { systemClock, type Clock } from '../../src/core/clock.ts';
import type { DiscoveredArtifact } from '../../src/core/model.ts';
import { assertCoded, one, rejection, runConnectorConformance, toHandle } from '../conformance/connector-conformance.ts';

const NAME = 'keycloak:lab';

function connectorFor(lab: LabIdp, o: { baseUrl?: string; adminToken?: string; severSecret?: string; clock?: Clock; replay?: boolean } = {}): Connector {
  const env = {
    KC_ADMIN: o.adminToken ?? lab.adminToken,
    SEVER_SECRET: o.severSecret ?? lab.sever.clientSecret,
    APP_SECRET: lab.clients.app!.clientSecret,
    CRM_SECRET: lab.clients.crm!.clientSecret,
  };
  const deps: ConnectorDeps = { clock: o.clock ?? systemClock, fetch: globalThis.fetch, resolveSecret: (ref) => resolveSecretRef(ref, env) };
  const settings = keycloakSettings.parse({
    baseUrl: o.baseUrl ?? lab.baseUrl, realm: lab.realm, adminTokenRef: 'env:KC_ADMIN', clientId: lab.sever.clientId, clientSecretRef: 'env:SEVER_SECRET',
    clientSecrets: o.replay === false ? {} : { app: 'env:APP_SECRET', crm: 'env:CRM_SECRET' }, resourceServerUrl: lab.endpoints.whoami, timeoutMs: 3_000,
  });
  return keycloakConnector.create(NAME, settings, deps);
}

const handles = (list: DiscoveredArtifact[], subjectId: string) => list.map((d) => toHandle(d, subjectId));


/** A direct refresh at the provider, as the owning client: what an attacker holding the token would do. */
async function refreshAtProvider(lab: LabIdp, clientId: string, refreshToken: string): Promise<{ status: number; error?: string }> {
  const c = lab.clients[clientId]!;
  const res = await fetch(lab.endpoints.token, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${c.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  const body = (await res.json()) as { error?: string };
  return { status: res.status, ...(body.error ? { error: body.error } : {}) };
}

const admin = (lab: LabIdp, method: string, path: string) =>
  fetch(`${lab.endpoints.admin}${path}`, { method, headers: { authorization: `Bearer ${lab.adminToken}` } });

runConnectorConformance({
  name: NAME,
  async setup() {
    const lab = await startLabIdp();
    const connector = connectorFor(lab);
    const subject = { id: 'alice', handle: 'alice@lab.test' };
    return {
      connector, subject,
      async makeArtifacts() {
        await lab.login('alice', 'app', { offline: true }); // SSO session, consent, offline session, access token
        await lab.mint({ user: 'alice', clientId: 'crm', session: true, offline: false }); // session-bound refresh + access token
        return handles(await connector.discover(subject), subject.id);
      },
      async makeNonRevocable() {
        await lab.mint({ user: 'alice', clientId: 'crm', accessTokens: 0, refreshTokens: 0, jwtAccessTokens: 1 });
        return one(handles(await connector.discover(subject), subject.id), 'access-token', (a) => !a.revocable);
      },
      unreachable: () => connectorFor(lab, { baseUrl: 'http://127.0.0.1:1' }),
      badCredentials: () => connectorFor(lab, { adminToken: 'not-the-admin-token', severSecret: 'not-the-secret' }),
      teardown: () => lab.close(),
    };
  },
});

describe('keycloak connector against the lab IdP', () => {
  let lab: LabIdp;
  let kc: Connector;
  let n = 0;
  /** A fresh user per test keeps tests independent on one lab. */
  const freshUser = () => lab.user(`user${++n}`).username;
  const discoverAll = async (username: string) => handles(await kc.discover({ id: username, handle: username }), username);

  before(async () => {
    lab = await startLabIdp({ ttl: { jwtAccessToken: 1 } } satisfies LabIdpOptions);
    kc = connectorFor(lab);
  });
  afterEach(() => lab.faults.clear());
  after(() => lab.close());

  it('resolves a username or an email to the user id, and finds nothing for an unknown subject', async () => {
    const u = freshUser();
    await lab.login(u, 'app');
    const id = lab.directory.byUsername(u)!.id;
    for (const subject of [{ id: u, handle: u }, { id: 'unknown', handle: `${u}@lab.test` }, { id, handle: 'x' }]) {
      const found = await kc.discover(subject);
      assert.ok(found.length > 0, `found by ${JSON.stringify(subject)}`);
      assert.ok(found.every((a) => a.attributes?.userId === id));
    }
    assert.deepEqual(await kc.discover({ id: 'nobody', handle: 'nobody@nowhere.test' }), []);
  });

  it('finds sessions, consents, offline sessions and tokens, linked by dependsOn, values only on tokens', async () => {
    const u = freshUser();
    await lab.login(u, 'app', { offline: true });
    await lab.mint({ user: u, clientId: 'crm', session: true, offline: false, jwtAccessTokens: 1 });
    const found = await kc.discover({ id: u, handle: u });
    const kinds = new Set(found.map((a) => a.kind));
    for (const k of ['idp-session', 'oauth-grant', 'offline-token', 'refresh-token', 'access-token']) assert.ok(kinds.has(k as never), `found ${k}`);
    const ids = new Set(found.map((a) => a.externalId));
    for (const a of found) {
      for (const dep of a.dependsOn ?? []) assert.ok(ids.has(dep), `${a.externalId} depends on a discovered ${dep}`);
      const tokenLike = a.kind === 'refresh-token' || a.kind === 'access-token' || a.kind === 'offline-token';
      assert.equal(a.secret !== undefined, tokenLike, `${a.kind}: a value exactly when verification needs one`);
    }
    const jwt = found.find((a) => a.kind === 'access-token' && a.attributes?.format === 'jwt');
    assert.equal(jwt?.revocable, false, 'a JWT access token is not revocable');
    const rt = found.find((a) => a.kind === 'refresh-token')!;
    assert.ok(rt.dependsOn?.some((d) => d.startsWith('session:')) && rt.dependsOn.some((d) => d.startsWith('consent:')), 'a session-bound token depends on its session and consent');
  });

  it('logout leaves the offline token alive (residue); the connector still finds and kills it', async () => {
    const u = freshUser();
    const login = await lab.login(u, 'app', { offline: true });
    assert.equal((await admin(lab, 'POST', `/users/${login.userId}/logout`)).status, 204);
    assert.deepEqual(await lab.silentAuth(login.jar, 'app'), { error: 'login_required' }, 'the SSO session is over');
    const found = await discoverAll(u);
    assert.equal(found.filter((a) => a.kind === 'idp-session').length, 0);
    const offline = one(found, 'offline-token');
    assert.equal((await kc.verify(offline)).verdict, 'live', 'logout did not kill the offline token');
    assert.equal((await refreshAtProvider(lab, 'app', login.refreshToken!)).status, 200, 'the provider still honours it');
    assert.equal((await kc.revoke(offline)).status, 'revoked');
    const obs = await kc.verify(offline);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => c.path), ['admin-relist:offline-sessions', 'rfc7662-introspection', 'refresh-replay']);
    assert.deepEqual(await refreshAtProvider(lab, 'app', login.refreshToken!), { status: 400, error: 'invalid_grant' });
  });

  it('a revoked SSO session: the old browser gets login_required and the RP a back-channel logout', async () => {
    const u = freshUser();
    const login = await lab.login(u, 'app', { offline: false });
    assert.ok((await lab.silentAuth(login.jar, 'app')).code, 'silent auth works while the session lives');
    const session = one(await discoverAll(u), 'idp-session');
    const logouts = lab.backchannelLogouts.length;
    assert.equal((await kc.revoke(session)).status, 'revoked');
    assert.equal((await kc.verify(session)).verdict, 'dead');
    assert.deepEqual(await lab.silentAuth(login.jar, 'app'), { error: 'login_required' });
    assert.equal(lab.backchannelLogouts.length, logouts + 1);
    const me = await fetch(lab.endpoints.userinfo, { headers: { authorization: `Bearer ${login.accessToken}` } });
    assert.equal(me.status, 401, 'the session-bound access token died with the session');
  });

  it('a revoked token is refused by the provider itself: refresh → invalid_grant, userinfo → 401', async () => {
    const u = freshUser();
    const minted = await lab.mint({ user: u, clientId: 'crm', session: true, offline: false });
    const found = await discoverAll(u);
    const rt = one(found, 'refresh-token');
    assert.equal((await kc.revoke(rt)).status, 'revoked');
    assert.deepEqual(await refreshAtProvider(lab, 'crm', minted.grants[0]!.refreshTokens[0]!), { status: 400, error: 'invalid_grant' });

    const u2 = freshUser();
    const login = await lab.login(u2, 'app', { offline: true });
    const at = one(await discoverAll(u2), 'access-token', (a) => a.attributes.format === 'opaque');
    assert.equal((await fetch(lab.endpoints.userinfo, { headers: { authorization: `Bearer ${login.accessToken}` } })).status, 200);
    assert.equal((await kc.revoke(at)).status, 'revoked');
    assert.equal((await fetch(lab.endpoints.userinfo, { headers: { authorization: `Bearer ${login.accessToken}` } })).status, 401);
    assert.equal((await kc.verify(at)).verdict, 'dead');
  });

  it('acknowledged but not applied: the revoke says revoked, verify says live', async () => {
    const u = freshUser();
    await lab.login(u, 'app', { offline: true });
    await lab.mint({ user: u, clientId: 'crm', session: true, offline: false });
    const found = await discoverAll(u);
    // The refresh token first: ending its SSO session would take it along (session-bound tokens).
    for (const a of [one(found, 'refresh-token'), one(found, 'idp-session')]) {
      lab.faults.set({ ackWithoutApply: { count: 1 } });
      assert.equal((await kc.revoke(a)).status, 'revoked', `${a.kind}: acknowledged`);
      assert.equal((await kc.verify(a)).verdict, 'live', `${a.kind}: the acknowledgement was a lie`);
      assert.equal((await kc.revoke(a)).status, 'revoked', `${a.kind}: a second revoke is really sent`);
      assert.equal((await kc.verify(a)).verdict, 'dead');
    }
  });

  it('applied late: live until the provider catches up, then dead', async () => {
    const u = freshUser();
    await lab.login(u, 'app', { offline: true });
    const grant = one(await discoverAll(u), 'oauth-grant');
    lab.faults.set({ applyDelayMs: 150 });
    assert.equal((await kc.revoke(grant)).status, 'revoked');
    assert.equal((await kc.verify(grant)).verdict, 'live');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await kc.verify(grant)).verdict, 'dead');
  });

  it('429 becomes a retryable ERR_PROVIDER_RATE_LIMITED with retryAfterMs; 5xx a retryable ERR_PROVIDER_UNAVAILABLE', async () => {
    const u = freshUser();
    await lab.login(u, 'app');
    const session = one(await discoverAll(u), 'idp-session');
    lab.faults.set({ rateLimit: { every: 1, retryAfterSeconds: 7 } });
    const e = await rejection(kc.revoke(session));
    assertCoded(e, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
    assert.equal(e.retryAfterMs, 7_000);
    assertCoded(await rejection(kc.discover({ id: u, handle: u })), { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });

    lab.faults.set({ rateLimit: { limit: 2, windowMs: 10_000 } });
    await kc.verify(session);
    const windowed = await rejection(kc.revoke(session));
    assertCoded(windowed, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
    assert.ok(windowed.retryAfterMs! > 0 && windowed.retryAfterMs! <= 10_000, `Retry-After within the window: ${windowed.retryAfterMs}`);

    lab.faults.set({ failFirst: { count: 1, status: 502 } });
    assertCoded(await rejection(kc.revoke(session)), { code: 'ERR_PROVIDER_UNAVAILABLE', retryable: true });
    assert.equal((await kc.revoke(session)).status, 'revoked', 'the retry succeeds');
  });

  it('a JWT access token cannot be revoked and verifies expired only once past exp and refused', async () => {
    const u = freshUser();
    // 3 s: long enough to be discovered live on a loaded machine (1 s was not, in CI), short enough to wait out.
    const minted = await lab.mint({ user: u, clientId: 'app', accessTokens: 0, refreshTokens: 0, jwtAccessTokens: 1, ttl: { jwtAccessToken: 3 } });
    const jwt = one(await discoverAll(u), 'access-token', (a) => a.attributes.format === 'jwt');
    assert.equal(jwt.revocable, false);
    assertCoded(await rejection(kc.revoke(jwt)), { code: 'ERR_NOT_REVOCABLE', retryable: false });
    const before = await kc.verify(jwt);
    assert.equal(before.verdict, 'live');
    assert.deepEqual(before.checks.map((c) => [c.path, c.observed.status]), [['resource-server', 200]]);

    const exp = JSON.parse(Buffer.from(minted.grants[0]!.jwtAccessTokens[0]!.split('.')[1]!, 'base64url').toString()).exp as number;
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 20));
    const late = connectorFor(lab, { clock: { now: () => Date.now() - 60_000 } });
    assert.equal((await late.verify(jwt)).verdict, 'live', 'refused but, by our clock, not yet past exp: not proved expired');
    const after = await kc.verify(jwt);
    assert.equal(after.verdict, 'expired');
    assert.equal(after.checks[0]!.observed.status, 401);
    assert.equal(after.checks[0]!.observed.pastExp, true);
  });

  it('never replays a refresh token that still introspects active', async () => {
    const u = freshUser();
    await lab.mint({ user: u, clientId: 'crm', session: true, offline: false });
    const rt = one(await discoverAll(u), 'refresh-token');
    const tokenCalls = lab.faults.calls.token;
    const obs = await kc.verify(rt);
    assert.equal(obs.verdict, 'live');
    assert.deepEqual(obs.checks.map((c) => c.path), ['rfc7662-introspection']);
    assert.equal(lab.faults.calls.token, tokenCalls, 'no call to the token endpoint');
  });

  it('without the owning client\'s secret, a refresh token is verified by introspection alone', async () => {
    const u = freshUser();
    await lab.mint({ user: u, clientId: 'crm', session: true, offline: false });
    const noReplay = connectorFor(lab, { replay: false });
    const rt = one(handles(await noReplay.discover({ id: u, handle: u }), u), 'refresh-token');
    await noReplay.revoke(rt);
    const obs = await noReplay.verify(rt);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => c.path), ['rfc7662-introspection']);
  });

  it('discovers about a thousand artifacts of one user in one pass', async () => {
    const u = freshUser();
    await lab.mint({ user: u, clientId: 'app', grants: 250, accessTokens: 1, refreshTokens: 2, jwtAccessTokens: 1, ttl: { jwtAccessToken: 30 } });
    const t0 = Date.now();
    const found = await kc.discover({ id: u, handle: u });
    const ms = Date.now() - t0;
    const count = (k: string) => found.filter((a) => a.kind === k).length;
    assert.equal(count('offline-token'), 250);
    assert.equal(count('refresh-token'), 250);
    assert.equal(count('access-token'), 500);
    assert.equal(count('oauth-grant'), 1);
    assert.ok(ms < 3_000, `discovery took ${ms} ms`);
  });
});
