/**
 * Containing one tier at a time: the immediate kills now, the scheduled rotations once their
 * owners agree. What is not contained yet stays planned, still works, and the gate lists it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMemoryConnector, createMemoryProvider, memoryManifest, type MemoryProvider } from '../../lab/memory/provider.ts';
import { systemClock } from '../../src/core/clock.ts';
import { DEFAULT_POLICY, parsePolicy } from '../../src/core/policy.ts';
import { listLedger } from '../../src/store/repo.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

describe('contain --tier (PGlite)', () => {
  let h: Harness;
  let p: MemoryProvider;
  before(async () => {
    p = createMemoryProvider(systemClock);
    p.add({ subject: 'svc', kind: 'idp-session', externalId: 'sess-1', revocable: true });
    p.add({ subject: 'svc', kind: 'refresh-token', externalId: 'rt-1', revocable: true });
    p.add({ subject: 'svc', kind: 'api-key', externalId: 'key-1', revocable: true });
    const policy = parsePolicy({
      ...DEFAULT_POLICY,
      rules: [{ id: 'keys-with-owners', match: { kind: 'api-key' }, tier: 'scheduled-rotation', reason: 'The billing team rotates its key with us.' }, ...DEFAULT_POLICY.rules],
    });
    h = await startHarness('pglite', [createMemoryConnector('memory:m', p, systemClock, memoryManifest())], systemClock, {}, policy);
  });
  after(async () => h?.close());

  it('contains the immediate tier first and the scheduled rotation later; the gate lists what waits', async () => {
    const id = await h.engine.openIncident({ subject: { type: 'service-account', handle: 'svc', identifiers: {} }, actor: 'ida' });
    await h.engine.discover(id, 'ida');
    await h.engine.plan(id, 'ida');
    await assert.rejects(h.engine.contain(id, 'eddie', undefined, { tiers: ['urgent' as never] }), { code: 'ERR_INPUT_INVALID', message: /--tier urgent: expected one of immediate, scheduled-rotation, post-incident-validation/ });

    const first = await h.engine.contain(id, 'eddie', undefined, { tiers: ['immediate'] });
    assert.deepEqual(first.byStatus, { 'verified-dead': 2, planned: 1 });
    assert.equal(p.works('key-1'), true, 'the scheduled rotation has not happened yet');
    const v = await h.engine.show(id);
    assert.equal(v.state, 'verifying');
    const key = v.artifacts.find((a) => a.externalId === 'key-1')!;
    assert.ok(v.gate.missing.some((m) => m.code === 'MISSING_EVIDENCE' && (m as { artifactId?: string }).artifactId === key.id), JSON.stringify(v.gate.missing));

    const second = await h.engine.contain(id, 'eddie', undefined, { tiers: ['scheduled-rotation'] });
    assert.deepEqual(second.byStatus, { 'verified-dead': 3 });
    assert.equal(p.works('key-1'), false);
    assert.equal((await h.engine.show(id)).state, 'awaiting-signoff');
    const intents = ((await listLedger(h.conn.db, id)) as Array<{ type: string; payload: any }>).filter((e) => e.type === 'revoke.intent');
    assert.deepEqual(intents.map((e) => [e.payload.tiers, e.payload.revoke.length]), [[['immediate'], 2], [['scheduled-rotation'], 1]], 'the evidence says which tier each run contained');
  });
});
