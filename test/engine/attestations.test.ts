/**
 * Attestations bound to what they attest, and separation of duties by deeds: sign-offs name the
 * ledger head they saw and go stale when the incident changes; nobody signs before containment
 * settles; exceptions are bound to the artifact's status; the executors are the people whose runs
 * changed provider state; nobody outside the runbook acts.
 */
import assert from 'node:assert/strict';
import { attest, withKeys } from '../support/signing.ts';
import { after, before, describe, it } from 'node:test';
import { createMemoryConnector, createMemoryProvider, type MemoryProvider } from '../../lab/memory/provider.ts';
import { systemClock } from '../../src/core/clock.ts';
import { DEFAULT_POLICY } from '../../src/core/policy.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

const RUNBOOK = withKeys({
  version: 1,
  roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene', 'ivan'], responders: ['eddie', 'irene', 'ida'] },
  applications: [{ name: 'payroll', connectors: ['memory:*'], owners: ['paula'] }],
});

describe('attestations and deeds', { timeout: 120_000 }, () => {
  let h: Harness;
  let p: MemoryProvider;
  before(async () => {
    p = createMemoryProvider(systemClock);
    h = await startHarness('pglite', [createMemoryConnector('memory:a', p, systemClock)], systemClock, {}, DEFAULT_POLICY, RUNBOOK);
  });
  after(async () => h?.close());

  const incidentWith = async (subject: string, n = 3) => {
    for (let i = 0; i < n; i++) p.add({ subject, kind: 'refresh-token', externalId: `${subject}-rt-${i}`, revocable: true });
    const id = await h.engine.openIncident({ subject: { type: 'human', handle: subject, identifiers: {} }, actor: 'ida' });
    await h.engine.discover(id, 'ida');
    return id;
  };
  const codes = async (id: string, closer = 'irene') => {
    try {
      await attest.close(h.engine, id, closer);
      return [];
    } catch (e: any) {
      assert.equal(e.code, 'ERR_CLOSE_REFUSED');
      return e.details.missing.map((m: any) => m.code) as string[];
    }
  };

  it('a person the runbook does not know cannot act, and only responders contain', async () => {
    await assert.rejects(h.engine.openIncident({ subject: { type: 'human', handle: 'x', identifiers: {} }, actor: 'mallory' }), { code: 'ERR_ACTOR_REFUSED' });
    const id = await incidentWith('carl', 1);
    await assert.rejects(h.engine.contain(id, 'paula'), { code: 'ERR_ACTOR_REFUSED', message: /not a responder/ });
    await assert.rejects(h.engine.contain(id, 'mallory'), { code: 'ERR_ACTOR_REFUSED' });
    await assert.rejects(h.engine.discover(id, 'nobody'), { code: 'ERR_ACTOR_REFUSED' });
  });

  it('sign-offs are refused before containment has settled, and bound to the ledger head after', async () => {
    const id = await incidentWith('dora');
    await assert.rejects(attest.signoff(h.engine, id, 'identity-engineering', 'ida'), { code: 'ERR_SIGNOFF_REFUSED', message: /cannot be signed off yet/ });
    await h.engine.contain(id, 'eddie');
    await attest.signoff(h.engine, id, 'identity-engineering', 'ida');
    const view = await h.engine.show(id);
    const s = view.signoffs.find((x) => x.role === 'identity-engineering')!;
    assert.equal(s.stale, false);
    assert.equal(s.ledgerSeq, view.ledger.entries - 2, 'it names the head before its own entry');
  });

  it('a change after a sign-off (an artifact amended, a new one contained) makes it stale; signing again counts', async () => {
    const id = await incidentWith('emma');
    await h.engine.contain(id, 'eddie');
    for (const [role, who] of [['identity-engineering', 'ida'], ['app-owner:payroll', 'paula'], ['ir-lead', 'ivan']] as const) await attest.signoff(h.engine, id, role, who);
    const [first] = (await h.engine.show(id)).artifacts;
    await h.engine.amendArtifact(id, { artifactId: first!.id, attributes: { note: 'seen in the phishing kit' }, actor: 'ida' });
    const stale = await codes(id);
    assert.deepEqual(stale, ['STALE_SIGNOFF', 'STALE_SIGNOFF', 'STALE_SIGNOFF']);
    assert.ok((await h.engine.show(id)).signoffs.every((x) => x.stale));
    for (const [role, who] of [['identity-engineering', 'ida'], ['app-owner:payroll', 'paula'], ['ir-lead', 'ivan']] as const) await attest.signoff(h.engine, id, role, who);
    assert.deepEqual(await codes(id), []);
    assert.equal((await h.engine.show(id)).state, 'remediated');
  });

  it('a reopen and new containment make earlier sign-offs stale', async () => {
    const id = await incidentWith('finn', 1);
    await h.engine.contain(id, 'eddie');
    for (const [role, who] of [['identity-engineering', 'ida'], ['app-owner:payroll', 'paula'], ['ir-lead', 'ivan']] as const) await attest.signoff(h.engine, id, role, who);
    await attest.close(h.engine, id, 'irene');
    await attest.reopen(h.engine, id, 'irene', 'a revoked token was used again');
    p.add({ subject: 'finn', kind: 'refresh-token', externalId: 'finn-late', revocable: true });
    await h.engine.discover(id, 'ida');
    await h.engine.contain(id, 'eddie');
    assert.deepEqual(await codes(id), ['STALE_SIGNOFF', 'STALE_SIGNOFF', 'STALE_SIGNOFF'], 'sign-offs from before the reopen do not count');
  });

  it('exceptions are refused for proved or in-flight artifacts and go stale when the artifact moves on', async () => {
    const id = await incidentWith('gina', 2);
    p.faults.ignore = new Set(['gina-rt-1']);
    await h.engine.contain(id, 'eddie');
    p.faults.ignore = undefined;
    const arts = (await h.engine.show(id)).artifacts;
    const dead = arts.find((a) => a.status === 'verified-dead')!;
    const live = arts.find((a) => a.status === 'still-live')!;
    assert.ok(dead && live, JSON.stringify(arts.map((a) => a.status)));
    await assert.rejects(attest.exception(h.engine, id, dead.id, 'irene', 'no', new Date(Date.now() + 3_600_000).toISOString()), { code: 'ERR_EXCEPTION_REFUSED', message: /already proved/ });
    await attest.exception(h.engine, id, live.id, 'irene', 'accepted while the provider investigates', new Date(Date.now() + 3_600_000).toISOString());
    for (const [role, who] of [['identity-engineering', 'ida'], ['app-owner:payroll', 'paula'], ['ir-lead', 'ivan']] as const) await attest.signoff(h.engine, id, role, who);
    const gate = async () => (await h.engine.show(id)).gate.missing.map((m) => m.code);
    assert.deepEqual(await gate(), [], 'the exception counts while the artifact is as it was');
    // Contained again and still live: a new verdict for it, so the exception and the sign-offs are stale.
    p.faults.ignore = new Set([live.externalId]);
    await h.engine.contain(id, 'eddie');
    p.faults.ignore = undefined;
    const after = (await h.engine.show(id)).artifacts.find((a) => a.id === live.id)!;
    assert.equal(after.status, 'still-live');
    const missing = await gate();
    assert.ok(missing.includes('STALE_SIGNOFF'), missing.join(','));
  });

  it('executors are counted by deeds: a second run that revoked nothing adds nobody', async () => {
    const id = await incidentWith('hugo');
    await h.engine.contain(id, 'irene');
    await h.engine.contain(id, 'eddie'); // nothing left to revoke
    assert.deepEqual((await h.engine.show(id)).executors, ['irene']);
    for (const [role, who] of [['identity-engineering', 'ida'], ['app-owner:payroll', 'paula'], ['ir-lead', 'ivan']] as const) await attest.signoff(h.engine, id, role, who);
    assert.deepEqual(await codes(id, 'irene'), ['SOLE_EXECUTOR'], 'the only person who revoked cannot close, whoever else ran contain');
    assert.deepEqual(await codes(id, 'ivan'), []);
  });
});

describe('incident amend', { timeout: 60_000 }, () => {
  it('adds attributes and a value once, hashes binary values as bytes, and refuses a different value', async () => {
    const p = createMemoryProvider(systemClock);
    const h = await startHarness('pglite', [createMemoryConnector('memory:a', p, systemClock)], systemClock, {}, DEFAULT_POLICY, RUNBOOK);
    try {
      p.add({ subject: 'ivy', kind: 'api-key', externalId: 'key-1', revocable: true });
      const id = await h.engine.openIncident({ subject: { type: 'human', handle: 'ivy', identifiers: {} }, actor: 'ida' });
      await h.engine.discover(id, 'ida');
      const [a] = (await h.engine.show(id)).artifacts;
      const bytes = new Uint8Array([0xff, 0x00, 0x80]);
      const r = await h.engine.amendArtifact(id, { artifactId: a!.id, value: bytes, attributes: { owner: 'billing' }, actor: 'ida' });
      assert.equal(r.valueAdded, true);
      const after = (await h.engine.show(id)).artifacts[0]!;
      assert.equal(after.valueHeld, true);
      const { createHash } = await import('node:crypto');
      assert.equal(after.valueHash, createHash('sha256').update(bytes).digest('hex'), 'hashed as the raw bytes');
      await assert.rejects(h.engine.amendArtifact(id, { artifactId: a!.id, value: 'another', actor: 'ida' }), { code: 'ERR_INPUT_INVALID', message: /already has a value, and this one differs/ });
      await assert.rejects(h.engine.amendArtifact(id, { artifactId: a!.id, attributes: { valueEncoding: 'x' }, actor: 'ida' }), { code: 'ERR_INPUT_INVALID' });
      await assert.rejects(h.engine.amendArtifact(id, { artifactId: a!.id, attributes: { x: '1' }, actor: 'mallory' }), { code: 'ERR_ACTOR_REFUSED' });
    } finally {
      await h.close();
    }
  });
});
