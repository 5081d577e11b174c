/**
 * The google-workspace connector against the Google lab (lab/google/): a stateful simulator that
 * validates every request and response against Google's own Directory API discovery document.
 * After each case the lab must have recorded no contract violation; one case proves it can.
 * The lab's admin token carries only the manifest's least-privilege scopes, so every case also
 * shows those scopes suffice.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startLabGoogle, type LabGoogle, type LabGoogleOptions } from '../../lab/google/start.ts';
import { resolveSecretRef } from '../../src/config/secret-ref.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { googleSettings, googleWorkspaceConnector } from '../../src/connectors/google-workspace/index.ts';
import { COOKIE_REPLAY } from '../../src/connectors/google-workspace/manifest.ts';
import { systemClock } from '../../src/core/clock.ts';
import { DEFAULT_POLICY, requiredProof } from '../../src/core/policy.ts';
import { gradeProof, whatWouldProve } from '../../src/core/proof.ts';
import type { ArtifactHandle, DiscoveredArtifact } from '../../src/core/model.ts';
import { assertCoded, rejection, runConnectorConformance, toHandle } from '../conformance/connector-conformance.ts';

const NAME = 'google-workspace:lab';
const THIRD_PARTY = '1234567890-thirdparty.apps.googleusercontent.com';

function connectorFor(lab: LabGoogle, o: { rootUrl?: string; token?: string; pageSize?: number; deviceAction?: 'block' | 'admin_account_wipe' } = {}): Connector {
  const env = { GOOGLE_TOKEN: o.token ?? lab.adminToken };
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: (ref) => resolveSecretRef(ref, env) };
  const settings = googleSettings.parse({ rootUrl: o.rootUrl ?? lab.baseUrl, accessTokenRef: 'env:GOOGLE_TOKEN', timeoutMs: 3_000, ...(o.pageSize ? { pageSize: o.pageSize } : {}), ...(o.deviceAction ? { deviceAction: o.deviceAction } : {}) });
  return googleWorkspaceConnector.create(NAME, settings, deps);
}

/** A compromised user: two OAuth clients, an ASP, backup codes, a phone and a web session. */
function compromise(lab: LabGoogle, email: string) {
  const u = lab.state.user(email);
  lab.state.grant(u.id, 'crm.apps.googleusercontent.com', 'CRM', ['https://mail.google.com/']);
  lab.state.grant(u.id, THIRD_PARTY, 'Shady Mail Sorter', ['https://www.googleapis.com/auth/gmail.readonly']);
  const asp = lab.state.asp(u.id, 'thunderbird');
  const codes = lab.state.generateCodes(u.id);
  const device = lab.state.device(email);
  const session = lab.state.signIn(u.id);
  return { user: u, asp, codes, device, session };
}

const one = (list: ArtifactHandle[], pred: (a: ArtifactHandle) => boolean, what: string) => {
  const a = list.find(pred);
  assert.ok(a, `${what} was discovered (found: ${list.map((x) => x.externalId).join(', ')})`);
  return a;
};


const handles = (list: DiscoveredArtifact[]) => list.map((d) => toHandle(d, String(d.attributes?.userId ?? '')));

runConnectorConformance({
  name: NAME,
  async setup() {
    const lab = await startLabGoogle({ deviceSyncDelayMs: 50 });
    const connector = connectorFor(lab);
    const subject = { id: 'alice@lab.test', handle: 'alice@lab.test' };
    return {
      connector, subject,
      async makeArtifacts() {
        compromise(lab, 'alice@lab.test');
        // idp-session is left out of the per-kind cases on purpose: no Google API can observe a
        // session, so verify can never honestly say `dead` after users.signOut (see the signOut case below).
        return handles(await connector.discover(subject)).filter((a) => a.kind !== 'idp-session');
      },
      unreachable: () => connectorFor(lab, { rootUrl: 'http://127.0.0.1:1/' }),
      badCredentials: () => connectorFor(lab, { token: 'ya29.not-a-google-token' }),
      async teardown() {
        const violations = [...lab.violations()];
        await lab.close();
        assert.deepEqual(violations, [], 'the lab saw no request or response outside Google\'s discovery document');
      },
    };
  },
  skips: {
    'a non-revocable artifact is refused with ERR_NOT_REVOCABLE':
      'every artifact the Directory API lists can be revoked; what cannot (access tokens already minted from a deleted grant, Drive for desktop sessions) is never listed, and is residue of the oauth-grant and idp-session kinds',
  },
});

describe('google-workspace connector against the Google lab', () => {
  let lab: LabGoogle;
  let google: Connector;
  let n = 0;
  const fresh = () => `user${++n}@lab.test`;
  const discover = async (email: string) => handles(await google.discover({ id: email, handle: email }));

  before(async () => {
    lab = await startLabGoogle({ signOutDelayMs: 300, deviceSyncDelayMs: 50 } satisfies LabGoogleOptions);
    google = connectorFor(lab);
  });
  afterEach(() => {
    for (const k of Object.keys(lab.faults)) delete lab.faults[k as keyof typeof lab.faults];
    const violations = [...lab.violations()];
    lab.clearViolations();
    assert.deepEqual(violations, [], 'the lab saw no request or response outside Google\'s discovery document');
  });
  after(() => lab.close());

  it('resolves a primary email or a user id, and finds nothing for an unknown subject', async () => {
    const email = fresh();
    const { user } = compromise(lab, email);
    const byEmail = await google.discover({ id: email, handle: email });
    const byId = await google.discover({ id: user.id, handle: 'x' });
    assert.deepEqual(byId.map((a) => a.externalId), byEmail.map((a) => a.externalId));
    assert.deepEqual(byEmail.map((a) => a.kind).sort(), ['app-password', 'app-password', 'device-registration', 'idp-session', 'oauth-grant', 'oauth-grant']);
    assert.deepEqual(await google.discover({ id: 'nobody@lab.test', handle: 'nobody' }), []);
  });

  it("deleting one client's token leaves the user's other clients and other users' tokens of that client", async () => {
    const alice = fresh();
    const bob = fresh();
    compromise(lab, alice);
    compromise(lab, bob);
    const a = await discover(alice);
    const b = await discover(bob);
    const crm = one(a, (x) => x.kind === 'oauth-grant' && x.attributes.clientId === 'crm.apps.googleusercontent.com', "alice's CRM token");
    assert.equal(crm.attributes.displayText, 'CRM');
    assert.equal(crm.attributes.scopes, 'https://mail.google.com/');
    const out = await google.revoke(crm);
    assert.equal(out.status, 'revoked');
    assert.equal((await google.verify(crm)).verdict, 'dead');
    const aliceOther = one(a, (x) => x.kind === 'oauth-grant' && x.attributes.clientId === THIRD_PARTY, "alice's other token");
    const bobCrm = one(b, (x) => x.kind === 'oauth-grant' && x.attributes.clientId === 'crm.apps.googleusercontent.com', "bob's CRM token");
    assert.equal((await google.verify(aliceOther)).verdict, 'live', "alice's other client keeps its token");
    assert.equal((await google.verify(bobCrm)).verdict, 'live', "bob's token of the same client stays");
    assert.equal((await google.revoke(crm)).status, 'already_revoked', 'a second delete is a 404: already revoked');
  });

  it('signOut is only an acknowledgement: sessions die later, app sessions survive, and Sever never reports them proved', async () => {
    const email = fresh();
    const { user, session } = compromise(lab, email);
    const desktop = lab.state.signIn(user.id, 'desktop-app');
    const s = one(await discover(email), (x) => x.kind === 'idp-session', 'the sign-in sessions');
    const before = await google.verify(s);
    assert.equal(before.verdict, 'live');
    assert.deepEqual(before.unavailable?.map((u) => u.path), [COOKIE_REPLAY], 'the cookie replay is named unavailable, with why');

    const out = await google.revoke(s);
    assert.equal(out.status, 'accepted', 'users.signOut is an asynchronous acknowledgement, not a revocation');
    assert.ok(lab.state.sessionWorks(session.cookie), 'right after the acknowledgement the attacker\'s cookie still works');
    assert.equal((await google.verify(s)).verdict, 'live', 'no read can tell: still live');
    await new Promise((r) => setTimeout(r, 350));
    assert.ok(!lab.state.sessionWorks(session.cookie), 'the web session died after the documented delay');
    assert.ok(lab.state.sessionWorks(desktop.cookie), 'Drive for desktop / Gmail app sessions are not signed out (residue)');
    const later = await google.verify(s);
    assert.notEqual(later.verdict, 'dead', 'even after the delay Sever cannot observe it: it does not claim dead');
    assert.deepEqual(later.checks, [], 'an active user\'s record is no evidence either way: no check is made');
    const none = gradeProof([], 'relist', (later.unavailable ?? []).map((u) => ({ ...u, strength: 'replay' as const })));
    assert.equal(none.verdict, 'unproven', 'graded unproven at once (not polled for an hour), naming what would prove it');
    assert.deepEqual(none.wanting?.map((w) => w.path), [COOKIE_REPLAY]);

    // Suspending the user resets the cookies at once; users.get says so: a self-report, so unproven under the default policy.
    user.suspended = true;
    const suspended = await google.verify(s);
    assert.equal(suspended.verdict, 'dead');
    const required = requiredProof(DEFAULT_POLICY, { artifact: { kind: s.kind, connector: NAME, attributes: s.attributes }, subjectType: 'human' }).requires;
    const grade = gradeProof(suspended.checks.map((c) => ({ path: c.path, strength: 'self-report' as const, result: c.result })), required, (suspended.unavailable ?? []).map((u) => ({ ...u, strength: 'replay' as const })));
    assert.equal(grade.verdict, 'unproven');
    assert.match(whatWouldProve(grade), /session-cookie-replay/);
  });

  it("an integration subject finds the client's token for every user, across pages of users.list, and revokes each naming the user", async () => {
    const paged = await startLabGoogle({ pageSize: 2 });
    try {
      const c = connectorFor(paged, { pageSize: 2 });
      const emails = ['u1@lab.test', 'u2@lab.test', 'u3@lab.test', 'u4@lab.test', 'u5@lab.test'];
      for (const e of emails) paged.state.user(e);
      for (const e of ['u1@lab.test', 'u3@lab.test', 'u5@lab.test']) paged.state.grant(paged.state.user(e).id, THIRD_PARTY, 'Shady Mail Sorter');
      paged.state.grant(paged.state.user('u2@lab.test').id, 'crm.apps.googleusercontent.com', 'CRM');
      const found = handles(await c.discover({ id: THIRD_PARTY, handle: 'shady-mail-sorter', type: 'integration' }));
      assert.deepEqual(found.map((a) => a.attributes.actsFor).sort(), ['u1@lab.test', 'u3@lab.test', 'u5@lab.test']);
      assert.ok(found.every((a) => a.kind === 'oauth-grant' && a.attributes.clientId === THIRD_PARTY));
      assert.equal(paged.calls.get('directory.users.list'), 3, 'five users in pages of two: three pages');
      for (const a of found) {
        assert.equal((await c.revoke(a)).status, 'revoked');
        assert.equal((await c.verify(a)).verdict, 'dead', `${a.attributes.actsFor}: dead`);
      }
      assert.ok(paged.state.tokens.get(paged.state.user('u2@lab.test').id)?.has('crm.apps.googleusercontent.com'), "another client's token is untouched");
      assert.deepEqual(handles(await c.discover({ id: THIRD_PARTY, handle: 'x', type: 'integration' })), [], 'nothing of the client is left');
      assert.deepEqual([...paged.violations()], []);
    } finally {
      await paged.close();
    }
  });

  for (const fault of [
    { status: 429 as const, reason: 'rateLimitExceeded' as const, retryAfterSeconds: 7, expectMs: 7_000 },
    { status: 403 as const, reason: 'rateLimitExceeded' as const, retryAfterSeconds: 3, expectMs: 3_000 },
    { status: 403 as const, reason: 'userRateLimitExceeded' as const, expectMs: undefined },
  ]) {
    it(`${fault.status} ${fault.reason} is a retryable coded error with retryAfterMs, and no hidden retry`, async () => {
      const email = fresh();
      const { user } = compromise(lab, email);
      const grant = one(await discover(email), (x) => x.kind === 'oauth-grant', 'a token');
      const before = lab.calls.get('directory.tokens.delete') ?? 0;
      lab.faults.rateLimit = { count: 1, status: fault.status, reason: fault.reason, ...(fault.retryAfterSeconds ? { retryAfterSeconds: fault.retryAfterSeconds } : {}) };
      const e = await rejection(google.revoke(grant));
      assertCoded(e, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
      assert.equal(e.retryAfterMs, fault.expectMs);
      assert.equal(e.details.reason, fault.reason);
      assert.equal(lab.calls.get('directory.tokens.delete'), before + 1, 'exactly one call: googleapis did not retry');
      assert.ok(lab.state.tokens.get(user.id)?.has(String(grant.attributes.clientId)), 'the token is still there: the engine retries');
      assert.equal((await google.revoke(grant)).status, 'revoked', 'the retry the engine makes succeeds');
    });
  }

  it('5xx and network failures are retryable, a missing scope and a bad token are not', async () => {
    const email = fresh();
    compromise(lab, email);
    const before = lab.calls.get('directory.users.get') ?? 0;
    lab.faults.failFirst = { count: 1, status: 503 };
    assertCoded(await rejection(google.discover({ id: email, handle: email })), { code: 'ERR_PROVIDER_UNAVAILABLE', retryable: true });
    assert.equal(lab.calls.get('directory.users.get'), before + 1, 'one call, no hidden retry of a 503');
    const noDeviceScope = connectorFor(lab, { token: lab.state.accessToken(['admin.directory.user.security', 'admin.directory.user.readonly']) });
    const e = await rejection(noDeviceScope.discover({ id: email, handle: email }));
    assertCoded(e, { code: 'ERR_PROVIDER_REJECTED', retryable: false });
    assert.equal(e.details.reason, 'insufficientPermissions');
    assertCoded(await rejection(connectorFor(lab, { token: 'ya29.expired' }).discover({ id: email, handle: email })), { code: 'ERR_PROVIDER_REJECTED', retryable: false });
  });

  it('pages through mobile devices (more than one page) and blocks or account-wipes each, proved by the status read back', async () => {
    const paged = await startLabGoogle({ pageSize: 2, deviceSyncDelayMs: 100 });
    try {
      const email = 'phones@lab.test';
      paged.state.user(email);
      const ids = Array.from({ length: 5 }, (_, i) => paged.state.device(email, `Pixel ${i}`).resourceId);
      paged.state.device('someone-else@lab.test');
      const wipe = connectorFor(paged);
      const devices = handles(await wipe.discover({ id: email, handle: email })).filter((a) => a.kind === 'device-registration');
      assert.deepEqual(devices.map((d) => d.attributes.resourceId).sort(), [...ids].sort(), "all five of the user's devices, none of another user's");
      assert.equal(paged.calls.get('directory.mobiledevices.list'), 3, 'three pages of two');
      const [first, second] = devices as [ArtifactHandle, ArtifactHandle];
      assert.equal((await wipe.revoke(first)).status, 'accepted', 'an account wipe completes when the device syncs');
      assert.equal((await wipe.verify(first)).verdict, 'live', 'ACCOUNT_WIPING is not dead');
      await new Promise((r) => setTimeout(r, 120));
      assert.equal((await wipe.verify(first)).verdict, 'dead');
      const block = connectorFor(paged, { deviceAction: 'block' });
      assert.equal((await block.revoke(second)).status, 'revoked');
      assert.deepEqual((await block.verify(second)).checks[0]?.observed, { status: 'BLOCKED' });
      assert.deepEqual([...paged.violations()], []);
    } finally {
      await paged.close();
    }
  });

  it('backup codes: a used code does not count as invalidation; invalidate kills all, new codes are not the old ones', async () => {
    const email = fresh();
    const { user, codes } = compromise(lab, email);
    const found = await google.discover({ id: email, handle: email });
    const d = found.find((x) => x.attributes?.credentialType === 'backup-codes');
    assert.ok(d?.secret, 'the codes are held as the artifact secret');
    for (const c of codes) assert.ok(!d.label.includes(c) && !JSON.stringify(d.attributes).includes(c), 'no code in the label or attributes');
    const a = toHandle(d, user.id);
    assert.ok(lab.state.useCode(user.id, codes[0]!), 'the attacker uses one code');
    assert.equal((await google.verify(a)).verdict, 'live', 'nine codes are still current');
    assert.equal((await google.revoke(a)).status, 'revoked');
    assert.equal((await google.verify(a)).verdict, 'dead');
    lab.state.generateCodes(user.id);
    assert.equal((await google.verify(a)).verdict, 'dead', 'the user\'s new codes are not the compromised ones');
    assert.equal((await google.revoke(a)).status, 'already_revoked', 'not invalidated again (that would kill the new codes)');
    for (const c of codes) assert.ok(!JSON.stringify(await google.verify(a)).includes(c), 'observations are secret-free');
  });

  it('the contract check can fail: a malformed request, a path Google does not have, a malformed response', async () => {
    const auth = { authorization: `Bearer ${lab.adminToken}` };
    await fetch(`${lab.baseUrl}admin/directory/v1/users?customer=my_customer&maxResults=9999&colour=red`, { headers: auth });
    await fetch(`${lab.baseUrl}admin/directory/v1/users/x@lab.test/sessions`, { headers: auth });
    await fetch(`${lab.baseUrl}admin/directory/v1/customer/my_customer/devices/mobile/nope/action`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ verb: 'wipe' }) });
    lab.check('GET', '/admin/directory/v1/users/x/tokens/c', '', undefined, { status: 200, body: { kind: 'admin#directory#token', clientId: 'c', scopes: 'email', expires: 1 } });
    lab.check('DELETE', '/admin/directory/v1/users/x/tokens/c', '', undefined, { status: 404, body: { error: { code: 404, message: 'gone' } } });
    const seen = lab.violations().flatMap((v) => v.errors).join('\n');
    lab.clearViolations();
    assert.match(seen, /maxResults=9999 is above its maximum 500/);
    assert.match(seen, /query parameter colour is not described/);
    assert.match(seen, /no method of the Directory API discovery document/);
    assert.match(seen, /MobileDeviceAction .*required property 'action'/);
    assert.match(seen, /MobileDeviceAction .*additional properties/);
    assert.match(seen, /Token \/scopes must be array/);
    assert.match(seen, /Token .*additional properties.*expires/);
    assert.match(seen, /error body .*required property 'errors'/);
  });
});
