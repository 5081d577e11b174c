import { test } from 'node:test';
import { attest } from '../support/signing.ts';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/core/clock.ts';
import { listLedger } from '../../src/store/repo.ts';
import { createMemoryConnector, createMemoryProvider, memoryManifest } from '../../lab/memory/provider.ts';
import { startHarness } from '../support/engine-harness.ts';

test('verify re-proves what was still live once the provider catches up; a closed incident reopens with an alert', async () => {
  const p = createMemoryProvider(systemClock, { ignore: new Set(['rt-1']) });
  p.add({ subject: 'alice', kind: 'refresh-token', externalId: 'rt-1', revocable: true });
  p.add({ subject: 'alice', kind: 'idp-session', externalId: 's-1', revocable: true });
  const h = await startHarness('pglite', [createMemoryConnector('memory:a', p, systemClock, memoryManifest({ verifyPolicy: { pollIntervalMs: 30, deadlineMs: 150 } }))], systemClock);
  try {
    const id = await h.engine.openIncident({ subject: { type: 'human', handle: 'alice', identifiers: {} }, actor: 'ida' });
    await h.engine.discover(id, 'ida');
    await h.engine.plan(id, 'ida');
    const first = await h.engine.contain(id, 'eddie');
    assert.deepEqual(first.byStatus, { 'still-live': 1, 'verified-dead': 1 });
    assert.equal((await h.engine.show(id)).state, 'verifying');

    // The provider finally applies it (e.g. Entra's "few minutes"); re-verification proves it, nothing is revoked again.
    p.artifacts.get('rt-1')!.deadAt = systemClock.now();
    const revokesBefore = p.calls.revoke;
    const again = await h.engine.verify(id, 'ida');
    assert.deepEqual(again.byStatus, { 'verified-dead': 2 });
    assert.equal(p.calls.revoke, revokesBefore, 'verify never revokes');
    assert.equal((await h.engine.show(id)).state, 'awaiting-signoff');

    for (const [role, who] of [['identity-engineering', 'ida'], ['app-owner:payroll', 'paula'], ['ir-lead', 'irene']] as const) await attest.signoff(h.engine, id, role, who);
    await attest.close(h.engine, id, 'irene');
    await assert.rejects(attest.signoff(h.engine, id, 'ir-lead', 'irene'), { code: 'ERR_SIGNOFF_REFUSED' });
    await h.engine.reopen(id, 'sever', 'revoked refresh token rt-1 presented again', { artifactExternalId: 'rt-1', seenAt: new Date().toISOString() });
    const v = await h.engine.show(id);
    assert.equal(v.state, 'reopened');
    const types = ((await listLedger(h.conn.db, id)) as Array<{ type: string }>).map((e) => e.type);
    assert.deepEqual(types.slice(-4), ['incident.closed', 'signoff.refused', 'alert.raised', 'incident.reopened'], 'a refused sign-off is evidence too');
    await assert.rejects(h.engine.reopen(id, 'sever', 'twice'), { code: 'ERR_ILLEGAL_TRANSITION' });
  } finally {
    await h.close();
  }
});
