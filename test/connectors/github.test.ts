/**
 * The github connector against the lab GitHub simulator (lab/github/), which checks every request
 * it receives and every response it sends against GitHub's own REST description
 * (`@octokit/openapi`, GHEC). Every test ends by asserting the simulator saw no contract mismatch.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { startGithubLab, type GithubLab, type GithubLabOptions } from '../../lab/github/start.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { githubModule, githubSettings } from '../../src/connectors/github/index.ts';
import { AMEND_HINT, APP_TOKEN_CHECK, DEPLOY_KEY_RELIST, ORG_RELIST, TOKEN_REPLAY } from '../../src/connectors/github/manifest.ts';
import { systemClock } from '../../src/core/clock.ts';
import { SeverError } from '../../src/core/errors.ts';
import type { ArtifactHandle } from '../../src/core/model.ts';
import { gradeProof } from '../../src/core/proof.ts';
import { assertCoded, rejection, runConnectorConformance, toHandle } from '../conformance/connector-conformance.ts';

const NAME = 'github:lab';
const ALICE = { id: 'alice', handle: 'alice' };

function connectorFor(lab: GithubLab, o: { baseUrl?: string; token?: string; app?: { clientId: string; clientSecret: string }; repos?: string[] } = {}): Connector {
  const deps: ConnectorDeps = {
    clock: systemClock, fetch: globalThis.fetch,
    resolveSecret: async (ref) => {
      if (ref === 'env:GH_TOKEN') return o.token ?? lab.adminToken;
      if (ref === 'env:APP_SECRET' && o.app) return o.app.clientSecret;
      throw new SeverError('ERR_SECRET_UNRESOLVED', `${ref} is not set`);
    },
  };
  return githubModule.create(NAME, githubSettings.parse({
    baseUrl: o.baseUrl ?? lab.baseUrl, org: lab.org, tokenRef: 'env:GH_TOKEN', timeoutMs: 3_000,
    ...(o.app ? { oauthApps: [{ clientId: o.app.clientId, clientSecretRef: 'env:APP_SECRET' }] } : {}), ...(o.repos ? { repos: o.repos } : {}),
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
      'every github artifact has a selective revoke path (a PAT classic, which org owners cannot revoke, is cut off through its SSO authorization or its value; the residue says what survives)',
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
