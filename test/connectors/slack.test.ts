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
import { systemClock } from '../../src/core/clock.ts';
import type { ArtifactHandle, DiscoveredArtifact } from '../../src/core/model.ts';
import { gradeProof } from '../../src/core/proof.ts';
import { assertCoded, one, rejection, runConnectorConformance, toHandle } from '../conformance/connector-conformance.ts';

const NAME = 'slack:lab';

function connectorFor(lab: LabSlack, o: { apiUrl?: string; token?: string } = {}): Connector {
  const env = { SLACK_TOKEN: o.token ?? lab.adminToken };
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: (ref) => resolveSecretRef(ref, env) };
  return slackConnector.create(NAME, slackSettings.parse({ slackApiUrl: o.apiUrl ?? lab.apiUrl, tokenRef: 'env:SLACK_TOKEN', timeoutMs: 3_000 }), deps);
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

runConnectorConformance({
  name: NAME,
  async setup() {
    const lab = await startLabSlack();
    const connector = connectorFor(lab);
    const subject = { id: 'alice@lab.test', handle: 'alice@lab.test' };
    return {
      connector, subject,
      async makeArtifacts() {
        const { user, appToken } = compromise(lab, 'alice@lab.test');
        return [...handles(lab, await connector.discover(subject), user.id), leakedKey(appToken)];
      },
      async makeNonRevocable() {
        const owner = lab.state.user('owner@lab.test', { isPrimaryOwner: true, isAdmin: true });
        lab.state.signIn(owner.id);
        return one(handles(lab, await connector.discover({ id: owner.id, handle: 'owner' }), owner.id), 'app-session');
      },
      unreachable: () => connectorFor(lab, { apiUrl: 'http://127.0.0.1:1/api/' }),
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
    lab = await startLabSlack({ now: () => t, maxPageSize: 20, bulkDelayMs: 5_000 } satisfies LabSlackOptions);
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
