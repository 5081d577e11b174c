/**
 * The slack connector against the Slack lab (lab/slack/): a stateful Web API simulator whose
 * answers are typed with @slack/web-api's own response types and which checks every call's
 * arguments against the methods' documented ones. After each case the lab must have recorded no
 * violation; one case proves the check can fail.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { startLabSlack, type LabSlack, type LabSlackOptions } from '../../lab/slack/start.ts';
import type { LabToken } from '../../lab/slack/state.ts';
import { resolveSecretRef } from '../../src/config/secret-ref.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { SlackClient } from '../../src/connectors/slack/client.ts';
import { slackConnector, slackSettings } from '../../src/connectors/slack/index.ts';
import { AUDIT_UNINSTALLED, RELIST_BOT, TOKEN_REPLAY, UNINSTALL } from '../../src/connectors/slack/manifest.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { ArtifactHandle, DiscoveredArtifact } from '../../src/core/model.ts';
import { gradeProof, type ProofStrength } from '../../src/core/proof.ts';
import { assertCoded, one, rejection, runConnectorConformance, toHandle } from '../conformance/connector-conformance.ts';

const NAME = 'slack:lab';

function connectorFor(lab: LabSlack, o: { apiUrl?: string; auditUrl?: string; token?: string; auditToken?: string } = {}): Connector {
  const env = { SLACK_TOKEN: o.token ?? lab.adminToken, ...(o.auditToken ? { SLACK_OWNER_TOKEN: o.auditToken } : {}) };
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: (ref) => resolveSecretRef(ref, env) };
  return slackConnector.create(NAME, slackSettings.parse({
    slackApiUrl: o.apiUrl ?? lab.apiUrl, auditApiUrl: o.auditUrl ?? lab.auditUrl, tokenRef: 'env:SLACK_TOKEN', ...(o.auditToken ? { auditTokenRef: 'env:SLACK_OWNER_TOKEN' } : {}), timeoutMs: 3_000,
  }), deps);
}

const clientFor = (lab: LabSlack) => new SlackClient({ http: { name: NAME, apiUrl: lab.apiUrl, timeoutMs: 3_000, fetch: globalThis.fetch }, adminToken: async () => lab.adminToken });

/**
 * Handles as the engine holds them; with `withValues`, each session artifact carries the stolen
 * session token a responder gave by `incident amend --value-file` (the idp-session: the first one).
 */
function handles(lab: LabSlack, list: DiscoveredArtifact[], userId: string, withValues = true): ArtifactHandle[] {
  return list.map((d) => {
    const h = toHandle(d, userId);
    if (!withValues) return h;
    const id = d.kind === 'app-session' ? Number(d.attributes?.sessionId) : d.kind === 'idp-session' ? Number(String(d.attributes?.sessionIds).split(',')[0]!.split(':')[1]) : undefined;
    const s = id === undefined ? undefined : lab.state.sessions.get(id);
    const value = s ? `${s.token} d=${s.cookie}` : undefined;
    return value ? { ...h, secret: value } : h;
  });
}

/** A leaked token added by hand (`incident add-artifact --kind api-key --value-file`). */
const leakedKey = (t: LabToken): ArtifactHandle => ({
  kind: 'api-key', externalId: `sha256:${createHash('sha256').update(t.value).digest('hex')}`, label: `leaked ${t.kind} token`, attributes: {}, revocable: true, secret: t.value, subjectId: t.userId,
});



/** What an attacker holding a token does: call the Web API with it. */
async function attackerCall(lab: LabSlack, token: string, method = 'auth.test'): Promise<{ ok: boolean; error?: string }> {
  // A thief of a browser session holds its xoxc token and its `d` cookie together.
  const session = [...lab.state.sessions.values()].find((s) => s.token === token);
  const res = await fetch(`${lab.apiUrl}${method}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded', ...(session ? { cookie: `d=${session.cookie}` } : {}) }, body: '' });
  return (await res.json()) as { ok: boolean; error?: string };
}

/** A compromised user: a web session on T0A, a mobile one on T0B, and an installed app's user token. */
function compromise(lab: LabSlack, email: string) {
  const user = lab.state.user(email);
  const web = lab.state.signIn(user.id, { teamId: 'T0A' });
  const mobile = lab.state.signIn(user.id, { teamId: 'T0B', platform: 'mobile' });
  const appToken = lab.state.appToken(user.id, 'user');
  return { user, web, mobile, appToken };
}

/** An integration's grants as the engine holds them, each with the app token it stands for when the thief's copy is given. */
async function grantHandles(lab: LabSlack, c: Connector, appId: string, tokens: Record<string, LabToken | undefined> = {}): Promise<ArtifactHandle[]> {
  return (await c.discover({ id: appId, handle: appId, type: 'integration' })).map((d) => {
    const h = toHandle(d, appId);
    const t = tokens[d.externalId];
    return t ? { ...h, secret: t.value } : h;
  });
}

runConnectorConformance({
  name: NAME,
  // The uninstall an oauth-grant's revoke asks for applies 300 ms after its ok (on the wall clock here).
  deadWithinMs: 3_000,
  async setup() {
    const lab = await startLabSlack({ uninstallDelayMs: 300 });
    const connector = connectorFor(lab);
    const subject = { id: 'alice@lab.test', handle: 'alice@lab.test' };
    return {
      connector, subject,
      async makeArtifacts() {
        const { user, appToken } = compromise(lab, 'alice@lab.test');
        const app = lab.state.app('Shady Notes');
        const installed = lab.state.authorize(app.id, 'T0A', user.id);
        const grants = await grantHandles(lab, connector, app.id, { [`app-auth:${app.id}:T0A:${user.id}`]: installed.userToken, [`app-install:${app.id}:T0A`]: installed.botToken });
        return [...handles(lab, await connector.discover(subject), user.id), leakedKey(appToken), ...grants];
      },
      async makeNonRevocable() {
        const owner = lab.state.user('owner@lab.test', { isPrimaryOwner: true, isAdmin: true });
        lab.state.signIn(owner.id);
        return one(handles(lab, await connector.discover({ id: owner.id, handle: 'owner' }), owner.id), 'app-session');
      },
      unreachable: () => connectorFor(lab, { apiUrl: 'http://127.0.0.1:1/api/', auditUrl: 'http://127.0.0.1:1/audit/v1/' }),
      badCredentials: () => connectorFor(lab, { token: 'xoxp-not-a-slack-token' }),
      async teardown() {
        const violations = [...lab.violations()];
        await lab.close();
        assert.deepEqual(violations, [], 'the lab saw no call outside the methods\' documented arguments');
      },
    };
  },
});

describe('slack connector against the Slack lab', () => {
  let lab: LabSlack;
  let slack: Connector;
  let t = Date.now();
  let n = 0;
  const fresh = () => `user${++n}@lab.test`;
  const discoverAll = async (email: string, withValues = true) => handles(lab, await slack.discover({ id: email, handle: email }), lab.state.userBy(email)!.id, withValues);

  before(async () => {
    lab = await startLabSlack({ now: () => t, maxPageSize: 20, bulkDelayMs: 5_000, uninstallDelayMs: 5_000 } satisfies LabSlackOptions);
    slack = connectorFor(lab);
  });
  afterEach(() => {
    t += 61_000; // a fresh rate-limit window for the next case
    for (const k of Object.keys(lab.faults)) delete lab.faults[k as keyof typeof lab.faults];
    const violations = [...lab.violations()];
    lab.clearViolations();
    assert.deepEqual(violations, [], 'the lab saw no call outside the methods\' documented arguments');
  });
  after(() => lab.close());

  it("invalidating one session leaves the user's other sessions and another user's working", async () => {
    const alice = fresh();
    const a = compromise(lab, alice);
    const third = lab.state.signIn(a.user.id, { teamId: 'T0A', platform: 'mobile' });
    const b = compromise(lab, fresh());
    const found = await discoverAll(alice);
    assert.deepEqual(found.map((x) => x.kind).sort(), ['app-session', 'app-session', 'app-session', 'idp-session']);
    assert.ok(found.every((x) => x.attributes.userId === a.user.id));
    const target = one(found, 'app-session', (x) => x.attributes.sessionId === a.web.id);

    const out = await slack.revoke(target);
    assert.equal(out.status, 'revoked');
    assert.equal(out.method, 'admin-api:admin.users.session.invalidate');
    const obs = await slack.verify(target);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => [c.path, c.result]), [['admin-relist:admin.users.session.list', 'dead'], ['token-replay:auth.test', 'dead']]);
    assert.deepEqual(obs.checks[1]!.observed, { ok: false, error: 'invalid_auth' });

    for (const s of [a.mobile, third]) {
      const other = one(found, 'app-session', (x) => x.attributes.sessionId === s.id);
      assert.equal((await slack.verify(other)).verdict, 'live', `session ${s.id} of the same user still works`);
      assert.deepEqual(await attackerCall(lab, s.token).then((r) => r.ok), true);
    }
    assert.equal((await slack.verify(one(found, 'idp-session'))).verdict, 'live', 'the user still has sessions');
    assert.equal((await attackerCall(lab, b.web.token)).ok, true, "the other user's session works");
    assert.equal((await slack.revoke(target)).status, 'already_revoked', 'session_not_found the second time');
  });

  it('a reset kills every session of the user: each held token is refused by auth.test (installed-app tokens survive)', async () => {
    const email = fresh();
    const a = compromise(lab, email);
    const extra = [lab.state.signIn(a.user.id, { teamId: 'T0B' }), lab.state.signIn(a.user.id, { teamId: 'T0A', platform: 'mobile' })];
    const held = [a.web, a.mobile, ...extra].map((s) => s.token);
    const all = one(await discoverAll(email), 'idp-session');
    assert.equal(all.attributes.sessions, 4);
    assert.equal(all.attributes.teamIds, 'T0A,T0B');

    const out = await slack.revoke(all);
    assert.equal(out.status, 'revoked');
    assert.equal(out.request.listedBefore, 4);
    for (const token of held) assert.deepEqual(await attackerCall(lab, token), { ok: false, error: 'invalid_auth' });
    const obs = await slack.verify(all);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => [c.path, c.result]), [['admin-relist:admin.users.session.list', 'dead'], ['token-replay:auth.test', 'dead']]);
    assert.equal((await attackerCall(lab, a.appToken.value)).ok, true, "the installed app's user token survives a session reset (manifest residue)");
    assert.equal((await slack.revoke(all)).status, 'already_revoked', 'nothing listed: not sent again');

    const key = leakedKey(a.appToken);
    assert.equal((await slack.revoke(key)).status, 'revoked');
    assert.deepEqual((await slack.verify(key)).checks.map((c) => [c.path, c.result, c.observed.error]), [['token-replay:auth.test', 'dead', 'token_revoked']]);
  });

  it("resetBulk answers ok while the sessions are still listed (an ack is not death); they die once Slack's job ran", async () => {
    const emails = [fresh(), fresh()];
    const users = emails.map((e) => compromise(lab, e));
    const client = clientFor(lab);
    const bulkCalls = lab.calls.get('admin.users.session.resetBulk') ?? 0;
    assert.deepEqual(await client.resetBulk(users.map((u) => u.user.id)), { status: 'accepted', users: 2 });
    assert.equal((lab.calls.get('admin.users.session.resetBulk') ?? 0) - bulkCalls, 1);

    const all = await Promise.all(emails.map(async (e) => one(await discoverAll(e), 'idp-session')));
    for (const a of all) {
      const obs = await slack.verify(a);
      assert.equal(obs.verdict, 'live', 'still listed and still working after the ok');
      assert.deepEqual(obs.checks.map((c) => c.result), ['live', 'live']);
    }
    t += 5_000; // the lab runs the job 5 s after its ok
    for (const a of all) {
      const obs = await slack.verify(a);
      assert.equal(obs.verdict, 'dead');
      assert.deepEqual(obs.checks.map((c) => c.result), ['dead', 'dead']);
    }
    for (const u of users) assert.deepEqual(await attackerCall(lab, u.web.token), { ok: false, error: 'invalid_auth' });

    const before = lab.calls.get('admin.users.session.resetBulk') ?? 0;
    assertCoded(await rejection(client.resetBulk(Array.from({ length: 1_001 }, (_, i) => `W${i}`))), { code: 'ERR_INPUT_INVALID', retryable: false });
    assert.equal(lab.calls.get('admin.users.session.resetBulk') ?? 0, before, 'over 1,000 users is refused before any call');
  });

  it('429 with Retry-After becomes a retryable ERR_PROVIDER_RATE_LIMITED with retryAfterMs, with no hidden retry; 5xx a retryable ERR_PROVIDER_UNAVAILABLE', async () => {
    const lists = () => lab.calls.get('admin.users.session.list') ?? 0;
    const listsAtStart = lists();
    const email = fresh();
    const a = compromise(lab, email);
    const session = one(await discoverAll(email), 'app-session', (x) => x.attributes.sessionId === a.web.id);
    const calls = () => lab.calls.get('admin.users.session.invalidate') ?? 0;

    lab.faults.rateLimit = { count: 1, retryAfterSeconds: 30 };
    let before = calls();
    const e = await rejection(slack.revoke(session));
    assertCoded(e, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
    assert.equal(e.retryAfterMs, 30_000);
    assert.equal(calls() - before, 1, 'one request: the WebClient neither retried nor queued it');
    assert.equal(lab.state.sessions.get(a.web.id)!.ended, false, 'nothing was done');

    lab.faults.failFirst = { count: 1, status: 503 };
    before = calls();
    assertCoded(await rejection(slack.revoke(session)), { code: 'ERR_PROVIDER_UNAVAILABLE', retryable: true });
    assert.equal(calls() - before, 1, 'one request for the 503 too');
    assert.equal((await slack.revoke(session)).status, 'revoked', 'the retry the engine makes succeeds');

    // Tier 2: 20 admin.users.session.list calls a minute per token; the 21st is refused with the rest of the window.
    const other = one(await discoverAll(email), 'app-session');
    while (true) {
      const start = lists();
      const r = await slack.verify(other).then(() => undefined, (err: unknown) => err);
      if (r === undefined) continue;
      assertCoded(r, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
      assert.ok(r.retryAfterMs! > 0 && r.retryAfterMs! <= 60_000, `retryAfterMs within the window: ${r.retryAfterMs}`);
      assert.equal(lists() - start, 1);
      break;
    }
    assert.equal(lists() - listsAtStart, 21, 'refused exactly past the 20 of Tier 2 (discovery included)');
    t += 60_000;
    assert.equal((await slack.verify(other)).verdict, 'live', 'a new window');
  });

  it('pages through a user\'s sessions by response_metadata.next_cursor', async () => {
    const email = fresh();
    const u = lab.state.user(email);
    const ids = Array.from({ length: 45 }, (_, i) => lab.state.signIn(u.id, { teamId: 'T0A', platform: i % 2 ? 'mobile' : 'web' }).id);
    const before = lab.calls.get('admin.users.session.list') ?? 0;
    const found = await slack.discover({ id: u.id, handle: 'x' });
    const sessions = found.filter((x) => x.kind === 'app-session');
    assert.equal(sessions.length, 45);
    assert.deepEqual(sessions.map((x) => x.attributes!.sessionId).sort(), [...ids].sort());
    assert.equal(new Set(found.map((x) => x.externalId)).size, found.length, 'no session twice across pages');
    assert.equal((lab.calls.get('admin.users.session.list') ?? 0) - before, 4, '45 sessions on T0A in pages of 20 (3 calls), and T0B (1 call)');
    assert.equal(one(found.map((x) => toHandle(x)), 'idp-session').attributes.sessions, 45);
  });

  it('without the session token the replay is named unavailable with what it needs, and a leaked key without its value is refused', async () => {
    const email = fresh();
    compromise(lab, email);
    const noValues = await discoverAll(email, false);
    const session = one(noValues, 'app-session');
    assert.equal(session.secret, undefined, 'Slack never returns session tokens');
    await slack.revoke(session);
    const obs = await slack.verify(session);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => c.path), ['admin-relist:admin.users.session.list']);
    assert.deepEqual(obs.unavailable?.map((u) => u.path), ['token-replay:auth.test']);
    assert.match(obs.unavailable![0]!.why, /incident amend <incident> --artifact <artifactId> --value-file <file>/);
    const grade = gradeProof([{ path: 'admin-relist:admin.users.session.list', strength: 'relist', result: 'dead' }], 'replay', [{ ...obs.unavailable![0]!, strength: 'replay' }]);
    assert.equal(grade.verdict, 'unproven');
    assert.deepEqual(grade.wanting?.map((w) => w.path), ['token-replay:auth.test']);

    const key: ArtifactHandle = { kind: 'api-key', externalId: 'sha256:unknown', label: 'a leaked token', attributes: {}, revocable: true };
    assertCoded(await rejection(slack.revoke(key)), { code: 'ERR_VALUE_REQUIRED', retryable: false });
    assertCoded(await rejection(slack.verify(key)), { code: 'ERR_VALUE_REQUIRED', retryable: false });
  });

  it("an xoxc browser token held without its d cookie is never replayed: Slack refuses it alone even while it works, so that refusal is no proof", async () => {
    const email = fresh();
    const { web } = compromise(lab, email);
    const live = one(await discoverAll(email), 'app-session', (a) => Number(a.attributes.sessionId) === web.id);
    const tokenOnly: ArtifactHandle = { ...live, secret: web.token };
    const calls = lab.calls.get('auth.test') ?? 0;
    const before = await slack.verify(tokenOnly);
    assert.equal(lab.calls.get('auth.test') ?? 0, calls, 'no replay was made without the cookie');
    assert.equal(before.verdict, 'live', 'the session is still listed: live');
    assert.match(before.unavailable?.[0]?.why ?? '', /`d` cookie/);
    assert.deepEqual(await attackerCall(lab, web.token).then((r) => r.ok), true, 'the thief, who holds the cookie too, still gets in');
    await slack.revoke(tokenOnly);
    const after = await slack.verify(tokenOnly);
    assert.deepEqual(after.checks.map((c) => [c.path, c.result]), [['admin-relist:admin.users.session.list', 'dead']], 'only the re-list speaks');
    const grade = gradeProof([{ path: 'admin-relist:admin.users.session.list', strength: 'relist', result: 'dead' }], 'replay', (after.unavailable ?? []).map((u) => ({ ...u, strength: 'replay' as const })));
    assert.equal(grade.verdict, 'unproven', 'never dead on a replay that could not have worked');
    const withCookie = await slack.verify(live);
    assert.deepEqual(withCookie.checks.map((c) => [c.path, c.result]), [['admin-relist:admin.users.session.list', 'dead'], ['token-replay:auth.test', 'dead']], 'with the cookie the replay runs and proves it');
  });

  it("bots and the primary owner: Slack's refusals are ERR_NOT_REVOCABLE; a token without admin scopes is ERR_PROVIDER_REJECTED", async () => {
    const client = clientFor(lab);
    const bot = lab.state.user(`bot-${fresh()}`, { isBot: true });
    assertCoded(await rejection(client.reset(bot.id)), { code: 'ERR_NOT_REVOCABLE', retryable: false });
    assert.deepEqual(await slack.discover({ id: bot.id, handle: 'bot' }), [], 'a bot has no sessions');

    const owner = lab.state.user(`owner-${fresh()}`, { isPrimaryOwner: true, isAdmin: true });
    const s = lab.state.signIn(owner.id);
    const found = handles(lab, await slack.discover({ id: owner.id, handle: 'owner' }), owner.id);
    assert.ok(found.length === 2 && found.every((x) => x.revocable === false && x.attributes.primaryOwner === true), 'discovered, but not revocable by an admin');
    assertCoded(await rejection(client.invalidate(owner.id, s.teamId, s.id)), { code: 'ERR_NOT_REVOCABLE' });
    assertCoded(await rejection(slack.revoke({ ...one(found, 'app-session'), revocable: true })), { code: 'ERR_NOT_REVOCABLE' });
    assert.equal(lab.state.sessions.get(s.id)!.ended, false);

    const weak = lab.state.adminToken(`weak-${fresh()}`, { scopes: ['admin.users:read', 'users:read', 'users:read.email'] });
    const e = await rejection(connectorFor(lab, { token: weak.value }).revoke({ ...one(found, 'app-session'), revocable: true }));
    assertCoded(e, { code: 'ERR_PROVIDER_REJECTED', retryable: false });
    assert.equal(e.details.error, 'missing_scope');
    assert.equal(e.details.needed, 'admin.users:write');
  });

  describe('a compromised integration (a Slack app) as the subject', () => {
    const strength: Record<string, ProofStrength> = { [RELIST_BOT]: 'relist', [AUDIT_UNINSTALLED]: 'self-report', [TOKEN_REPLAY]: 'replay' };
    const grade = (obs: { checks: Array<{ path: string; result: 'dead' | 'live' | 'expired' }>; unavailable?: Array<{ path: string; why: string }> }, need: ProofStrength = 'relist') =>
      gradeProof(obs.checks.map((c) => ({ ...c, strength: strength[c.path]! })), need, (obs.unavailable ?? []).map((u) => ({ ...u, strength: strength[u.path]! })));
    const integration = (id: string) => slack.discover({ id, handle: id, type: 'integration' });
    const users = (k: number) => Array.from({ length: k }, () => lab.state.user(fresh()));
    const calls = (m: string) => lab.calls.get(m) ?? 0;

    /** App "shady" on T0A (installed by u0, then authorized by u1, u2) and T0B (u3); app "fine" on T0A for u0, u1. */
    function scene() {
      const [u0, u1, u2, u3] = users(4) as [ReturnType<typeof users>[0], ReturnType<typeof users>[0], ReturnType<typeof users>[0], ReturnType<typeof users>[0]];
      const shady = lab.state.app(`Shady-${n}`);
      const fine = lab.state.app(`Fine-${n}`);
      const onA = [u0, u1, u2].map((u) => lab.state.authorize(shady.id, 'T0A', u.id));
      const onB = lab.state.authorize(shady.id, 'T0B', u3.id);
      const fineTokens = [u0, u1].map((u) => lab.state.authorize(fine.id, 'T0A', u.id));
      t += 2_000; // what follows happens in a later second than the installs
      return { u: [u0, u1, u2, u3], shady, fine, onA, onB, fineTokens };
    }

    it("finds each workspace installation and every user who authorized the app (through the audit log's pages), each naming whom it acts for; another app's are not", async () => {
      const { u, shady, onA, onB } = scene();
      // Other apps' installs fill the audit log: app_installed spans pages of 20.
      const noise = lab.state.app(`Noise-${n}`, { botScopes: [] });
      for (const x of users(25)) lab.state.authorize(noise.id, 'T0B', x.id);
      const before = calls('audit.logs');
      const found = await integration(shady.id);
      assert.ok(calls('audit.logs') - before >= 3, 'app_installed over more than one page, then app_uninstalled');
      const botUser = (i: { installation: { botId?: string } }) => lab.state.bots.get(i.installation.botId!)!.userId;
      assert.deepEqual(found.map((a) => [a.kind, a.externalId, a.attributes!.actsFor]), [
        ['oauth-grant', `app-auth:${shady.id}:T0A:${u[0]!.id}`, u[0]!.id],
        ['oauth-grant', `app-auth:${shady.id}:T0A:${u[1]!.id}`, u[1]!.id],
        ['oauth-grant', `app-auth:${shady.id}:T0A:${u[2]!.id}`, u[2]!.id],
        ['oauth-grant', `app-auth:${shady.id}:T0B:${u[3]!.id}`, u[3]!.id],
        ['oauth-grant', `app-install:${shady.id}:T0A`, botUser(onA[0]!)],
        ['oauth-grant', `app-install:${shady.id}:T0B`, botUser(onB)],
      ]);
      assert.ok(found.every((a) => a.attributes!.appId === shady.id && a.attributes!.appName === shady.name), "only this app's grants");
      assert.deepEqual(found.find((a) => a.attributes!.userId === u[1]!.id)!.dependsOn, [`app-install:${shady.id}:T0A`], "a user's authorization lives inside the workspace installation");
      assert.equal(found.find((a) => a.externalId === `app-install:${shady.id}:T0A`)!.attributes!.installedBy, u[0]!.id);
      assert.deepEqual(await integration(shady.id), found, 'repeatable');
      assert.deepEqual(await integration('A0NOSUCHAPP'), [], 'an app never installed has nothing');
    });

    it('uninstalling from a workspace is acknowledged before it applies: the audit record alone says dead (the paths disagree), then the bot and every token of the app there die; the other workspace and the other app are untouched', async () => {
      const { u, shady, onA, onB, fineTokens } = scene();
      const found = await integration(shady.id);
      const installA = toHandle({ ...one(found, 'oauth-grant', (a) => a.externalId === `app-install:${shady.id}:T0A`), secret: onA[0]!.botToken!.value }, shady.id);

      const out = await slack.revoke(installA);
      assert.deepEqual([out.status, out.method, out.request], ['revoked', UNINSTALL, { method: 'admin.apps.uninstall', app_id: shady.id, team_ids: 'T0A' }]);
      const during = await slack.verify(installA);
      assert.equal(during.verdict, 'live', 'the ok is an acknowledgement: the bot and its token still work');
      assert.deepEqual(during.checks.map((c) => [c.path, c.result]), [[RELIST_BOT, 'live'], [AUDIT_UNINSTALLED, 'dead'], [TOKEN_REPLAY, 'live']]);
      const g = grade(during);
      assert.equal(g.verdict, 'live');
      assert.deepEqual(g.inconsistency?.deadPaths, [AUDIT_UNINSTALLED], "the audit log's word is the weaker path, and it is wrong for now");
      assert.equal((await attackerCall(lab, onA[1]!.userToken!.value)).ok, true);

      t += 5_000; // Slack applies the uninstall
      const after = await slack.verify(installA);
      assert.deepEqual([after.verdict, after.checks.map((c) => [c.path, c.result])], ['dead', [[RELIST_BOT, 'dead'], [AUDIT_UNINSTALLED, 'dead'], [TOKEN_REPLAY, 'dead']]]);
      assert.deepEqual(after.checks[2]!.observed, { ok: false, error: 'token_revoked' });
      assert.deepEqual([grade(after).verdict, grade(after).strength], ['dead', 'replay']);
      for (const tok of [onA[0]!.botToken!, ...onA.map((x) => x.userToken!)]) assert.deepEqual(await attackerCall(lab, tok.value), { ok: false, error: 'token_revoked' });
      for (const tok of [onB.botToken!, onB.userToken!, ...fineTokens.flatMap((x) => [x.userToken!, ...(x.botToken ? [x.botToken] : [])])]) {
        assert.equal((await attackerCall(lab, tok.value)).ok, true, 'the app on T0B and the other app on T0A still work');
      }

      const elsewhere = await slack.verify({ ...installA, secret: onB.botToken!.value });
      assert.match(elsewhere.unavailable?.find((x) => x.path === TOKEN_REPLAY)?.why ?? '', /works on workspace T0B, not T0A/, "a working token of the app on T0B is no evidence about T0A");

      // A user's authorization on T0A died with it: not uninstalled again, proved by its leaked token.
      const u2grant = toHandle({ ...one(found, 'oauth-grant', (a) => a.attributes!.userId === u[2]!.id), secret: onA[2]!.userToken!.value }, shady.id);
      const uninstalls = calls('admin.apps.uninstall');
      const again = await slack.revoke(u2grant);
      assert.equal(again.status, 'already_revoked');
      assert.equal(again.request.precheck, 'bots.info');
      assert.equal(calls('admin.apps.uninstall'), uninstalls, 'nothing sent: the bot reads deleted');
      assert.equal((await slack.verify(u2grant)).verdict, 'dead');
      // The thief's copy of a user token, added by hand: auth.revoke finds it dead already, auth.test proves it.
      const key = leakedKey(onA[1]!.userToken!);
      assert.equal((await slack.revoke(key)).status, 'already_revoked');
      assert.deepEqual((await slack.verify(key)).checks.map((c) => [c.path, c.result, c.observed.error]), [[TOKEN_REPLAY, 'dead', 'token_revoked']]);

      assert.deepEqual((await integration(shady.id)).map((a) => a.externalId), [`app-auth:${shady.id}:T0B:${u[3]!.id}`, `app-install:${shady.id}:T0B`], 'what is left is on T0B');
    });

    it('an app with user scopes only has no bot to re-read: the audit record alone leaves it unproven; a leaked user token of it proves it by replay, a token of another app proves nothing', async () => {
      const [u0, u1] = users(2);
      const app = lab.state.app(`UserOnly-${n}`, { botScopes: [] });
      const held = [u0!, u1!].map((x) => lab.state.authorize(app.id, 'T0A', x.id).userToken!);
      const other = lab.state.authorize(lab.state.app(`Other-${n}`).id, 'T0A', u0!.id).userToken!;
      t += 2_000;
      const found = await integration(app.id);
      assert.deepEqual(found.map((a) => [a.externalId, a.attributes!.botId ?? null]), [[`app-auth:${app.id}:T0A:${u0!.id}`, null], [`app-auth:${app.id}:T0A:${u1!.id}`, null]]);
      const g0 = toHandle(found[0]!, app.id);
      assert.equal((await slack.revoke(g0)).status, 'revoked');
      const second = await slack.revoke(g0);
      assert.deepEqual([second.status, second.request.precheck], ['already_revoked', 'audit log'], 'the recorded uninstall keeps it from being sent twice');
      t += 5_000;
      const bare = await slack.verify(g0);
      assert.deepEqual(bare.checks.map((c) => [c.path, c.result]), [[AUDIT_UNINSTALLED, 'dead']]);
      assert.deepEqual(bare.unavailable?.map((x) => x.path), [RELIST_BOT, TOKEN_REPLAY]);
      const g = grade(bare);
      assert.equal(g.verdict, 'unproven', 'the audit log is only Slack\'s own record of the admin\'s action');
      assert.deepEqual(g.wanting?.map((w) => w.path), [RELIST_BOT, TOKEN_REPLAY]);
      assert.match(bare.unavailable![1]!.why, /incident amend <incident> --artifact <artifactId> --value-file <file>/);

      const wrong = await slack.verify({ ...g0, secret: other.value });
      assert.match(wrong.unavailable?.find((x) => x.path === TOKEN_REPLAY)?.why ?? '', new RegExp(`belongs to app A\\w+, not ${app.id}`));
      assert.ok(!wrong.checks.some((c) => c.path === TOKEN_REPLAY), "another app's working token is no evidence either way");
      const proved = await slack.verify({ ...g0, secret: held[0]!.value });
      assert.deepEqual([proved.verdict, grade(proved).verdict, grade(proved).strength], ['dead', 'dead', 'replay']);
      assert.deepEqual(await attackerCall(lab, held[1]!.value), { ok: false, error: 'token_revoked' }, "u1's authorization on the same workspace ended with it");
    });

    it("refusals are coded: an org-deployed app cannot be uninstalled from one workspace (ERR_NOT_REVOCABLE); the audit log takes only an Org Owner's token; its 429 (Tier 3, for the whole org) carries Retry-After", async () => {
      const [u0] = users(1);
      const org = lab.state.app(`OrgWide-${n}`, { orgDeployed: true });
      lab.state.authorize(org.id, 'T0A', u0!.id);
      t += 2_000;
      const grant = toHandle(one(await integration(org.id), 'oauth-grant', (a) => a.attributes!.grant === 'installation'), org.id);
      const e = await rejection(slack.revoke(grant));
      assertCoded(e, { code: 'ERR_NOT_REVOCABLE', retryable: false });
      assert.match(e.message, /must_revoke_access.*enterprise_id/);
      assert.equal(lab.state.installation(org.id, 'T0A')?.uninstallDueAt, undefined, 'nothing was done');

      const notOwner = lab.state.adminToken(`admin-${fresh()}`, { isOwner: false });
      const asAdmin = connectorFor(lab, { token: notOwner.value });
      const refused = await rejection(asAdmin.discover({ id: org.id, handle: org.id, type: 'integration' }));
      assertCoded(refused, { code: 'ERR_PROVIDER_REJECTED', retryable: false });
      assert.equal(refused.details.error, 'not_an_owner');
      assert.match(refused.message, /auditTokenRef/);
      const withOwner = connectorFor(lab, { token: notOwner.value, auditToken: lab.adminToken });
      assert.equal((await withOwner.discover({ id: org.id, handle: org.id, type: 'integration' })).length, 2, "with an owner's token for the audit log, the admin's token does the rest");

      lab.faults.rateLimit = { count: 1, retryAfterSeconds: 20 };
      const before = calls('audit.logs');
      const limited = await rejection(integration(org.id));
      assertCoded(limited, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
      assert.equal(limited.retryAfterMs, 20_000);
      assert.equal(calls('audit.logs') - before, 1, 'one request, no hidden retry');

      // Tier 3 is counted for the whole org: 50 a minute, whatever token asks.
      t += 61_000;
      const userOnly = lab.state.app(`Quiet-${n}`, { botScopes: [] });
      const start = calls('audit.logs');
      let refusal: unknown;
      while (refusal === undefined) refusal = await rejection(integration(userOnly.id));
      assert.equal(calls('audit.logs') - start, 51);
      assertCoded(refusal, { code: 'ERR_PROVIDER_RATE_LIMITED' });
      assertCoded(await rejection(withOwner.discover({ id: userOnly.id, handle: userOnly.id, type: 'integration' })), { code: 'ERR_PROVIDER_RATE_LIMITED' });
    });
  });

  it("the lab's parameter check catches a missing argument, an unknown method and an undocumented argument", async () => {
    const post = async (method: string, form: Record<string, string>) => {
      const res = await fetch(`${lab.apiUrl}${method}`, { method: 'POST', headers: { authorization: `Bearer ${lab.adminToken}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
      return (await res.json()) as { ok: boolean; error?: string };
    };
    assert.deepEqual(await post('admin.users.session.invalidate', { team_id: 'T0A' }), { ok: false, error: 'invalid_arguments' });
    assert.deepEqual(await post('admin.users.session.nuke', { user_id: 'W1' }), { ok: false, error: 'unknown_method', req_method: 'admin.users.session.nuke' } as never);
    assert.equal((await post('admin.users.session.reset', { user_id: lab.state.user(fresh()).id, everything: 'true' })).ok, true);
    assert.deepEqual(await post('admin.users.session.list', { user_id: 'W1' }), { ok: false, error: 'missing_team' });
    const v = [...lab.violations()];
    lab.clearViolations();
    assert.deepEqual(v, [
      { method: 'admin.users.session.invalidate', errors: ['missing required argument session_id'] },
      { method: 'admin.users.session.nuke', errors: ['admin.users.session.nuke is not a method the lab knows'] },
      { method: 'admin.users.session.reset', errors: ['undocumented argument everything'] },
    ]);
  });
});
