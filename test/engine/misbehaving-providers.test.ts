/**
 * Providers that misbehave the way their documentation warns: acknowledgements never applied,
 * revocations applied late, rate budgets. The engine must not be fooled and must not overrun.
 */
import { describe, it, before, after } from 'node:test';
import { attest } from '../support/signing.ts';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/core/clock.ts';
import { createMemoryConnector, createMemoryProvider, memoryManifest, type MemoryProvider } from '../../lab/memory/provider.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';
import { assertRateBudgetHeld } from '../support/rate.ts';

describe('misbehaving providers (PGlite)', () => {
  let h: Harness;
  let liar: MemoryProvider;
  let slow: MemoryProvider;
  let limited: MemoryProvider;
  before(async () => {
    liar = createMemoryProvider(systemClock, { ignore: new Set(['rt-lie']) });
    liar.add({ subject: 'alice', kind: 'refresh-token', externalId: 'rt-lie', revocable: true });
    liar.add({ subject: 'alice', kind: 'refresh-token', externalId: 'rt-ok', revocable: true });
    slow = createMemoryProvider(systemClock, { applyDelayMs: 300 });
    slow.add({ subject: 'alice', kind: 'idp-session', externalId: 'sess-slow', revocable: true });
    limited = createMemoryProvider(systemClock);
    for (let i = 0; i < 15; i++) limited.add({ subject: 'alice', kind: 'api-key', externalId: `key-${i}`, revocable: true });
    h = await startHarness('pglite', [
      createMemoryConnector('memory:liar', liar, systemClock, memoryManifest({ verifyPolicy: { pollIntervalMs: 50, deadlineMs: 400 } })),
      createMemoryConnector('memory:slow', slow, systemClock, memoryManifest({ verifyPolicy: { pollIntervalMs: 50, deadlineMs: 3_000 } })),
      createMemoryConnector('memory:limited', limited, systemClock, memoryManifest({ limits: { concurrency: 8, rate: { limit: 8, windowMs: 250 } } })),
    ], systemClock);
  });
  after(async () => h?.close());

  it('an acknowledged but unapplied revocation ends still-live; a late one is proved once it lands; the rate budget holds', async () => {
    const id = await h.engine.openIncident({ subject: { type: 'human', handle: 'alice', identifiers: {} }, actor: 'ida' });
    await h.engine.discover(id, 'ida');
    await h.engine.plan(id, 'ida');
    const s = await h.engine.contain(id, 'eddie');
    assert.equal(s.byStatus['still-live'], 1, JSON.stringify(s.byStatus));
    assert.equal(s.byStatus['verified-dead'], 17);
    assert.ok(liar.works('rt-lie'), 'the provider really kept it alive');
    assert.ok(!slow.works('sess-slow'), 'the late revocation landed and was proved');

    // 8 operations per 250 ms window: each revoke comes with its verification, so at most 4 revokes granted per window.
    await assertRateBudgetHeld(h.conn.db, 'memory:limited', 8, 250, limited.revokeTimes, 2);
    const t = limited.revokeTimes;
    assert.equal(t.length, 15);

    const v = await h.engine.show(id);
    assert.equal(v.state, 'verifying');
    const lie = v.artifacts.find((a) => a.externalId === 'rt-lie')!;
    assert.ok(v.gate.missing.some((m) => m.code === 'STILL_LIVE' && (m as { artifactId?: string }).artifactId === lie.id), JSON.stringify(v.gate.missing));

    // Only the IR lead may accept it, with a reason and a future expiry; then the gate lets it pass.
    await assert.rejects(attest.exception(h.engine, id, lie.id, 'ida', 'provider bug', new Date(Date.now() + 3600_000).toISOString()), { code: 'ERR_EXCEPTION_REFUSED' });
    await assert.rejects(attest.exception(h.engine, id, lie.id, 'irene', '', new Date(Date.now() + 3600_000).toISOString()), { code: 'ERR_INPUT_INVALID' });
    await attest.exception(h.engine, id, lie.id, 'irene', 'vendor ticket 4711: token disabled at the gateway', new Date(Date.now() + 3600_000).toISOString());
    const after = await h.engine.show(id);
    assert.equal(after.state, 'awaiting-signoff');
    assert.ok(!after.gate.missing.some((m) => m.code === 'STILL_LIVE'));

    // Separation of duties: the sole executor (by deeds: her run revoked something) cannot close alone.
    limited.add({ subject: 'nobody', kind: 'api-key', externalId: 'key-of-nobody', revocable: true });
    await attest.signoff(h.engine, id, 'identity-engineering', 'ida');
    await attest.signoff(h.engine, id, 'app-owner:payroll', 'paula');
    await attest.signoff(h.engine, id, 'ir-lead', 'irene');
    const id2 = await h.engine.openIncident({ subject: { type: 'human', handle: 'nobody', identifiers: {} }, actor: 'irene' });
    await h.engine.discover(id2, 'irene');
    await h.engine.plan(id2, 'irene');
    await h.engine.contain(id2, 'irene');
    await attest.signoff(h.engine, id2, 'identity-engineering', 'ida');
    await attest.signoff(h.engine, id2, 'ir-lead', 'irene');
    await assert.rejects(attest.close(h.engine, id2, 'irene'), (e: any) => e.details.missing.some((m: any) => m.code === 'SOLE_EXECUTOR'));
    await attest.close(h.engine, id, 'irene');
    assert.equal((await h.engine.show(id)).state, 'remediated');
  });
});
