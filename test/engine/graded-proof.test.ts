/**
 * Graded proof, end to end through the engine and the real oauth connector against the lab IdP
 * (npm oidc-provider), including a provider whose introspection lies: a closure must never rest on
 * the provider's own opinion of a token that can be replayed.
 */
import assert from 'node:assert/strict';
import { attest } from '../support/signing.ts';
import { after, afterEach, before, describe, it } from 'node:test';
import { startLabIdp, type LabIdp } from '../../lab/idp/start.ts';
import { resolveSecretRef } from '../../src/config/secret-ref.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { oauthConnector, oauthSettings } from '../../src/connectors/oauth/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { listLedger } from '../../src/store/repo.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

function oauthFor(lab: LabIdp, settings: Record<string, unknown> = {}): Connector {
  const env = { SEVER_SECRET: lab.sever.clientSecret, APP_SECRET: lab.clients.app!.clientSecret };
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: (ref) => resolveSecretRef(ref, env) };
  const c = oauthConnector.create('oauth:lab', oauthSettings.parse({
    issuer: lab.issuer, clientId: lab.sever.clientId, clientSecretRef: 'env:SEVER_SECRET', clientSecrets: { app: 'env:APP_SECRET' }, timeoutMs: 3_000, ...settings,
  }), deps);
  // Short verification deadline: a lying provider is reported still-live within the test.
  return { ...c, manifest: { ...c.manifest, verifyPolicy: { pollIntervalMs: 100, deadlineMs: 1_500 } }, revoke: c.revoke, verify: c.verify, discover: c.discover };
}

describe('graded proof through the engine', { timeout: 120_000 }, () => {
  let lab: LabIdp;
  let h: Harness;

  before(async () => {
    lab = await startLabIdp();
    h = await startHarness('pglite', [oauthFor(lab)], systemClock);
  });
  afterEach(() => lab.faults.clear());
  after(async () => {
    await h.close();
    await lab.close();
  });

  const refreshToken = async (user: string) => (await lab.mint({ user, clientId: 'app', offline: true })).grants[0]!.refreshTokens[0]!;
  const artifactOf = async (id: string, artifactId: string) => (await h.engine.show(id)).artifacts.find((a) => a.id === artifactId)!;
  const entries = async (id: string, type: string) => ((await listLedger(h.conn.db, id)) as Array<{ type: string; payload: any }>).filter((e) => e.type === type);

  it('introspection alone never proves a refresh token dead: without its client it is unproven, and the gate says what would prove it', async () => {
    const id = await h.engine.openIncident({ subject: { type: 'human', handle: 'alice', identifiers: {} }, actor: 'ida' });
    const artifactId = await h.engine.addArtifact(id, { connector: 'oauth:lab', kind: 'refresh-token', value: await refreshToken('alice'), actor: 'ida' });
    // The provider acknowledges the revocation, applies nothing, and its introspection says inactive: it lies twice.
    lab.faults.set({ ackWithoutApply: { count: Infinity }, introspectionInactive: true });
    await h.engine.contain(id, 'eddie');
    const a = await artifactOf(id, artifactId);
    assert.equal(a.status, 'unproven', 'never verified-dead on introspection alone');
    assert.equal(a.proof?.strength, 'self-report');
    assert.equal(a.proof?.required, 'replay');
    assert.deepEqual(a.proof?.wanting?.map((w) => w.path), ['refresh-replay']);
    const view = await h.engine.show(id);
    const item = view.gate.missing.find((m) => m.code === 'UNPROVEN');
    assert.ok(item, 'the gate lists it as unproven');
    assert.match(item.message, /only self-report proof.*requires replay.*--attribute clientId=<client>/);
    await assert.rejects(attest.close(h.engine, id, 'irene'), { code: 'ERR_CLOSE_REFUSED' });
    const [verdict] = (await entries(id, 'artifact.verdict')).flatMap((e) => e.payload.verdicts);
    assert.deepEqual([verdict.verdict, verdict.strength, verdict.required], ['unproven', 'self-report', 'replay']);
    assert.match(verdict.reason, /clientId/);

    // Naming its client makes the replay possible: the token still refreshes, the paths disagree.
    await h.engine.amendArtifact(id, { artifactId, attributes: { clientId: 'app' }, actor: 'ida' });
    await h.engine.verify(id, 'ida');
    const b = await artifactOf(id, artifactId);
    assert.equal(b.status, 'still-live', 'introspection inactive while the replay works: live');
    assert.match(b.proof?.providerFault ?? '', /rfc7662-introspection \(self-report\) said dead while refresh-replay \(replay\) found it working/);
    const faults = await entries(id, 'provider.fault');
    assert.ok(faults.length >= 1, 'the contradiction is recorded as a provider fault');
    assert.deepEqual(faults[0]!.payload.faults[0].livePaths, ['refresh-replay']);
    const replays = (await entries(id, 'verify.observation')).flatMap((e) => e.payload.observations).flatMap((o: any) => o.checks ?? []).filter((c: any) => c.path === 'refresh-replay' && c.result === 'live');
    assert.ok(replays.length > 0 && replays.every((c: any) => c.observed.minted >= 1 && c.observed.mintedRevoked === true), 'tokens a working replay minted are revoked at once, and the evidence says so');
    const still = (await h.engine.show(id)).gate.missing.find((m) => m.code === 'STILL_LIVE');
    assert.match(still?.message ?? '', /Provider fault/);
  });

  it('a refresh token with its client is proved dead by replay, and the strength is recorded', async () => {
    const id = await h.engine.openIncident({ subject: { type: 'human', handle: 'bob', identifiers: {} }, actor: 'ida' });
    const artifactId = await h.engine.addArtifact(id, { connector: 'oauth:lab', kind: 'refresh-token', value: await refreshToken('bob'), attributes: { clientId: 'app' }, actor: 'ida' });
    await h.engine.contain(id, 'eddie');
    const a = await artifactOf(id, artifactId);
    assert.equal(a.status, 'verified-dead');
    assert.equal(a.proof?.strength, 'replay');
    assert.deepEqual(a.proof?.paths.map((p) => [p.path, p.strength, p.result]), [['rfc7662-introspection', 'self-report', 'dead'], ['refresh-replay', 'replay', 'dead']]);
    const bundle = await h.engine.exportEvidence(id);
    const listed = (bundle.summary.artifacts as Array<{ id: string; proof?: { strength: string } }>).find((x) => x.id === artifactId);
    assert.equal(listed?.proof?.strength, 'replay', 'the bundle summary carries the strength');
  });

  it('an access token with no userinfo endpoint to call is unproven, naming the missing endpoint', async () => {
    const bare = oauthFor(lab, { issuer: undefined, revocationEndpoint: lab.endpoints.revocation, introspectionEndpoint: lab.endpoints.introspection });
    const h2 = await startHarness('pglite', [bare], systemClock);
    try {
      const id = await h2.engine.openIncident({ subject: { type: 'human', handle: 'carol', identifiers: {} }, actor: 'ida' });
      const m = await lab.mint({ user: 'carol', clientId: 'app', session: true, offline: false });
      const artifactId = await h2.engine.addArtifact(id, { connector: 'oauth:lab', kind: 'access-token', value: m.grants[0]!.accessTokens[0]!, actor: 'ida' });
      await h2.engine.contain(id, 'eddie');
      const a = (await h2.engine.show(id)).artifacts.find((x) => x.id === artifactId)!;
      assert.equal(a.status, 'unproven');
      assert.match(a.proof?.wanting?.[0]?.why ?? '', /userinfoEndpoint/);
    } finally {
      await h2.close();
    }
  });
});
