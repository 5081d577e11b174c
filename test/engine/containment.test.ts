import { describe, it, before, after } from 'node:test';
import { attest } from '../support/signing.ts';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/core/clock.ts';
import { listLedger } from '../../src/store/repo.ts';
import { verifyChain } from '../../src/ledger/index.ts';
import { createMemoryConnector, createMemoryProvider, type MemoryProvider } from '../../lab/memory/provider.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';
import { DRIVERS } from '../support/databases.ts';

for (const driver of DRIVERS) {
  describe(`containment on ${driver}`, () => {
    let h: Harness;
    let p: MemoryProvider;
    before(async () => {
      p = createMemoryProvider(systemClock);
      for (let i = 0; i < 20; i++) p.add({ subject: 'alice', kind: 'refresh-token', externalId: `rt-${i}`, revocable: true, dependsOn: ['grant-1'] });
      p.add({ subject: 'alice', kind: 'oauth-grant', externalId: 'grant-1', revocable: true });
      p.add({ subject: 'bob', kind: 'refresh-token', externalId: 'bob-rt', revocable: true });
      p.faults.rateLimitEvery = 7;
      p.faults.retryAfterMs = 30;
      p.faults.failFirst = 2;
      h = await startHarness(driver, [createMemoryConnector('memory:a', p, systemClock)], systemClock);
      p.add({ subject: 'alice', kind: 'access-token', externalId: 'jwt-1', revocable: false, expiresAt: systemClock.now() + 4000 });
    });
    after(async () => h?.close());

    let id = '';
    it('discovers only the subject\'s live artifacts, once', async () => {
      id = await h.engine.openIncident({ subject: { type: 'human', handle: 'alice', identifiers: {} }, reason: 'phished', actor: 'ida' });
      const r = await h.engine.discover(id, 'ida');
      assert.equal(r.total, 22);
      const again = await h.engine.discover(id, 'ida');
      assert.equal(again.added, 0, 'discover is repeatable without duplicates');
    });

    it('plans by policy, with the non-revocable token as residual exposure', async () => {
      const plan = await h.engine.plan(id, 'ida');
      assert.equal(plan.items.length, 22);
      const jwt = plan.items.find((i) => i.action === 'await-expiry');
      assert.ok(jwt, 'the non-revocable access token waits for expiry');
      assert.equal(plan.residualExposure.length, 1);
    });

    it('refuses to close before containment, listing what is missing', async () => {
      await assert.rejects(attest.close(h.engine, id, 'irene'), (e: any) => {
        assert.equal(e.code, 'ERR_CLOSE_REFUSED');
        const codes = new Set(e.details.missing.map((m: any) => m.code));
        assert.ok(codes.has('MISSING_SIGNOFF'));
        assert.ok(e.details.missing.length >= 22);
        return true;
      });
    });

    it('contains through 429s and 5xx, proves each artifact dead independently, and the residual one expired', async () => {
      const s = await h.engine.contain(id, 'ida');
      assert.equal(s.pendingSteps, 0);
      assert.deepEqual(s.byStatus, { 'verified-dead': 21, 'verified-expired': 1 });
      for (let i = 0; i < 20; i++) assert.equal(p.works(`rt-${i}`), false);
      assert.equal(p.works('bob-rt'), true, 'another subject is untouched');
      const v = await h.engine.show(id);
      assert.equal(v.state, 'awaiting-signoff');
    });

    it('keeps a verifiable signed chain with errors, intents, observations and verdicts', async () => {
      const entries = (await listLedger(h.conn.db, id)) as any[];
      const types = entries.map((e) => e.type);
      for (const t of ['incident.opened', 'artifact.discovered', 'plan.created', 'revoke.intent', 'revoke.error', 'revoke.response', 'verify.observation', 'artifact.verdict']) {
        assert.ok(types.includes(t), `ledger has ${t}`);
      }
      const r = verifyChain(entries, [h.engine.context.ledger.signer.publicJwk]);
      assert.equal(r.ok, true, JSON.stringify(r));
    });

    it('enforces separation of duties and roles at closure', async () => {
      // Someone the runbook registers no key for attests to nothing; a key holder who does not hold the role is refused.
      await assert.rejects(attest.signoff(h.engine, id, 'ir-lead', 'mallory'), { code: 'ERR_ATTESTATION_INVALID', message: /mallory has no registered SSH key/ });
      await assert.rejects(attest.signoff(h.engine, id, 'ir-lead', 'paula'), { code: 'ERR_SIGNOFF_REFUSED' });
      await attest.signoff(h.engine, id, 'identity-engineering', 'ida');
      await attest.signoff(h.engine, id, 'app-owner:payroll', 'paula');
      await assert.rejects(attest.close(h.engine, id, 'irene'), (e: any) => e.details.missing.some((m: any) => m.code === 'MISSING_SIGNOFF' && m.role === 'ir-lead'));
      await attest.signoff(h.engine, id, 'ir-lead', 'irene');
      await attest.close(h.engine, id, 'irene');
      const v = await h.engine.show(id);
      assert.equal(v.state, 'remediated');
      assert.ok(v.artifacts.every((a) => !a.valueHeld));
    });
  });
}
