/**
 * The okta connector against the Okta lab (lab/okta/): a stateful simulator that validates every
 * management request and response against Okta's own OpenAPI description. After each case the lab
 * must have recorded no contract violation; one case proves the check can fail.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startLabOkta, type LabOkta, type LabOktaOptions } from '../../lab/okta/start.ts';
import { resolveSecretRef } from '../../src/config/secret-ref.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { oktaConnector, oktaSettings } from '../../src/connectors/okta/index.ts';
import { classify } from '../../src/core/classify.ts';
import { DEFAULT_POLICY } from '../../src/core/default-policy.ts';
import { systemClock } from '../../src/core/clock.ts';
import { gradeProof } from '../../src/core/proof.ts';
import type { ArtifactHandle, DiscoveredArtifact } from '../../src/core/model.ts';
import { assertCoded, one, rejection, runConnectorConformance, toHandle } from '../conformance/connector-conformance.ts';

const NAME = 'okta:lab';
const CLIENTS = ['crm', 'app'] as const;

function connectorFor(lab: LabOkta, o: { orgUrl?: string; apiToken?: string; ownerSecrets?: boolean } = {}): Connector {
  const env: Record<string, string> = { OKTA_TOKEN: o.apiToken ?? lab.adminToken };
  for (const c of CLIENTS) env[`${c.toUpperCase()}_SECRET`] = lab.state.client(c).clientSecret;
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: (ref) => resolveSecretRef(ref, env) };
  const settings = oktaSettings.parse({
    orgUrl: o.orgUrl ?? lab.baseUrl, apiTokenRef: 'env:OKTA_TOKEN', timeoutMs: 10_000, // the lab validates every exchange against Okta's whole description: slow on a loaded machine
    clientSecrets: o.ownerSecrets === false ? {} : Object.fromEntries(CLIENTS.map((c) => [c, `env:${c.toUpperCase()}_SECRET`])),
  });
  return oktaConnector.create(NAME, settings, deps);
}

/** Handles as the engine holds them, with the values a responder gave by `incident amend --value-file`. */
function handles(lab: LabOkta, list: DiscoveredArtifact[], subjectId: string, withValues = true): ArtifactHandle[] {
  return list.map((d) => {
    const h = toHandle(d, subjectId);
    if (!withValues) return h;
    const value = d.kind === 'refresh-token' ? lab.state.tokens.get(String(d.attributes?.tokenId))?.value : d.kind === 'api-key' ? lab.state.apiTokens.get(String(d.attributes?.apiTokenId))?.value : undefined;
    return value ? { ...h, secret: value } : h;
  });
}



/** What an attacker holding the refresh token does: refresh it at the authorization server as its client. */
async function refreshAtOkta(lab: LabOkta, clientId: string, refreshToken: string): Promise<{ status: number; error?: string }> {
  const c = lab.state.client(clientId);
  const res = await fetch(`${lab.baseUrl}/oauth2/default/v1/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${c.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  const body = (await res.json()) as { error?: string };
  return { status: res.status, ...(body.error ? { error: body.error } : {}) };
}

/** A compromised user with one of everything: a session, a consent with a refresh token, a factor, an API token. */
function compromise(lab: LabOkta, login: string) {
  const u = lab.state.user(login);
  const session = lab.state.signIn(u.id);
  const issued = lab.state.authorize({ userId: u.id, clientId: 'crm', sessionId: session.id });
  const factor = lab.state.enroll(u.id, 'token:software:totp');
  const apiToken = lab.state.apiToken(u.id);
  return { user: u, session, issued, factor, apiToken };
}

runConnectorConformance({
  name: NAME,
  async setup() {
    const lab = await startLabOkta();
    const connector = connectorFor(lab);
    const subject = { id: 'alice@lab.test', handle: 'alice@lab.test' };
    return {
      connector, subject,
      async makeArtifacts() {
        const { user } = compromise(lab, 'alice@lab.test');
        return handles(lab, await connector.discover(subject), user.id);
      },
      unreachable: () => connectorFor(lab, { orgUrl: 'http://127.0.0.1:1' }),
      badCredentials: () => connectorFor(lab, { apiToken: 'not-an-okta-api-token' }),
      async teardown() {
        const violations = [...lab.violations()];
        await lab.close();
        assert.deepEqual(violations, [], 'the lab saw no request or response outside Okta\'s description');
      },
    };
  },
  skips: {
    'a non-revocable artifact is refused with ERR_NOT_REVOCABLE':
      "every artifact Okta's management API lists can be revoked; the one Okta kind that cannot (self-contained JWT access tokens) is never listed by the API, and is residue of the session, grant and refresh-token kinds",
  },
});

describe('okta connector against the Okta lab', () => {
  let lab: LabOkta;
  let okta: Connector;
  let n = 0;
  const fresh = () => `user${++n}@lab.test`;
  const discoverAll = async (login: string, withValues = true) => {
    const found = await okta.discover({ id: login, handle: login });
    return handles(lab, found, lab.state.userBy(login)!.id, withValues);
  };

  before(async () => {
    lab = await startLabOkta({ pageSize: 20 } satisfies LabOktaOptions);
    okta = connectorFor(lab);
  });
  afterEach(() => {
    for (const k of Object.keys(lab.faults)) delete lab.faults[k as keyof typeof lab.faults];
    const violations = [...lab.violations()];
    lab.clearViolations();
    assert.deepEqual(violations, [], 'the lab saw no request or response outside Okta\'s description');
  });
  after(() => lab.close());

  it('resolves a login or an id once, and finds nothing for an unknown subject', async () => {
    const login = fresh();
    const { user } = compromise(lab, login);
    for (const subject of [{ id: login, handle: 'x' }, { id: 'nobody', handle: login }, { id: user.id, handle: 'x' }]) {
      const found = await okta.discover(subject);
      assert.equal(found.length, 5, `all five kinds found by ${JSON.stringify(subject)}`);
      assert.ok(found.every((a) => a.attributes?.userId === user.id));
    }
    assert.deepEqual(await okta.discover({ id: 'nobody@nowhere.test', handle: 'nobody' }), []);
  });

  it("ending the sessions with oauthTokens=true kills the user's refresh tokens (replay refused) while another user's keep working", async () => {
    const alice = fresh();
    const bob = fresh();
    const a = compromise(lab, alice);
    const b = compromise(lab, bob);
    const aliceRt = a.issued.refreshTokens[0]!.value;
    const found = await discoverAll(alice);
    const sessions = one(found, 'idp-session');
    const rt = one(found, 'refresh-token');
    assert.equal(sessions.attributes.sessionIds, a.session.id);
    assert.equal((await okta.verify(sessions)).verdict, 'live');

    const out = await okta.revoke(sessions);
    assert.equal(out.status, 'revoked');
    assert.equal(out.request.oauthTokens, true);
    const obs = await okta.verify(sessions);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => [c.path, c.result]), [['admin-relist:sessions', 'dead'], ['admin-relist:user-oauth-tokens', 'dead']]);

    const rtObs = await okta.verify(rt);
    assert.equal(rtObs.verdict, 'dead', 'the refresh token died with the sessions');
    assert.deepEqual(rtObs.checks.map((c) => [c.path, c.result]), [['admin-relist:refresh-tokens', 'dead'], ['rfc7662-introspection', 'dead'], ['refresh-replay', 'dead']]);
    assert.deepEqual(await refreshAtOkta(lab, 'crm', aliceRt), { status: 400, error: 'invalid_grant' });
    assert.equal((await okta.revoke(sessions)).status, 'already_revoked', 'nothing left: not sent again');
    assert.equal(lab.state.apiTokens.get(a.apiToken.id)!.revoked, false, "the SSWS token survives the end of the sessions (manifest residue)");

    assert.equal((await refreshAtOkta(lab, 'crm', b.issued.refreshTokens[0]!.value)).status, 200, "bob's refresh token still works");
    const bobFound = await discoverAll(bob);
    assert.equal((await okta.verify(one(bobFound, 'idp-session'))).verdict, 'live', "bob's session is untouched");
  });

  it('a factor the attacker enrolled is found with its enrollment time, and the policy removes only it', async () => {
    const login = fresh();
    const u = lab.state.user(login);
    const compromisedAt = Date.now() - 3_600_000;
    const own = lab.state.enroll(u.id, 'push', Date.now() - 30 * 86_400_000);
    const attackers = lab.state.enroll(u.id, 'token:software:totp', Date.now() - 600_000);
    const factors = (await discoverAll(login)).filter((a) => a.kind === 'mfa-factor');
    assert.equal(factors.length, 2);
    const found = factors.find((f) => f.attributes.factorId === attackers.id)!;
    assert.equal(found.issuedAt, attackers.created, 'issuedAt is the enrollment time');
    assert.equal(found.attributes.factorType, 'token:software:totp');
    assert.equal(found.attributes.provider, 'GOOGLE');
    assert.equal(found.attributes.status, 'ACTIVE');
    const tier = (f: ArtifactHandle) => classify(DEFAULT_POLICY, { artifact: { kind: f.kind, connector: NAME, ...(f.issuedAt ? { issuedAt: f.issuedAt } : {}), attributes: f.attributes }, subjectType: 'human', compromisedAt: new Date(compromisedAt).toISOString() });
    assert.equal(tier(found).ruleId, 'factors-enrolled-since-compromise');
    assert.equal(tier(factors.find((f) => f.attributes.factorId === own.id)!).ruleId, 'factors-from-before');

    assert.equal((await okta.revoke(found)).status, 'revoked');
    const obs = await okta.verify(found);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => c.path), ['admin-relist:factors']);
    assert.equal((await okta.revoke(found)).status, 'already_revoked');
  });

  it('a revoked refresh token that introspects inactive but still refreshes is live: the replay decides', async () => {
    const login = fresh();
    compromise(lab, login);
    const rt = one(await discoverAll(login), 'refresh-token');
    assert.equal((await okta.revoke(rt)).status, 'revoked');
    lab.faults.staleTokenEndpoint = true;
    const tokensBefore = lab.state.tokens.size;
    const obs = await okta.verify(rt);
    assert.equal(obs.verdict, 'live');
    assert.deepEqual(obs.checks.map((c) => [c.path, c.result]), [['admin-relist:refresh-tokens', 'dead'], ['rfc7662-introspection', 'dead'], ['refresh-replay', 'live']]);
    const replay = obs.checks.find((c) => c.path === 'refresh-replay')!;
    assert.equal(replay.observed.minted, 1);
    assert.equal(replay.observed.mintedRevoked, true, 'the access token the replay minted was revoked at once');
    const minted = [...lab.state.tokens.values()].slice(tokensBefore);
    assert.ok(minted.length === 1 && minted[0]!.revoked, 'the minted token is dead');
    const strength = (p: string) => okta.manifest.artifacts.find((x) => x.kind === 'refresh-token')!.verify.find((v) => v.path === p)!.strength;
    const grade = gradeProof(obs.checks.map((c) => ({ path: c.path, strength: strength(c.path), result: c.result })), 'replay');
    assert.equal(grade.verdict, 'live');
    assert.deepEqual(grade.inconsistency?.livePaths, ['refresh-replay']);

    lab.faults.staleTokenEndpoint = false;
    assert.equal((await okta.verify(rt)).verdict, 'dead', 'once the token endpoint honours the revocation');
  });

  it('without the token value or the owning client, the stronger paths are named with what they need', async () => {
    const login = fresh();
    compromise(lab, login);
    const noValues = await discoverAll(login, false);
    const rt = one(noValues, 'refresh-token');
    assert.equal(rt.secret, undefined, 'Okta never returns token values');
    await okta.revoke(rt);
    const obs = await okta.verify(rt);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => c.path), ['admin-relist:refresh-tokens']);
    assert.deepEqual(obs.unavailable?.map((u) => u.path), ['rfc7662-introspection', 'refresh-replay']);
    assert.match(obs.unavailable![1]!.why, /incident amend <incident> --artifact <artifactId> --value-file <file>/);
    const grade = gradeProof([{ path: 'admin-relist:refresh-tokens', strength: 'relist', result: 'dead' }], 'replay', obs.unavailable!.map((u) => ({ ...u, strength: u.path === 'refresh-replay' ? 'replay' as const : 'self-report' as const })));
    assert.equal(grade.verdict, 'unproven');

    const key = one(noValues, 'api-key');
    await okta.revoke(key);
    const keyObs = await okta.verify(key);
    assert.deepEqual(keyObs.unavailable?.map((u) => u.path), ['ssws-replay:GET /api/v1/users/me']);

    const login2 = fresh();
    compromise(lab, login2);
    const noOwner = connectorFor(lab, { ownerSecrets: false });
    const rt2 = one(handles(lab, await noOwner.discover({ id: login2, handle: login2 }), lab.state.userBy(login2)!.id), 'refresh-token');
    assert.ok(rt2.secret, 'the value is held this time');
    const ownerObs = await noOwner.verify(rt2);
    assert.deepEqual(ownerObs.unavailable?.map((u) => u.path), ['rfc7662-introspection', 'refresh-replay']);
    assert.match(ownerObs.unavailable![1]!.why, /settings\.clientSecrets\.crm/);
  });

  it("an API token is proved dead by using it: GET /api/v1/users/me answers 401 once it is revoked", async () => {
    const login = fresh();
    const { apiToken } = compromise(lab, login);
    const key = one(await discoverAll(login), 'api-key');
    assert.equal(key.attributes.apiTokenId, apiToken.id);
    const before = await okta.verify(key);
    assert.equal(before.verdict, 'live');
    assert.deepEqual(before.checks.map((c) => [c.path, c.result, c.observed.status]), [['admin-relist:api-tokens', 'live', undefined], ['ssws-replay:GET /api/v1/users/me', 'live', 200]]);
    assert.equal((await okta.revoke(key)).status, 'revoked');
    const obs = await okta.verify(key);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => [c.path, c.result, c.observed.status]), [['admin-relist:api-tokens', 'dead', undefined], ['ssws-replay:GET /api/v1/users/me', 'dead', 401]]);
    assert.ok(!JSON.stringify(obs).includes(apiToken.value), 'the observation is secret-free');
  });

  it('429 with X-Rate-Limit-Reset becomes a retryable ERR_PROVIDER_RATE_LIMITED with retryAfterMs; 5xx a retryable ERR_PROVIDER_UNAVAILABLE', async () => {
    const login = fresh();
    compromise(lab, login);
    const grant = one(await discoverAll(login), 'oauth-grant');
    lab.faults.rateLimit = { count: 1, resetInSeconds: 30 };
    const e = await rejection(okta.revoke(grant));
    assertCoded(e, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
    assert.ok(e.retryAfterMs! > 28_000 && e.retryAfterMs! <= 31_000, `retryAfterMs from X-Rate-Limit-Reset: ${e.retryAfterMs}`);
    assert.equal(lab.state.grants.get(String(grant.attributes.grantId))!.revoked, false, 'nothing was done, and the SDK did not retry on its own');

    lab.faults.failFirst = { count: 1, status: 503 };
    assertCoded(await rejection(okta.discover({ id: login, handle: login })), { code: 'ERR_PROVIDER_UNAVAILABLE', retryable: true });
    assert.equal((await okta.revoke(grant)).status, 'revoked', 'the retry the engine makes succeeds');
  });

  it('pages through grants and refresh tokens by Link rel="next"', async () => {
    const login = fresh();
    const u = lab.state.user(login);
    for (let i = 0; i < 45; i++) lab.state.authorize({ userId: u.id, clientId: 'app', scopes: ['openid', `scope${i}`], refreshTokens: i < 25 ? 1 : 0, accessTokens: 0 });
    const grantPages = lab.calls.get('listUserGrants') ?? 0;
    const tokenPages = lab.calls.get('listRefreshTokensForUserAndClient') ?? 0;
    const found = await okta.discover({ id: login, handle: login });
    assert.equal(found.filter((a) => a.kind === 'oauth-grant').length, 45);
    assert.equal(found.filter((a) => a.kind === 'refresh-token').length, 25);
    assert.equal(new Set(found.map((a) => a.externalId)).size, found.length, 'no item twice across pages');
    assert.equal((lab.calls.get('listUserGrants') ?? 0) - grantPages, 3, '45 grants in pages of 20');
    assert.equal((lab.calls.get('listRefreshTokensForUserAndClient') ?? 0) - tokenPages, 2, '25 tokens in pages of 20');
  });

  it("a compromised integration: the app's grants and refresh tokens for every user are found (pages too), each naming the user, and revoked as such", async () => {
    const app = 'shady-sorter';
    const users = [fresh(), fresh(), fresh()].map((l) => lab.state.user(l));
    for (const u of users) lab.state.authorize({ userId: u.id, clientId: app, scopes: ['openid', 'mail.read'], refreshTokens: 9, accessTokens: 0 });
    const other = lab.state.user(fresh());
    lab.state.authorize({ userId: other.id, clientId: 'crm', refreshTokens: 1, accessTokens: 0 });
    const found = await okta.discover({ id: app, handle: app, type: 'integration' });
    const grants = found.filter((a) => a.kind === 'oauth-grant');
    const tokens = found.filter((a) => a.kind === 'refresh-token');
    assert.deepEqual(grants.map((g) => g.attributes!.actsFor).sort(), users.map((u) => u.id).sort());
    assert.equal(tokens.length, 27, '27 refresh tokens across two pages of 20');
    assert.ok([...grants, ...tokens].every((a) => a.attributes!.clientId === app), "only the integration's own");
    const h = handles(lab, found, users[0]!.id, false).find((a) => a.kind === 'refresh-token' && a.attributes.actsFor === users[1]!.id)!;
    assert.equal((await okta.revoke(h)).status, 'revoked');
    assert.equal((await okta.verify(h)).checks.find((c) => c.path === 'admin-relist:refresh-tokens')?.result, 'dead');
    assert.equal((await okta.discover({ id: app, handle: app, type: 'integration' })).filter((a) => a.kind === 'refresh-token').length, 26);
    assert.equal((await okta.discover({ id: other.login, handle: other.login })).some((a) => a.attributes?.clientId === app), false, 'the other user\'s artifacts are untouched by the integration');
  });

  it('the contract check catches a malformed request, an undescribed path and a malformed response', async () => {
    const u = lab.state.user(fresh());
    const auth = { authorization: `SSWS ${lab.adminToken}` };
    assert.equal((await fetch(`${lab.baseUrl}/api/v1/users/${u.id}/sessions?oauthTokens=yes`, { method: 'DELETE', headers: auth })).status, 204);
    assert.equal((await fetch(`${lab.baseUrl}/api/v1/users/${u.id}/sessions/everything`, { headers: auth })).status, 404);
    const op = lab.contract.operation({ method: 'GET', path: `/api/v1/users/${u.id}/factors`, query: {}, headers: auth })!;
    lab.contract.checkResponse(op, 200, [{ id: 'mfa1', factorType: 'carrier-pigeon', created: 'yesterday' }], {});
    const v = [...lab.violations()];
    lab.clearViolations();
    assert.equal(v.length, 3, JSON.stringify(v, null, 1));
    assert.equal(v[0]!.operationId, 'revokeUserSessions');
    assert.match(v[0]!.errors.join(' '), /oauthTokens must be boolean/);
    assert.match(v[1]!.errors.join(' '), /no operation of the Okta Management API description/);
    assert.equal(v[2]!.side, 'response');
    assert.match(v[2]!.errors.join(' '), /factorType.*allowed values/);
    assert.match(v[2]!.errors.join(' '), /created must match format "date-time"/);
    assert.ok(lab.specLoadMs > 0);
  });
});
