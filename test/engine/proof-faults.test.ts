/**
 * Provider faults for each grade of proof, through the engine: a provider whose weaker paths lie
 * (self-report or relist say dead while the artifact still works) is caught by the stronger path
 * and recorded as a provider fault; a required path that cannot run leaves the artifact unproven;
 * a policy that accepts a weaker grade says so in the evidence. The provider's truth (does the
 * artifact still work?) is the in-memory provider's; each path answers from it or lies on request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMemoryConnector, createMemoryProvider, memoryManifest, type MemoryProvider } from '../../lab/memory/provider.ts';
import type { Connector, VerifyCheck } from '../../src/connectors/contract.ts';
import { systemClock } from '../../src/core/clock.ts';
import { DEFAULT_POLICY, parsePolicy } from '../../src/core/policy.ts';
import { listLedger } from '../../src/store/repo.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

interface Lies {
  /** Paths that answer dead once a revoke was acknowledged, whatever the truth. */
  lying: Set<string>;
  /** Paths that cannot run (the connector names them as unavailable). */
  unavailable: Set<string>;
}

const PATHS = [
  { path: 'scripted:introspection', strength: 'self-report' },
  { path: 'scripted:relist', strength: 'relist' },
  { path: 'scripted:replay', strength: 'replay' },
] as const;

function scripted(p: MemoryProvider, lies: Lies): Connector {
  const base = createMemoryConnector('memory:s', p, systemClock);
  const acked = new Set<string>();
  const manifest = memoryManifest();
  manifest.artifacts = manifest.artifacts.map((a) => ({ ...a, verify: PATHS.map((x) => ({ ...x })) }));
  manifest.verifyPolicy = { pollIntervalMs: 30, deadlineMs: 600 };
  return {
    ...base,
    manifest,
    async revoke(h) {
      const out = await base.revoke(h);
      acked.add(h.externalId);
      return out;
    },
    async verify(h) {
      const live = p.works(h.externalId);
      const checks: VerifyCheck[] = PATHS.filter((x) => !lies.unavailable.has(x.path)).map((x) => ({
        path: x.path, result: lies.lying.has(x.path) && acked.has(h.externalId) ? 'dead' : live ? 'live' : 'dead', observed: { scripted: true },
      }));
      const unavailable = [...lies.unavailable].map((path) => ({ path, why: `${path} needs something this test withholds` }));
      return { verdict: checks.some((c) => c.result === 'live') ? 'live' : 'dead', checks, ...(unavailable.length ? { unavailable } : {}) };
    },
  };
}

describe('provider faults for each grade of proof', { timeout: 120_000 }, () => {
  const lies: Lies = { lying: new Set(), unavailable: new Set() };
  let p: MemoryProvider;
  let h: Harness;
  let lenient: Harness;
  let n = 0;
  before(async () => {
    p = createMemoryProvider(systemClock);
    h = await startHarness('pglite', [scripted(p, lies)], systemClock);
    const relistEnough = parsePolicy({ ...DEFAULT_POLICY, proof: { rules: [{ id: 'accept-relist', match: { kind: 'refresh-token' }, requires: 'relist', reason: 'test: this provider has no replay path' }], default: 'relist' } });
    lenient = await startHarness('pglite', [scripted(p, lies)], systemClock, {}, relistEnough);
  });
  after(async () => {
    await h?.close();
    await lenient?.close();
  });

  /** One refresh token, contained; `ignore` = the provider acknowledges and applies nothing. */
  async function containOne(harness: Harness, o: { ignore?: boolean; lying?: string[]; unavailable?: string[] }) {
    const subject = `user-${++n}`;
    const externalId = `rt-${n}`;
    p.add({ subject, kind: 'refresh-token', externalId, revocable: true });
    lies.lying = new Set(o.lying ?? []);
    lies.unavailable = new Set(o.unavailable ?? []);
    p.faults.ignore = o.ignore ? new Set([externalId]) : undefined;
    const id = await harness.engine.openIncident({ subject: { type: 'human', handle: subject, identifiers: {} }, actor: 'ida' });
    await harness.engine.discover(id, 'ida');
    await harness.engine.contain(id, 'eddie');
    const [a] = (await harness.engine.show(id)).artifacts;
    const ledger = (await listLedger(harness.conn.db, id)) as Array<{ type: string; payload: any }>;
    return { id, a: a!, ledger, works: p.works(externalId) };
  }

  it('self-report lies (acknowledged, not applied): replay finds it working; still-live with a provider fault', async () => {
    const r = await containOne(h, { ignore: true, lying: ['scripted:introspection'] });
    assert.equal(r.works, true, 'the provider never applied the revocation');
    assert.equal(r.a.status, 'still-live');
    assert.deepEqual(r.ledger.find((e) => e.type === 'provider.fault')?.payload.faults[0].deadPaths, ['scripted:introspection']);
  });

  it('relist lies too: the replay still decides, and both weaker paths are named in the fault', async () => {
    const r = await containOne(h, { ignore: true, lying: ['scripted:introspection', 'scripted:relist'] });
    assert.equal(r.a.status, 'still-live');
    const fault = r.ledger.find((e) => e.type === 'provider.fault')?.payload.faults[0];
    assert.deepEqual(fault.deadPaths, ['scripted:introspection', 'scripted:relist']);
    assert.deepEqual(fault.livePaths, ['scripted:replay']);
  });

  it('a live replay wins even where the policy would accept relist', async () => {
    const r = await containOne(lenient, { ignore: true, lying: ['scripted:introspection', 'scripted:relist'] });
    assert.equal(r.a.status, 'still-live', 'a weaker requirement never overrides a path that found it working');
  });

  it('the replay cannot run: dead by relist alone is unproven where replay is required', async () => {
    const r = await containOne(h, { unavailable: ['scripted:replay'] });
    assert.equal(r.works, false);
    assert.equal(r.a.status, 'unproven');
    assert.equal(r.a.proof?.strength, 'relist');
    assert.deepEqual(r.a.proof?.wanting?.map((w) => w.path), ['scripted:replay']);
  });

  it('lying relist with no replay path: unproven, never verified-dead, though the provider applied nothing', async () => {
    const r = await containOne(h, { ignore: true, lying: ['scripted:introspection', 'scripted:relist'], unavailable: ['scripted:replay'] });
    assert.equal(r.works, true);
    assert.notEqual(r.a.status, 'verified-dead');
    assert.equal(r.a.status, 'unproven');
  });

  it('a policy that accepts relist proves it at relist, and the evidence says which rule lowered it', async () => {
    const r = await containOne(lenient, { unavailable: ['scripted:replay'] });
    assert.equal(r.a.status, 'verified-dead');
    assert.deepEqual([r.a.proof?.strength, r.a.proof?.required], ['relist', 'relist']);
    const plan = r.ledger.find((e) => e.type === 'plan.created')!.payload.plan;
    assert.deepEqual(plan.items[0].proof, { requires: 'relist', ruleId: 'accept-relist' });
  });

  it('a revocation applied late: weaker paths say dead first, the replay catches up, and it ends verified-dead by replay', async () => {
    p.faults.applyDelayMs = 250;
    try {
      const r = await containOne(h, { lying: ['scripted:introspection'] });
      assert.equal(r.a.status, 'verified-dead');
      assert.equal(r.a.proof?.strength, 'replay');
      const observations = r.ledger.filter((e) => e.type === 'verify.observation').flatMap((e) => e.payload.observations);
      assert.ok(observations.some((o: any) => o.providerFault), 'the window where the paths disagreed is on record');
    } finally {
      p.faults.applyDelayMs = undefined;
    }
  });
});
