/**
 * The github connector against the lab GitHub simulator (lab/github/), which checks every request
 * it receives and every response it sends against GitHub's own REST description
 * (`@octokit/openapi`, GHEC). Every test ends by asserting the simulator saw no contract mismatch.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startGithubLab, type GithubLab, type GithubLabOptions } from '../../lab/github/start.ts';
import { startDeployKeyWorkload } from '../../lab/github/workload.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { githubModule, githubSettings } from '../../src/connectors/github/index.ts';
import { AMEND_HINT, APP_TOKEN_CHECK, DEPLOY_KEY_LAST_USED, DEPLOY_KEY_RELIST, INSTALLATION_FALLBACK, INSTALLATION_RELIST, ORG_RELIST, ROTATE_DEPLOY_KEY, TOKEN_REPLAY } from '../../src/connectors/github/manifest.ts';
import { generateEd25519 } from '../../src/connectors/github/ssh-key.ts';
import { systemClock } from '../../src/core/clock.ts';
import { SeverError } from '../../src/core/errors.ts';
import type { ArtifactHandle } from '../../src/core/model.ts';
import { gradeProof } from '../../src/core/proof.ts';
import { assertCoded, one, rejection, runConnectorConformance, toHandle } from '../conformance/connector-conformance.ts';

const NAME = 'github:lab';
const ALICE = { id: 'alice', handle: 'alice' };

interface ConnectorOptions {
  baseUrl?: string;
  token?: string;
  app?: { clientId: string; clientSecret: string };
  repos?: string[];
  /** settings.enterprise with this token (an enterprise GitHub App's installation token). */
  enterpriseToken?: string;
  rotation?: Array<{ repo: string; title?: string; deliverTo: string }>;
  name?: string;
}

function connectorFor(lab: GithubLab, o: ConnectorOptions = {}): Connector {
  const deps: ConnectorDeps = {
    clock: systemClock, fetch: globalThis.fetch,
    resolveSecret: async (ref) => {
      if (ref === 'env:GH_TOKEN') return o.token ?? lab.adminToken;
      if (ref === 'env:APP_SECRET' && o.app) return o.app.clientSecret;
      if (ref === 'env:ENTERPRISE_APP_TOKEN' && o.enterpriseToken) return o.enterpriseToken;
      throw new SeverError('ERR_SECRET_UNRESOLVED', `${ref} is not set`);
    },
  };
  return githubModule.create(o.name ?? NAME, githubSettings.parse({
    baseUrl: o.baseUrl ?? lab.baseUrl, org: lab.org, tokenRef: 'env:GH_TOKEN', timeoutMs: 3_000,
    ...(o.app ? { oauthApps: [{ clientId: o.app.clientId, clientSecretRef: 'env:APP_SECRET' }] } : {}), ...(o.repos ? { repos: o.repos } : {}),
    ...(o.enterpriseToken ? { enterprise: { slug: lab.state.enterprise, appTokenRef: 'env:ENTERPRISE_APP_TOKEN' } } : {}),
    ...(o.rotation ? { rotation: { deployKeys: o.rotation } } : {}),
  }), deps);
}

/** A token given by hand (`incident add-artifact --value-file`). */
const leaked = (value: string, id: string): ArtifactHandle => ({ kind: 'api-key', externalId: `leaked:${id}`, label: 'leaked token', attributes: { source: 'leaked' }, revocable: true, secret: value });
const grantOf = (value: string, clientId: string): ArtifactHandle => ({ kind: 'oauth-grant', externalId: `oauth-grant:${clientId}:alice`, label: 'grant', attributes: { clientId }, revocable: true, secret: value });

const userStatus = async (lab: GithubLab, token: string) => {
  const r = await fetch(`${lab.baseUrl}/user`, { headers: { authorization: `token ${token}` } });
  await r.arrayBuffer();
  return r.status;
};


runConnectorConformance({
  name: NAME,
  async setup() {
    const lab = await startGithubLab({ revokeDelayMs: 200 });
    const app = lab.state.newApp();
    const connector = connectorFor(lab, { app });
    return {
      connector,
      subject: ALICE,
      async makeArtifacts() {
        const s = lab.state;
        // The leaked token comes first: the per-kind tests take the first api-key, and this one goes through the asynchronous POST /credentials/revoke.
        const hand = [leaked(s.token('alice', 'classic').value, 'classic'), grantOf(s.token('alice', 'oauth', { clientId: app.clientId }).value, app.clientId)];
        s.fineGrainedPat('alice', 'laptop');
        s.authorize('alice', { key: s.sshKey('alice') });
        s.authorize('alice', { token: s.token('alice', 'classic', { name: 'ci' }) });
        s.deployKey('api', 'alice');
        s.deployKey('api', 'bob');
        return [...hand, ...(await connector.discover(ALICE)).map((d) => toHandle(d, 'alice'))];
      },
      unreachable: () => connectorFor(lab, { baseUrl: 'http://127.0.0.1:1', app }),
      badCredentials: () => connectorFor(lab, { token: 'ghp_wrong', app }),
      async teardown() {
        const v = lab.violations();
        await lab.close();
        assert.deepEqual(v, [], 'the simulator saw no request or response outside GitHub\'s description');
      },
    };
  },
  deadWithinMs: 3_000,
  skips: {
    'a non-revocable artifact is refused with ERR_NOT_REVOCABLE':
      'every artifact of a login has a selective revoke path (a PAT classic, which org owners cannot revoke, is cut off through its SSO authorization or its value; the residue says what survives); the one non-revocable kind, a GitHub App installation without settings.enterprise, runs this test in the integration conformance run below',
  },
});

describe('github against the GitHub simulator', () => {
  let lab: GithubLab | undefined;
  const start = async (o: GithubLabOptions = {}) => (lab = await startGithubLab(o));
  afterEach(async () => {
    const v = lab?.violations() ?? [];
    await lab?.close();
    lab = undefined;
    assert.deepEqual(v, [], 'no contract mismatch');
  });

  it('a revoked PAT is refused on GET /user (replay dead) while another user\'s still works; an org cut-off alone leaves the token working', async () => {
    const l = await start({ revokeDelayMs: 50 });
    const c = connectorFor(l);
    const held = l.state.fineGrainedPat('alice', 'laptop');
    const orgOnly = l.state.fineGrainedPat('alice', 'desktop');
    const bob = l.state.fineGrainedPat('bob', 'bob');
    const found = (await c.discover(ALICE)).map((d) => toHandle(d, 'alice'));
    assert.deepEqual(found.map((a) => a.attributes.tokenName).sort(), ['desktop', 'laptop'], 'only alice\'s PATs');
    const laptop = { ...found.find((a) => a.attributes.tokenName === 'laptop')!, secret: held.token.value }; // as after `incident amend --value-file`
    assert.equal((await c.verify(laptop)).verdict, 'live');
    const out = await c.revoke(laptop);
    assert.equal(out.status, 'revoked');
    assert.deepEqual(out.response.body, { replayBefore: 200, credentialsRevoke: 202, fgPatRevoke: 204 });
    assert.ok(!JSON.stringify(out).includes(held.token.value), 'the outcome is secret-free');
    let v = await c.verify(laptop);
    for (let i = 0; v.verdict !== 'dead' && i < 40; i++) {
      await new Promise((r) => setTimeout(r, 25));
      v = await c.verify(laptop);
    }
    assert.deepEqual(v.checks.map((x) => [x.path, x.result, x.observed.status ?? x.observed.present]), [[TOKEN_REPLAY, 'dead', 401], [ORG_RELIST, 'dead', false]]);
    assert.equal(await userStatus(l, held.token.value), 401, 'the attacker\'s copy is refused');
    assert.equal(await userStatus(l, bob.token.value), 200, 'bob\'s PAT still works');
    assert.equal((await c.revoke(laptop)).status, 'already_revoked');

    // Without the value: the org cut-off is all Sever can do, and the token still answers GET /user (H5).
    const desktop = found.find((a) => a.attributes.tokenName === 'desktop')!;
    assert.equal((await c.revoke(desktop)).status, 'revoked');
    const relisted = await c.verify(desktop);
    assert.equal(relisted.verdict, 'dead');
    assert.equal(await userStatus(l, orgOnly.token.value), 200, 'an org revoke does not kill the token itself');
    const amended = await c.verify({ ...desktop, secret: orgOnly.token.value });
    assert.equal(amended.verdict, 'live', 'once the value is given, the replay shows the token alive: the relist alone was not proof');
    assert.equal((await c.revoke({ ...desktop, secret: orgOnly.token.value })).status, 'accepted', 'the held value now goes to POST /credentials/revoke');
    l.flush();
    assert.equal((await c.verify({ ...desktop, secret: orgOnly.token.value })).verdict, 'dead');
  });

  it('POST /credentials/revoke answers 202, an acknowledgement only: verify says live until the simulator applies it, then dead', async () => {
    const l = await start({ revokeDelayMs: 60_000 });
    const c = connectorFor(l);
    const a = leaked(l.state.token('alice', 'classic').value, 'x');
    const out = await c.revoke(a);
    assert.equal(out.status, 'accepted');
    assert.equal((out.response.body as Record<string, number>).credentialsRevoke, 202);
    assert.equal(l.pending(), 1);
    const before = await c.verify(a);
    assert.equal(before.verdict, 'live', 'the 202 proved nothing');
    assert.deepEqual(before.checks.map((x) => [x.path, x.result, x.observed.status]), [[TOKEN_REPLAY, 'live', 200]]);
    l.flush();
    const after = await c.verify(a);
    assert.equal(after.verdict, 'dead');
    assert.deepEqual(gradeProof(after.checks.map((x) => ({ path: x.path, strength: 'replay', result: x.result })), 'replay').verdict, 'dead');
    assert.equal((await c.revoke(a)).status, 'already_revoked', 'a refused token is not sent again');
    assert.equal(l.log.filter((x) => x.path === '/credentials/revoke').length, 1);
  });

  it('rate limit exhaustion is a retryable coded error with retryAfterMs from the headers (x-ratelimit-reset, retry-after; /credentials/revoke has its own budget)', async () => {
    const l = await start();
    const c = connectorFor(l);
    l.exhaust({ status: 403, resetInSec: 120 });
    const e1 = await rejection(c.discover(ALICE));
    assertCoded(e1, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
    assert.ok(e1.retryAfterMs !== undefined && e1.retryAfterMs > 115_000 && e1.retryAfterMs <= 121_000, `retryAfterMs from x-ratelimit-reset: ${e1.retryAfterMs}`);
    l.exhaust({ status: 429, resetInSec: 3_000, retryAfterSec: 30 });
    const e2 = await rejection(c.discover(ALICE));
    assertCoded(e2, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
    assert.equal(e2.retryAfterMs, 30_000, 'retry-after wins');
    const c2 = connectorFor(l, { token: l.state.token('sever-bot', 'classic').value }); // another owner token: its own core budget
    l.exhaust({ credentialsRevoke: true, status: 403, resetInSec: 3_600 });
    const e3 = await rejection(c2.revoke(leaked(l.state.token('alice', 'classic').value, 'y')));
    assertCoded(e3, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
    assert.equal(e3.details.resource, 'credentials_revoke');
    assert.ok(!e3.message.includes('ghp_') && !JSON.stringify(e3.details).includes('ghp_'), 'no token in the error');
    assert.deepEqual(await c2.discover(ALICE), [], 'the core budget of this token is untouched');
  });

  it('a 5xx is a retryable ERR_PROVIDER_UNAVAILABLE; a 403 that is not a rate limit (not an org owner) is a non-retryable rejection', async () => {
    const l = await start();
    const c = connectorFor(l);
    l.fail(503);
    assertCoded(await rejection(c.discover(ALICE)), { code: 'ERR_PROVIDER_UNAVAILABLE', retryable: true });
    l.fail(500);
    assertCoded(await rejection(c.discover(ALICE)), { code: 'ERR_PROVIDER_UNAVAILABLE', retryable: true });
    const notOwner = connectorFor(l, { token: l.state.token('mallory', 'classic').value });
    const e = await rejection(notOwner.discover(ALICE));
    assertCoded(e, { code: 'ERR_PROVIDER_REJECTED', retryable: false });
    assert.equal(e.details.status, 403);
  });

  it('pagination walks every page: 230 deploy keys and 105 SSO-authorized SSH keys, then a deploy key is removed and proved gone by relist', async () => {
    const l = await start();
    const c = connectorFor(l);
    for (let i = 0; i < 230; i++) l.state.deployKey('api', 'alice');
    for (let i = 0; i < 40; i++) l.state.deployKey('api', 'bob');
    for (let i = 0; i < 105; i++) l.state.authorize('alice', { key: l.state.sshKey('alice') });
    const found = await c.discover(ALICE);
    assert.equal(found.filter((a) => a.attributes?.source === 'deploy-key').length, 230);
    assert.equal(found.filter((a) => a.attributes?.source === 'sso-authorization').length, 105);
    assert.equal(l.log.filter((x) => x.path === '/repos/acme/api/keys').length, 3, '270 keys at 100 a page');
    assert.equal(l.log.filter((x) => x.path === '/orgs/acme/credential-authorizations').length, 2);
    const key = toHandle(found.find((a) => a.attributes?.source === 'deploy-key')!);
    assert.equal((await c.revoke(key)).status, 'revoked');
    const v = await c.verify(key);
    assert.deepEqual(v.checks.map((x) => [x.path, x.result]), [[DEPLOY_KEY_RELIST, 'dead']]);
    assert.equal((await c.revoke(key)).status, 'already_revoked');
  });

  it('the contract check can fail: a malformed request, an undocumented endpoint and a response off its schema are all recorded', async () => {
    const l = await start();
    const h = { authorization: `token ${l.adminToken}`, 'content-type': 'application/json; charset=utf-8' }; // what Octokit sends
    const bad = await fetch(`${l.baseUrl}/orgs/acme/personal-access-tokens/1`, { method: 'POST', headers: h, body: JSON.stringify({ action: 'delete' }) });
    assert.equal(bad.status, 422);
    const none = await fetch(`${l.baseUrl}/orgs/acme/credential-authorizations/1`, { headers: h }); // only DELETE is documented
    assert.equal(none.status, 404);
    const k = l.state.deployKey('api', 'alice');
    (k as { title: unknown }).title = 42;
    await fetch(`${l.baseUrl}/repos/acme/api/keys/${k.id}`, { headers: h });
    const v = l.violations();
    assert.equal(v.length, 3, v.join('\n'));
    assert.match(v[0]!, /orgs\/update-pat-access.*\/requestBody\/action.*must be equal to one of the allowed values/);
    assert.match(v[1]!, /GET \/orgs\/acme\/credential-authorizations\/1: no such operation/);
    assert.match(v[2]!, /response 200 of GET \/repos\/acme\/api\/keys\/\d+.*title.*must be string/);
    await l.close();
    lab = undefined;
  });

  it('without the token value the observation names the unavailable replay and how to give it', async () => {
    const l = await start();
    const c = connectorFor(l);
    l.state.fineGrainedPat('alice', 'laptop');
    const [pat] = (await c.discover(ALICE)).map((d) => toHandle(d, 'alice'));
    assert.ok(pat && pat.secret === undefined);
    await c.revoke(pat);
    const v = await c.verify(pat);
    assert.equal(v.verdict, 'dead');
    assert.deepEqual(v.unavailable, [{ path: TOKEN_REPLAY, why: AMEND_HINT }]);
    assert.match(AMEND_HINT, /incident amend <incident> --artifact <artifactId> --value-file <file>/);
    const grade = gradeProof(v.checks.map((x) => ({ path: x.path, strength: 'relist', result: x.result })), 'replay', [{ path: TOKEN_REPLAY, strength: 'replay', why: AMEND_HINT }]);
    assert.equal(grade.verdict, 'unproven', 'an org relist alone does not prove an api-key dead under the default policy');
  });

  it('an OAuth grant: deleting it kills every token of the grant (replay 401, the app\'s check 404); another app\'s grant lives', async () => {
    const l = await start();
    const app = l.state.newApp();
    const other = l.state.newApp();
    const c = connectorFor(l, { app });
    const t1 = l.state.token('alice', 'oauth', { clientId: app.clientId }).value;
    const t2 = l.state.token('alice', 'oauth', { clientId: app.clientId }).value;
    const t3 = l.state.token('alice', 'oauth', { clientId: other.clientId }).value;
    const g = grantOf(t1, app.clientId);
    assert.equal((await c.verify(g)).verdict, 'live');
    assert.equal((await c.revoke(g)).status, 'revoked');
    const v = await c.verify(g);
    assert.deepEqual(v.checks.map((x) => [x.path, x.result, x.observed.status]), [[TOKEN_REPLAY, 'dead', 401], [APP_TOKEN_CHECK, 'dead', 404]]);
    assert.equal(await userStatus(l, t2), 401, 'the grant\'s other token died with it');
    assert.equal(await userStatus(l, t3), 200, 'another app\'s grant is untouched');
    assert.equal((await c.revoke(g)).status, 'already_revoked');
    assertCoded(await rejection(c.revoke(grantOf(t3, other.clientId))), { code: 'ERR_CONNECTOR_CONFIG', retryable: false });
  });
});

/** A lab per test, closed after it; the test fails on any contract mismatch the simulator saw. */
function labPerTest(): (o?: GithubLabOptions) => Promise<GithubLab> {
  let lab: GithubLab | undefined;
  afterEach(async () => {
    const v = lab?.violations() ?? [];
    await lab?.close();
    lab = undefined;
    assert.deepEqual(v, [], 'no contract mismatch');
  });
  return async (o = {}) => (lab = await startGithubLab(o));
}

const INTEGRATION_NAME = 'github:lab-integration';
const DEPLOYBOT = { id: 'deploybot', handle: 'Deploybot', type: 'integration' as const };

// The same suite with a compromised integration as the subject: a GitHub App installed on the org,
// whose user tokens two members authorized for SSO, beside another app's token.
runConnectorConformance({
  name: INTEGRATION_NAME,
  async setup() {
    const lab = await startGithubLab({ revokeDelayMs: 200 });
    const enterpriseToken = lab.state.enterpriseAppToken().value;
    const connector = connectorFor(lab, { enterpriseToken, name: INTEGRATION_NAME });
    return {
      connector,
      subject: DEPLOYBOT,
      async makeArtifacts() {
        const s = lab.state;
        const { app } = s.installApp('deploybot', 'Deploybot');
        for (const login of ['alice', 'bob']) s.authorize(login, { token: s.token(login, 'app-user', { clientId: app.clientId }) });
        const other = s.installApp('otherbot', 'Otherbot');
        s.authorize('alice', { token: s.token('alice', 'app-user', { clientId: other.app.clientId }) });
        return (await connector.discover(DEPLOYBOT)).map((d) => toHandle(d));
      },
      async makeNonRevocable() {
        lab.state.installApp('stuckbot');
        // Found by an instance without settings.enterprise: an org owner's credential cannot uninstall it.
        const found = await connectorFor(lab, { name: INTEGRATION_NAME }).discover({ id: 'stuckbot', handle: 'stuckbot', type: 'integration' });
        return toHandle(one(found, 'oauth-grant'));
      },
      unreachable: () => connectorFor(lab, { baseUrl: 'http://127.0.0.1:1', enterpriseToken, name: INTEGRATION_NAME }),
      badCredentials: () => connectorFor(lab, { token: 'ghp_wrong', enterpriseToken: 'ghs_wrong', name: INTEGRATION_NAME }),
      async teardown() {
        const v = lab.violations();
        await lab.close();
        assert.deepEqual(v, [], 'the simulator saw no request or response outside GitHub\'s description');
      },
    };
  },
  deadWithinMs: 3_000,
});

describe('github: a compromised integration as the subject', () => {
  const start = labPerTest();

  it('a GitHub App: its installation and the SSO-authorized tokens of 130 members over two pages, each acting for its member; other apps\' and PAT tokens untouched', async () => {
    const l = await start({ revokeDelayMs: 20 });
    const s = l.state;
    const c = connectorFor(l);
    const { app, installation } = s.installApp('deploybot', 'Deploybot');
    const other = s.installApp('otherbot', 'Otherbot');
    const otherOAuth = s.newApp('Other CI');
    const members = Array.from({ length: 130 }, (_, i) => `member${String(i).padStart(3, '0')}`);
    const tokens = new Map<string, string>();
    for (const m of members) {
      const t = s.token(m, 'app-user', { clientId: app.clientId });
      tokens.set(m, t.value);
      s.authorize(m, { token: t });
    }
    const untouched = [
      s.authorize('alice', { token: s.token('alice', 'app-user', { clientId: other.app.clientId }) }),
      s.authorize('bob', { token: s.token('bob', 'oauth', { clientId: otherOAuth.clientId }) }),
      s.authorize('carol', { token: s.token('carol', 'classic', { name: 'Deploybot' }) }), // a PAT whose note names the app: not an app token
    ];

    const found = await c.discover(DEPLOYBOT);
    const keys = found.filter((a) => a.kind === 'api-key');
    assert.equal(keys.length, 130);
    assert.deepEqual(keys.map((k) => k.attributes!.actsFor).sort(), members, 'one per member, each acting for its member');
    assert.ok(keys.every((k) => k.attributes!.integration === 'deploybot' && k.attributes!.credentialType === 'GitHub app token' && k.attributes!.matchedBy === 'authorized_credential_note'));
    assert.ok(!keys.some((k) => untouched.some((u) => k.externalId === `sso-credential:${u.credentialId}`)), 'no other app\'s token, no PAT');
    assert.equal(l.log.filter((x) => x.path === '/orgs/acme/credential-authorizations').length, 2, '133 authorizations at 100 a page: both pages read');
    const inst = toHandle(one(found, 'oauth-grant'));
    assert.deepEqual([inst.externalId, inst.revocable, inst.attributes.actsFor, inst.attributes.appId], [`installation:${installation.id}`, false, 'org:acme', app.id]);
    const byAppId = await c.discover({ id: String(app.id), handle: `app ${app.id}`, type: 'integration' });
    assert.deepEqual(byAppId.map((a) => a.externalId), found.map((a) => a.externalId), 'the app id finds the same artifacts (the installation gives its slug)');
    assert.deepEqual(await c.discover({ id: 'nobot', handle: 'Nobot', type: 'integration' }), [], 'an app that is not installed and named on no token: nothing');

    for (const k of keys) assert.equal((await c.revoke(toHandle(k))).status, 'revoked');
    for (const k of keys.slice(0, 3)) {
      const v = await c.verify(toHandle(k));
      assert.deepEqual([v.verdict, v.checks.map((x) => [x.path, x.result])], ['dead', [[ORG_RELIST, 'dead']]]);
      assert.deepEqual(v.unavailable, [{ path: TOKEN_REPLAY, why: AMEND_HINT }], 'the replay that would prove it is named');
    }
    const live = new Set(s.liveAuthorizations().map((a) => a.credentialId));
    assert.ok(untouched.every((u) => live.has(u.credentialId)), 'the other apps\' and the PAT\'s authorizations are untouched');
    assert.deepEqual((await c.discover(DEPLOYBOT)).map((a) => a.kind), ['oauth-grant'], 'only the installation is left');

    // Removing the SSO authorization only cut the org off: the token still works (residue); given its value, Sever kills it.
    const held = { ...toHandle(keys[0]!), secret: tokens.get(String(keys[0]!.attributes!.actsFor))! };
    assert.equal(await userStatus(l, held.secret), 200);
    assert.equal((await c.verify(held)).verdict, 'live', 'the replay finds it working: the relist alone was not proof');
    assert.equal((await c.revoke(held)).status, 'accepted');
    l.flush();
    assert.deepEqual((await c.verify(held)).checks.map((x) => [x.path, x.result]), [[TOKEN_REPLAY, 'dead'], [ORG_RELIST, 'dead']]);

    // No REST path takes an org owner's credential to remove the installation: refused, naming the fallback.
    const e = await rejection(c.revoke(inst));
    assertCoded(e, { code: 'ERR_NOT_REVOCABLE', retryable: false });
    assert.ok(e.message.includes(INSTALLATION_FALLBACK), e.message);
    assert.equal((await c.verify(inst)).verdict, 'live');
    installation.suspendedAt = '2026-02-01T00:00:00Z'; // an org owner suspends it in the settings UI
    const v = await c.verify(inst);
    assert.deepEqual([v.verdict, v.checks[0]!.path, v.checks[0]!.observed.suspendedAt], ['dead', INSTALLATION_RELIST, '2026-02-01T00:00:00Z']);
  });

  it('an OAuth app by client_id: its members\' tokens are found by the note naming it (the subject handle); with a held token the grant is deleted with the app\'s credentials', async () => {
    const l = await start();
    const s = l.state;
    const app = s.newApp('Lab CI');
    const c = connectorFor(l, { app });
    const alice = s.token('alice', 'oauth', { clientId: app.clientId });
    s.authorize('alice', { token: alice });
    s.authorize('bob', { token: s.token('bob', 'oauth', { clientId: app.clientId }) });
    s.authorize('bob', { token: s.token('bob', 'oauth', { clientId: s.newApp('Other CI').clientId }) });
    const subject = { id: app.clientId, handle: 'Lab CI', type: 'integration' as const };
    const found = await c.discover(subject);
    assert.deepEqual(found.map((a) => [a.kind, a.attributes!.actsFor, a.attributes!.credentialType]).sort(), [['api-key', 'alice', 'OAuth app token'], ['api-key', 'bob', 'OAuth app token']]);
    assert.deepEqual(await c.discover({ ...subject, handle: app.clientId }), [], 'the limit, plainly: GitHub names no app on an authorization, so a note that names the app by another name is not matched');
    // The engine's other path for a held token of the grant: the app's own credentials delete the grant, every token with it.
    const grant = grantOf(alice.value, app.clientId);
    assert.equal((await c.revoke(grant)).status, 'revoked');
    assert.equal(await userStatus(l, alice.value), 401);
    const relisted = await c.verify(toHandle(found.find((a) => a.attributes!.actsFor === 'alice')!));
    assert.equal(relisted.verdict, 'dead', 'the dead token\'s SSO authorization is gone from the list too');
  });

  it('settings.enterprise uninstalls the GitHub App through the owning enterprise; re-listing the org proves it; an org owner\'s token is refused there', async () => {
    const l = await start();
    const s = l.state;
    const { installation } = s.installApp('deploybot', 'Deploybot');
    s.installApp('otherbot');
    const c = connectorFor(l, { enterpriseToken: s.enterpriseAppToken().value });
    const inst = toHandle(one(await c.discover(DEPLOYBOT), 'oauth-grant'));
    assert.equal(inst.revocable, true);
    assert.equal(inst.attributes.fallback, undefined);
    const ownerAsEnterprise = connectorFor(l, { enterpriseToken: l.adminToken });
    const refused = await rejection(ownerAsEnterprise.revoke(inst));
    assertCoded(refused, { code: 'ERR_PROVIDER_REJECTED', retryable: false });
    assert.equal(refused.details.status, 403);
    const out = await c.revoke(inst);
    assert.deepEqual([out.status, out.response.status], ['revoked', 204]);
    assert.ok(l.log.some((x) => x.method === 'DELETE' && x.path === `/enterprises/${s.enterprise}/apps/organizations/acme/installations/${installation.id}` && x.status === 204));
    const v = await c.verify(inst);
    assert.deepEqual(v.checks.map((x) => [x.path, x.result, x.observed.present]), [[INSTALLATION_RELIST, 'dead', false]]);
    assert.equal((await c.revoke(inst)).status, 'already_revoked');
    assert.equal(s.installations.filter((i) => !i.deleted).length, 1, 'the other app stays installed');
  });
});

describe('github: rotating a deploy key a workload fetches with', () => {
  const start = labPerTest();
  const run = promisify(execFile);
  const dir = mkdtempSync(join(tmpdir(), 'sever-gh-rotate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const publicHalf = async (file: string) => (await run('ssh-keygen', ['-y', '-f', file])).stdout.trim().split(/\s+/).slice(0, 2).join(' ');

  it('rotate adds a key (same read_only), delivers an OpenSSH private key (0600), answers already_rotated again, re-issues a lost delivery; adoption is the new key\'s last_used', async () => {
    const l = await start();
    const keyFile = join(dir, 'api_deploy_key');
    const old = generateEd25519('ci');
    writeFileSync(keyFile, old.privateKey, { mode: 0o600 });
    const k = l.state.deployKey('api', 'ci-bot', true, { publicKey: old.publicKey, title: 'ci deploy' });
    l.state.deployKey('web', 'ci-bot', false);
    l.state.deployKey('web', 'ci-bot', false);
    l.state.deployKey('docs', 'ci-bot', false);
    const c = connectorFor(l, {
      repos: ['api', 'web', 'docs'],
      rotation: [{ repo: 'api', title: 'ci deploy', deliverTo: `file:${keyFile}` }, { repo: 'web', deliverTo: `file:${join(dir, 'web_key')}` }],
    });
    const found = (await c.discover({ id: 'ci-bot', handle: 'ci-bot' })).map((d) => toHandle(d));
    const a = found.find((x) => x.attributes.keyId === k.id)!;
    assert.deepEqual(found.map((x) => [x.attributes.repo, x.attributes.rotatable]), [['api', true], ['web', undefined], ['web', undefined], ['docs', undefined]], 'rotatable: a key with its own delivery target; not two keys sharing one file, not a key without one');
    assertCoded(await rejection(c.rotate!(found.find((x) => x.attributes.repo === 'docs')!)), { code: 'ERR_CONNECTOR_CONFIG', retryable: false });

    const w = await startDeployKeyWorkload({ state: l.state, repo: 'api', keyFile, everyMs: 20 });
    try {
      const before = await c.adoption!(a);
      assert.deepEqual([before.adopted, before.checks[0]!.observed.newKeyId], [false, null], 'nothing rotated yet');
      const r1 = await c.rotate!(a);
      assert.deepEqual([r1.status, r1.method], ['rotated', ROTATE_DEPLOY_KEY]);
      const fresh = l.state.deployKeys.find((x) => x.id === (r1.response.body as { newKeyId: number }).newKeyId)!;
      assert.deepEqual([fresh.repo, fresh.title, fresh.readOnly, fresh.addedBy, fresh.deleted], ['api', `ci deploy (rotated by sever ${k.id})`, true, 'sever-bot', false]);
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
      assert.equal(await publicHalf(keyFile), fresh.key, 'ssh-keygen reads the delivered file, and its public half is the key GitHub now holds');
      assert.ok(!JSON.stringify(r1).includes('PRIVATE KEY'), 'the outcome is secret-free');
      assert.equal(k.deleted, false, 'rotation leaves the old key working');

      const r2 = await c.rotate!(a);
      assert.deepEqual([r2.status, (r2.response.body as { newKeyId: number }).newKeyId], ['already_rotated', fresh.id]);
      assert.equal(l.log.filter((x) => x.method === 'POST' && x.path === '/repos/acme/api/keys').length, 1, 'no second key');

      await w.waitForKeyOtherThan(k.key, 5_000);
      const adopted = await c.adoption!(a);
      assert.equal(adopted.adopted, true);
      assert.equal(adopted.checks[0]!.path, DEPLOY_KEY_LAST_USED);
      assert.equal(adopted.checks[0]!.observed.newKeyId, fresh.id);
      assert.equal(typeof adopted.checks[0]!.observed.newKeyLastUsed, 'string');
      assert.equal(typeof adopted.checks[0]!.observed.oldKeyLastUsed, 'string', 'the old key\'s last use is shown beside it');
    } finally {
      await w.stop();
    }
    assert.equal(w.stats().failed, 0, `the workload never failed a fetch: ${w.stats().lastError}`);

    // A lost delivery: the file still holds the old key. Nobody holds the issued key's private half, so it goes, and a new one is issued.
    const issued = l.state.deployKeys.find((x) => x.title === `ci deploy (rotated by sever ${k.id})` && !x.deleted)!;
    writeFileSync(keyFile, old.privateKey, { mode: 0o600 });
    const r3 = await c.rotate!(a);
    const body = r3.response.body as { newKeyId: number; reissued?: boolean; removedUndelivered?: number[] };
    assert.deepEqual([r3.status, body.reissued, body.removedUndelivered], ['rotated', true, [issued.id]]);
    assert.equal(issued.deleted, true);
    assert.equal(await publicHalf(keyFile), l.state.deployKeys.find((x) => x.id === body.newKeyId)!.key);
    assert.equal((await c.adoption!(a)).adopted, false, 'the re-issued key has not been used yet');
  });

  it('a delivery that cannot be written is a coded error; the key it added is replaced by the next rotation', async () => {
    const l = await start();
    const old = generateEd25519('ci');
    const k = l.state.deployKey('api', 'ci-bot', false, { publicKey: old.publicKey, title: 'ci deploy' });
    const c = connectorFor(l, { repos: ['api'], rotation: [{ repo: 'api', deliverTo: `file:${join(dir, 'missing-dir', 'key')}` }] });
    const [a] = (await c.discover({ id: 'ci-bot', handle: 'ci-bot' })).map((d) => toHandle(d));
    const e = await rejection(c.rotate!(a!));
    assertCoded(e, { code: 'ERR_FILE_WRITE', retryable: false });
    assert.ok(!e.message.includes('PRIVATE KEY'));
    const undelivered = l.state.deployKeys.filter((x) => x.title === `ci deploy (rotated by sever ${k.id})` && !x.deleted);
    assert.equal(undelivered.length, 1);
    assert.equal(k.deleted, false, 'the old key is untouched');
    await rejection(c.rotate!(a!));
    assert.equal(undelivered[0]!.deleted, false, 'a failed delivery deletes nothing: the next successful one does');
    const ok = connectorFor(l, { repos: ['api'], rotation: [{ repo: 'api', deliverTo: `file:${join(dir, 'api_key_2')}` }] });
    assert.equal((await ok.rotate!(a!)).status, 'rotated');
    assert.equal(l.state.deployKeys.filter((x) => x.title === `ci deploy (rotated by sever ${k.id})` && !x.deleted).length, 1, 'the undelivered keys are gone, one delivered key is left');
    assert.equal((await readFile(join(dir, 'api_key_2'), 'utf8')).startsWith('-----BEGIN OPENSSH PRIVATE KEY-----'), true);
  });
});
