/**
 * The entra connector against the Entra lab (lab/entra/): a stateful simulator of the Graph v1.0
 * routes Sever uses and the tenant's token endpoint, whose answers are typed with
 * `@microsoft/microsoft-graph-types` and whose request check (method, path, `$select`, body fields)
 * must have recorded no violation after each case; one case proves the check can fail.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startLabEntra, type LabEntra } from '../../lab/entra/start.ts';
import { resolveSecretRef } from '../../src/config/secret-ref.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { entraConnector, entraSettings } from '../../src/connectors/entra/index.ts';
import { REFRESH_REPLAY, VALID_FROM } from '../../src/connectors/entra/manifest.ts';
import { classify, requiredProof } from '../../src/core/classify.ts';
import { systemClock } from '../../src/core/clock.ts';
import { DEFAULT_POLICY } from '../../src/core/default-policy.ts';
import type { ArtifactHandle, DiscoveredArtifact } from '../../src/core/model.ts';
import { gradeProof, type ProofStrength } from '../../src/core/proof.ts';
import { assertCoded, one, rejection, runConnectorConformance, toHandle } from '../conformance/connector-conformance.ts';

const NAME = 'entra:lab';

/**
 * The connector as configured for the lab: client credentials through `@azure/identity` at the lab's
 * HTTPS authority (its self-signed certificate trusted by `authorityCaRef`), or with `token` a bearer
 * `accessTokenRef`. Graph and the replays' token endpoint are the lab's plain-http address.
 */
function connectorFor(lab: LabEntra, o: { url?: string; secret?: string; token?: string } = {}): Connector {
  const env: Record<string, string> = { SEVER_SECRET: o.secret ?? lab.admin.secret.value, LAB_CA: lab.caPem, GRAPH_TOKEN: o.token ?? '' };
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: (ref) => resolveSecretRef(ref, env) };
  const where = { tenantId: lab.tenantId, graphUrl: o.url ?? lab.baseUrl, loginUrl: o.url ?? lab.baseUrl, timeoutMs: 3_000 };
  const settings = entraSettings.parse(o.token !== undefined
    ? { ...where, accessTokenRef: 'env:GRAPH_TOKEN' }
    : { ...where, clientId: lab.admin.app.appId, clientSecretRef: 'env:SEVER_SECRET', authorityHost: o.url ? 'https://127.0.0.1:1' : lab.authorityUrl, authorityCaRef: 'env:LAB_CA', instanceDiscovery: false });
  return entraConnector.create(NAME, settings, deps);
}

/** A compromised user with one of everything: a sign-in (refresh token), a device, methods, a grant, an owned app with a secret and a certificate. */
function compromise(lab: LabEntra, upn: string) {
  const user = lab.state.user(upn);
  const rt = lab.state.signIn(user.id, lab.publicClientId);
  const device = lab.state.device(user.id);
  const fido = lab.state.method(user.id, 'fido2');
  lab.state.method(user.id, 'password');
  const grant = lab.state.grant(user.id);
  const app = lab.state.app(user.id);
  const secret = lab.state.addPassword(app);
  const cert = lab.state.addKey(app);
  return { user, rt, device, fido, grant, app, secret, cert };
}

/** Handles as the engine holds them, with the values a responder gave by `incident amend --value-file`. */
function handles(lab: LabEntra, list: DiscoveredArtifact[], userId: string, withValues = true): ArtifactHandle[] {
  const rt = [...lab.state.refreshTokens.values()].find((t) => t.userId === userId);
  return list.map((d) => {
    const h = toHandle(d, userId);
    if (!withValues) return h;
    if (d.kind === 'idp-session' && rt) return { ...h, secret: rt.value, attributes: { ...h.attributes, clientId: rt.clientId } };
    if (d.kind === 'api-key' && d.attributes?.credentialType === 'password') {
      const p = lab.state.apps.get(String(d.attributes.objectId))?.passwords.find((x) => x.keyId === d.attributes?.keyId);
      return p ? { ...h, secret: p.value } : h;
    }
    return h;
  });
}



/** What an attacker holding the refresh token does: refresh it at the token endpoint as its (public) client. */
async function attackerRefresh(lab: LabEntra, clientId: string, refreshToken: string): Promise<{ status: number; error?: string; refreshToken?: string }> {
  const res = await fetch(`${lab.baseUrl}/${lab.tenantId}/oauth2/v2.0/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken }),
  });
  const b = (await res.json()) as { error?: string; refresh_token?: string };
  return { status: res.status, ...(b.error ? { error: b.error } : {}), ...(b.refresh_token ? { refreshToken: b.refresh_token } : {}) };
}

const strengthOf = (c: Connector, kind: string, path: string): ProofStrength => c.manifest.artifacts.find((x) => x.kind === kind)!.verify.find((v) => v.path === path)!.strength;

async function verifyUntilDead(c: Connector, a: ArtifactHandle, withinMs: number) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const obs = await c.verify(a);
    if (obs.verdict === 'dead' || Date.now() >= deadline) return obs;
    await new Promise((r) => setTimeout(r, 50));
  }
}

runConnectorConformance({
  name: NAME,
  deadWithinMs: 2_000,
  async setup() {
    const lab = await startLabEntra({ revokeDelayMs: 300 });
    const connector = connectorFor(lab);
    const subject = { id: 'alice@lab.onmicrosoft.com', handle: 'alice@lab.onmicrosoft.com' };
    return {
      connector, subject,
      async makeArtifacts() {
        const { user } = compromise(lab, subject.id);
        return handles(lab, await connector.discover(subject), user.id);
      },
      async makeNonRevocable() {
        const { user } = compromise(lab, subject.id);
        return one(handles(lab, await connector.discover(subject), user.id), 'api-key', (a) => a.attributes.credentialType === 'certificate');
      },
      unreachable: () => connectorFor(lab, { url: 'http://127.0.0.1:1' }),
      badCredentials: () => connectorFor(lab, { secret: 'not-the-client-secret' }),
      async teardown() {
        const violations = [...lab.violations()];
        await lab.close();
        assert.deepEqual(violations, [], 'the lab saw no request outside what Graph accepts');
      },
    };
  },
});

describe('entra connector against the Entra lab', () => {
  let lab: LabEntra;
  let entra: Connector;
  let n = 0;
  const fresh = () => `user${++n}@lab.onmicrosoft.com`;
  const discoverAll = async (upn: string, withValues = true) => handles(lab, await entra.discover({ id: upn, handle: upn }), lab.state.userBy(upn)!.id, withValues);

  before(async () => {
    lab = await startLabEntra({ pageSize: 3 });
    entra = connectorFor(lab);
  });
  afterEach(() => {
    delete lab.faults.throttle;
    delete lab.faults.foreignNextLink;
    lab.state.revokeDelayMs = 0;
    const violations = [...lab.violations()];
    lab.clearViolations();
    assert.deepEqual(violations, [], 'the lab saw no request outside what Graph accepts');
  });
  after(() => lab.close());

  it('gets its Graph token by client credentials through @azure/identity (one token request), or takes a bearer accessTokenRef', async () => {
    const upn = fresh();
    compromise(lab, upn);
    const fresh1 = connectorFor(lab);
    const tokens = lab.calls.get('POST /token') ?? 0;
    assert.equal((await fresh1.discover({ id: upn, handle: upn })).length, 6);
    await fresh1.discover({ id: upn, handle: upn });
    assert.equal((lab.calls.get('POST /token') ?? 0) - tokens, 1, 'the credential caches its token');
    assert.deepEqual(await fresh1.discover({ id: upn, handle: upn, type: 'integration' }), [], 'a user id is no service principal: an integration subject by that id holds nothing');
    const byToken = connectorFor(lab, { token: lab.admin.accessToken });
    assert.equal((await byToken.discover({ id: upn, handle: upn })).length, 6);
    assertCoded(await rejection(connectorFor(lab, { token: 'not-a-graph-token' }).discover({ id: upn, handle: upn })), { code: 'ERR_PROVIDER_REJECTED', retryable: false });
    const http = entraSettings.safeParse({ tenantId: lab.tenantId, clientId: 'x', clientSecretRef: 'env:X', loginUrl: lab.baseUrl });
    assert.equal(http.success, false, '@azure/identity refuses an http authority: refused at load');
    assert.match(JSON.stringify(http.error?.issues), /https authority/);
    assert.equal(entraSettings.safeParse({ tenantId: lab.tenantId, accessTokenRef: 'env:T', clientId: 'x', clientSecretRef: 'env:X' }).success, false, 'one way of authenticating, not two');
  });

  it('revokeSignInSessions answers true at once, but a held refresh token keeps refreshing until the delay passes: verify polls to dead by replay', async () => {
    lab.state.revokeDelayMs = 400;
    const alice = fresh();
    const a = compromise(lab, alice);
    const b = compromise(lab, fresh());
    const session = one(await discoverAll(alice), 'idp-session');
    const before = await entra.verify(session);
    assert.equal(before.verdict, 'live');
    assert.deepEqual(before.checks.map((c) => [c.path, c.result]), [[VALID_FROM, 'live']], 'a live token is not replayed while the record says live');

    const out = await entra.revoke(session);
    assert.equal(out.status, 'accepted');
    assert.deepEqual(out.response, { status: 200, body: { value: true } });
    const inWindow = await attackerRefresh(lab, lab.publicClientId, a.rt.value);
    assert.equal(inWindow.status, 200, 'ack is not death: the attacker still refreshes');

    const early = await entra.verify(session);
    assert.equal(early.verdict, 'live');
    assert.deepEqual(early.checks.map((c) => [c.path, c.result]), [[VALID_FROM, 'dead'], [REFRESH_REPLAY, 'live']]);
    const grade = gradeProof(early.checks.map((c) => ({ path: c.path, strength: strengthOf(entra, 'idp-session', c.path), result: c.result })), 'relist');
    assert.equal(grade.verdict, 'live');
    assert.deepEqual(grade.inconsistency?.livePaths, [REFRESH_REPLAY]);

    const later = await verifyUntilDead(entra, session, 3_000);
    assert.equal(later.verdict, 'dead');
    assert.deepEqual(later.checks.map((c) => [c.path, c.result, c.observed.error]), [[VALID_FROM, 'dead', undefined], [REFRESH_REPLAY, 'dead', 'invalid_grant']]);
    assert.equal(gradeProof(later.checks.map((c) => ({ path: c.path, strength: strengthOf(entra, 'idp-session', c.path), result: c.result })), 'replay').strength, 'replay');
    assert.equal((await attackerRefresh(lab, lab.publicClientId, a.rt.value)).error, 'invalid_grant');
    assert.equal((await attackerRefresh(lab, lab.publicClientId, inWindow.refreshToken!)).error, 'invalid_grant', 'the token minted inside the window carries the old sign-in and dies too');
    assert.equal((await attackerRefresh(lab, lab.publicClientId, b.rt.value)).status, 200, "another user's refresh token still works");
    assert.equal((await entra.revoke(session)).status, 'already_revoked');
  });

  it('signInSessionsValidFromDateTime moves forward, and alone it is self-report, never replay-strength proof', async () => {
    const upn = fresh();
    compromise(lab, upn);
    const session = one(await discoverAll(upn, false), 'idp-session');
    const baseline = String(session.attributes.validFromAtDiscovery);
    assert.equal(session.secret, undefined);
    await entra.revoke(session);
    const obs = await entra.verify(session);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => c.path), [VALID_FROM]);
    assert.ok(Date.parse(String(obs.checks[0]!.observed.signInSessionsValidFromDateTime)) > Date.parse(baseline), 'the record moved forward');
    assert.equal(strengthOf(entra, 'idp-session', VALID_FROM), 'self-report');
    assert.deepEqual(obs.unavailable?.map((u) => u.path), [REFRESH_REPLAY]);
    assert.match(obs.unavailable![0]!.why, /--value-file <file> --attribute clientId=/);
    const required = requiredProof(DEFAULT_POLICY, { artifact: { kind: 'idp-session', connector: NAME, attributes: session.attributes }, subjectType: 'human' }).requires;
    for (const need of [required, 'replay'] as const) {
      const grade = gradeProof([{ path: VALID_FROM, strength: 'self-report', result: 'dead' }], need, obs.unavailable!.map((u) => ({ ...u, strength: strengthOf(entra, 'idp-session', u.path) })));
      assert.equal(grade.verdict, 'unproven', `self-report alone does not meet ${need}`);
      assert.deepEqual(grade.wanting?.map((w) => w.path), [REFRESH_REPLAY]);
    }
  });

  it('an authentication method registered after the compromise is discovered with its createdDateTime, and only it is removed at once', async () => {
    const upn = fresh();
    const u = lab.state.user(upn);
    const compromisedAt = Date.now() - 3_600_000;
    const own = lab.state.method(u.id, 'fido2', Date.now() - 30 * 86_400_000);
    const attackers = lab.state.method(u.id, 'microsoftAuthenticator', Date.now() - 600_000);
    lab.state.method(u.id, 'phone');
    lab.state.method(u.id, 'password');
    const methods = (await discoverAll(upn)).filter((a) => a.kind === 'mfa-factor');
    assert.deepEqual(methods.map((m) => m.attributes.methodType).sort(), ['fido2AuthenticationMethod', 'microsoftAuthenticatorAuthenticationMethod', 'phoneAuthenticationMethod'], 'the password is not a factor');
    const found = one(methods, 'mfa-factor', (m) => m.attributes.methodId === attackers.id);
    assert.equal(found.issuedAt, new Date(attackers.createdAt!).toISOString(), 'issuedAt is the registration time');
    const tier = (f: ArtifactHandle) => classify(DEFAULT_POLICY, { artifact: { kind: f.kind, connector: NAME, ...(f.issuedAt ? { issuedAt: f.issuedAt } : {}), attributes: f.attributes }, subjectType: 'human', compromisedAt: new Date(compromisedAt).toISOString() }).ruleId;
    assert.equal(tier(found), 'factors-enrolled-since-compromise');
    assert.equal(tier(one(methods, 'mfa-factor', (m) => m.attributes.methodId === own.id)), 'factors-from-before');
    const phone = one(methods, 'mfa-factor', (m) => m.attributes.methodType === 'phoneAuthenticationMethod');
    assert.equal(phone.issuedAt, undefined, 'Graph gives phone methods no createdDateTime');
    assert.equal(tier(phone), 'factors-enrolled-since-compromise', 'an unknown registration time counts as after the compromise');

    assert.equal((await entra.revoke(found)).status, 'revoked');
    const obs = await entra.verify(found);
    assert.equal(obs.verdict, 'dead');
    assert.equal((await entra.revoke(found)).status, 'already_revoked');
    assert.equal((await entra.verify(one(methods, 'mfa-factor', (m) => m.attributes.methodId === own.id))).verdict, 'live', "the user's own key stays");
  });

  it('disabling a device is read back (accountEnabled false), and a second revoke sends nothing', async () => {
    const upn = fresh();
    const { device } = compromise(lab, upn);
    const d = one(await discoverAll(upn), 'device-registration');
    assert.equal(d.issuedAt, new Date(device.registeredAt).toISOString());
    assert.equal((await entra.revoke(d)).status, 'revoked');
    assert.equal(lab.state.devices.get(device.id)!.accountEnabled, false);
    const obs = await entra.verify(d);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => [c.path, c.observed.accountEnabled]), [['admin-readback:GET /devices/{id}?$select=accountEnabled', false]]);
    const patches = lab.calls.get('PATCH /devices/{id}');
    assert.equal((await entra.revoke(d)).status, 'already_revoked');
    assert.equal(lab.calls.get('PATCH /devices/{id}'), patches, 'not sent again');
    assert.ok(!(await discoverAll(upn)).some((a) => a.kind === 'device-registration'), 'a disabled device is no longer a live artifact');
  });

  it('a client secret is proved dead by using it: the token endpoint answers invalid_client once removed', async () => {
    const upn = fresh();
    const { secret } = compromise(lab, upn);
    const key = one(await discoverAll(upn), 'api-key', (a) => a.attributes.credentialType === 'password');
    assert.ok(!key.label.includes(secret.value));
    const beforeObs = await entra.verify(key);
    assert.deepEqual(beforeObs.checks.map((c) => [c.path, c.result]), [['client-credentials-replay', 'live'], ['admin-relist:GET /{applications|servicePrincipals}/{id}?$select=passwordCredentials', 'live']]);
    assert.equal((await entra.revoke(key)).status, 'revoked');
    const obs = await entra.verify(key);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => [c.result, c.observed.status, c.observed.error]), [['dead', 401, 'invalid_client'], ['dead', undefined, undefined]]);
    assert.ok(!JSON.stringify(obs).includes(secret.value), 'the observation is secret-free');
  });

  it('429 and 503 with Retry-After become retryable coded errors with retryAfterMs, with no hidden SDK retry', async () => {
    const upn = fresh();
    compromise(lab, upn);
    const grant = one(await discoverAll(upn), 'oauth-grant');
    lab.faults.throttle = { count: 5, status: 429, retryAfterSeconds: 7 };
    let calls = lab.totalCalls();
    const e = await rejection(entra.discover({ id: upn, handle: upn }));
    assertCoded(e, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
    assert.equal(e.retryAfterMs, 7_000);
    assert.equal(lab.totalCalls() - calls, 1, 'one request, no retry by the SDK');

    lab.faults.throttle = { count: 5, status: 503, retryAfterSeconds: 2 };
    calls = lab.totalCalls();
    const e2 = await rejection(entra.revoke(grant));
    assertCoded(e2, { code: 'ERR_PROVIDER_UNAVAILABLE', retryable: true });
    assert.equal(e2.retryAfterMs, 2_000);
    assert.equal(lab.totalCalls() - calls, 1);
    assert.equal(lab.state.grants.get(String(grant.attributes.grantId))!.deleted, false, 'nothing was done');
    delete lab.faults.throttle;
    assert.equal((await entra.revoke(grant)).status, 'revoked', 'the retry the engine makes succeeds');
  });

  it("a compromised integration: its service principal's delegated grants for every user (pages too), each naming the user, revoked and re-listed as such", async () => {
    const sp = '5f1e0c2a-0000-4000-8000-5badc0ffee01' as const;
    const users = [fresh(), fresh(), fresh()].map((upn) => lab.state.user(upn));
    for (const u of users) for (let i = 0; i < 2; i++) lab.state.grant(u.id, sp);
    const other = lab.state.user(fresh());
    lab.state.grant(other.id, '5f1e0c2a-0000-4000-8000-0000000c0c0c');
    const found = await entra.discover({ id: sp, handle: 'Shady Sorter', type: 'integration' });
    assert.equal(found.length, 6, 'six grants across pages');
    assert.ok(found.every((a) => a.kind === 'oauth-grant' && a.attributes!.servicePrincipalId === sp));
    assert.deepEqual([...new Set(found.map((a) => a.attributes!.actsFor))].sort(), users.map((u) => u.id).sort());
    const h = toHandle(found[0]!);
    assert.equal((await entra.revoke(h)).status, 'revoked');
    const obs = await entra.verify(h);
    assert.deepEqual(obs.checks.map((c) => [c.path, c.result]), [[obs.checks[0]!.path, 'dead']], 'the re-list on the service principal shows it gone');
    assert.equal((await entra.discover({ id: sp, handle: 'Shady Sorter', type: 'integration' })).length, 5);
    assert.ok(![...lab.state.grants.values()].some((g) => g.clientId === '5f1e0c2a-0000-4000-8000-0000000c0c0c' && g.deleted), "another client's grant is untouched");
  });

  it('follows @odata.nextLink over more than one page, keeping $select, and never off the Graph root', async () => {
    const upn = fresh();
    const u = lab.state.user(upn);
    for (let i = 0; i < 7; i++) lab.state.device(u.id, `DEVICE-${i}`);
    for (let i = 0; i < 5; i++) lab.state.grant(u.id);
    const devicePages = lab.calls.get('GET /users/{id}/registeredDevices') ?? 0;
    const grantPages = lab.calls.get('GET /users/{id}/oauth2PermissionGrants') ?? 0;
    const found = await entra.discover({ id: upn, handle: upn });
    assert.equal(found.filter((a) => a.kind === 'device-registration').length, 7);
    assert.equal(found.filter((a) => a.kind === 'oauth-grant').length, 5);
    assert.equal(new Set(found.map((a) => a.externalId)).size, found.length, 'no item twice across pages');
    assert.equal((lab.calls.get('GET /users/{id}/registeredDevices') ?? 0) - devicePages, 3, '7 devices in pages of 3');
    assert.equal((lab.calls.get('GET /users/{id}/oauth2PermissionGrants') ?? 0) - grantPages, 2, '5 grants in pages of 3');
    assert.ok(found.filter((a) => a.kind === 'device-registration').every((a) => typeof a.attributes?.operatingSystem === 'string'), 'later pages kept the $select');

    lab.faults.foreignNextLink = 'http://127.0.0.1:9';
    assertCoded(await rejection(entra.discover({ id: upn, handle: upn })), { code: 'ERR_PROVIDER_RESPONSE' });
  });

  it("the lab's request check catches a malformed call, an unknown $select, a missing token and an unknown route", async () => {
    const u = lab.state.user(fresh());
    const d = lab.state.device(u.id);
    const auth = { authorization: `Bearer ${lab.admin.accessToken}` };
    assert.equal((await fetch(`${lab.graphRoot}/devices/${d.id}`, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ accountEnabled: 'no', color: 'red' }) })).status, 400);
    assert.equal((await fetch(`${lab.graphRoot}/users/${u.id}?$select=id,signInSessionsValidFrom`, { headers: auth })).status, 400);
    assert.equal((await fetch(`${lab.graphRoot}/users/${u.id}/revokeSignInSessions`, { method: 'POST' })).status, 401);
    assert.equal((await fetch(`${lab.graphRoot}/users/${u.id}/sessions`, { headers: auth })).status, 404);
    const v = [...lab.violations()];
    lab.clearViolations();
    assert.equal(v.length, 4, JSON.stringify(v, null, 1));
    assert.match(v[0]!.errors.join(' '), /accountEnabled must be a boolean/);
    assert.match(v[0]!.errors.join(' '), /color is not a writable property/);
    assert.match(v[1]!.errors.join(' '), /\$select names "signInSessionsValidFrom"/);
    assert.match(v[2]!.errors.join(' '), /no Bearer Authorization header/);
    assert.match(v[3]!.errors.join(' '), /no Graph v1.0 route/);
    assert.equal(d.accountEnabled, true, 'the malformed PATCH changed nothing');
  });
});
