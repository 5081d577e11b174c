/**
 * Sign-offs, exceptions, closures and reopens are signed by the person with their own registered
 * key: a typed name, another person's key, an edited statement, a statement for another incident
 * or bound to a head that is not in the chain are all refused, and the refusal is in the ledger.
 * The gate re-checks stored signatures against the runbook's keys now; `evidence verify` checks
 * them offline against the runbook recorded in the chain, and a bundle whose attestation was
 * re-signed by another key (the chain rebuilt with the instance's own key) fails naming it.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createMemoryConnector, createMemoryProvider, type MemoryProvider } from '../../lab/memory/provider.ts';
import { systemClock } from '../../src/core/clock.ts';
import { DEFAULT_POLICY } from '../../src/core/policy.ts';
import { createEngine } from '../../src/engine/create-engine.ts';
import { secretBoxFromKey } from '../../src/engine/secret-box.ts';
import { randomIds } from '../../src/core/clock.ts';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { buildBundle, buildEntry, loadOrCreateKeyFile, verifyBundle, type Entry } from '../../src/ledger/index.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';
import { attest, keyOf, signed, signText, signWith, withKeys } from '../support/signing.ts';

const RUNBOOK_INPUT = {
  version: 1,
  roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene', 'ivan'], responders: ['eddie', 'ida'] },
  applications: [{ name: 'payroll', connectors: ['memory:*'], owners: ['paula'] }],
};
const RUNBOOK = withKeys(RUNBOOK_INPUT);
const ROLES = [['identity-engineering', 'ida'], ['app-owner:payroll', 'paula'], ['ir-lead', 'ivan']] as const;

describe('attestations signed by the person', { timeout: 120_000 }, () => {
  let h: Harness;
  let p: MemoryProvider;
  before(async () => {
    p = createMemoryProvider(systemClock);
    h = await startHarness('pglite', [createMemoryConnector('memory:a', p, systemClock)], systemClock, {}, DEFAULT_POLICY, RUNBOOK);
  });
  after(async () => h?.close());

  const contained = async (subject: string) => {
    p.add({ subject, kind: 'refresh-token', externalId: `${subject}-rt`, revocable: true });
    const id = await h.engine.openIncident({ subject: { type: 'human', handle: subject, identifiers: {} }, actor: 'ida' });
    await h.engine.discover(id, 'ida');
    await h.engine.contain(id, 'eddie');
    return id;
  };
  const ledgerTypes = async (id: string) => ((await h.engine.exportEvidence(id)).entries as Entry[]).map((e) => e.type);

  it('a sign-off signed with another person\'s key, unsigned, edited or for another incident is refused and recorded', async () => {
    const id = await contained('ann');
    const other = await contained('ben');
    const input = { action: 'signoff' as const, person: 'ida', role: 'identity-engineering' };
    // irene signs ida's sign-off with her own (registered) key.
    await assert.rejects(h.engine.signoff(id, await signWith(keyOf('irene'), h.engine, id, input)), { code: 'ERR_ATTESTATION_INVALID', message: /not one of ida's registered keys/ });
    // A key nobody registered.
    await assert.rejects(h.engine.signoff(id, await signWith(generateKeyPairSync('ed25519').privateKey, h.engine, id, input)), { code: 'ERR_ATTESTATION_INVALID', message: /not one of ida's registered keys/ });
    // No signature at all: a typed name.
    await assert.rejects(h.engine.signoff(id, undefined as never), { code: 'ERR_ATTESTATION_INVALID', message: /typed name attests to nothing/ });
    // ida's genuine signature, then the statement edited to another role: the signature no longer covers it.
    const good = await signed(h.engine, id, input);
    const edited = { ...good, statement: good.statement.replace('"identity-engineering"', '"ir-lead"') };
    await assert.rejects(h.engine.signoff(id, edited), { code: 'ERR_ATTESTATION_INVALID', message: /does not verify/ });
    // ida's genuine signature over a statement for another incident.
    await assert.rejects(h.engine.signoff(id, await signed(h.engine, other, input)), { code: 'ERR_ATTESTATION_INVALID', message: new RegExp(`for incident ${other}, not ${id}`) });
    // A statement bound to a ledger head that is not in this chain, signed by ida.
    const forged = JSON.parse(good.statement);
    forged.ledgerHead = { seq: 1, hash: 'f'.repeat(64) };
    const { canonicalize } = await import('../../src/ledger/canonical.ts');
    const text = `${canonicalize(forged)}\n`;
    await assert.rejects(h.engine.signoff(id, { statement: text, signature: signText(keyOf('ida'), text) }), { code: 'ERR_ATTESTATION_INVALID', message: /not an entry of this incident's ledger/ });
    assert.equal((await h.engine.show(id)).signoffs.length, 0, 'nothing counted');
    assert.equal((await ledgerTypes(id)).filter((t) => t === 'signoff.refused').length, 6, 'every refusal is in the ledger');
    // The genuine one counts, with the key that made it.
    await h.engine.signoff(id, good);
    const v = await h.engine.show(id);
    assert.deepEqual(v.signoffs.map((s) => [s.role, s.person]), [['identity-engineering', 'ida']]);
  });

  it('a closure needs the IR lead\'s own signature, bound to the incident as it is now', async () => {
    const id = await contained('cy');
    for (const [role, who] of ROLES) await attest.signoff(h.engine, id, role, who);
    // eddie (a responder with a key) signs a closure as irene with his own key.
    await assert.rejects(h.engine.close(id, await signWith(keyOf('eddie'), h.engine, id, { action: 'close', person: 'irene' })), { code: 'ERR_ATTESTATION_INVALID' });
    await assert.rejects(h.engine.close(id, undefined as never), { code: 'ERR_ATTESTATION_INVALID', message: /typed name/ });
    // irene signs a closure, then the incident changes (a new artifact is found and contained): her closure is stale.
    const early = await signed(h.engine, id, { action: 'close', person: 'irene' });
    p.add({ subject: 'cy', kind: 'refresh-token', externalId: 'cy-late', revocable: true });
    await h.engine.discover(id, 'ida');
    await h.engine.contain(id, 'eddie');
    await assert.rejects(h.engine.close(id, early), (e: any) => e.code === 'ERR_CLOSE_REFUSED' && e.details.missing.some((m: any) => m.code === 'STALE_CLOSURE'));
    for (const [role, who] of ROLES) await attest.signoff(h.engine, id, role, who);
    await attest.close(h.engine, id, 'irene');
    assert.equal((await h.engine.show(id)).state, 'remediated');
    const types = await ledgerTypes(id);
    assert.ok(types.filter((t) => t === 'close.refused').length >= 3, types.join(','));
  });

  it('an exception is the IR lead\'s signed statement; a reopen by a person is signed, by Sever itself is not', async () => {
    const id = await contained('dan');
    p.faults.ignore = new Set(['dan-late']);
    p.add({ subject: 'dan', kind: 'refresh-token', externalId: 'dan-late', revocable: true });
    await h.engine.discover(id, 'ida');
    await h.engine.contain(id, 'eddie');
    p.faults.ignore = undefined;
    const live = (await h.engine.show(id)).artifacts.find((a) => a.status === 'still-live')!;
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    // ida holds no ir-lead: her signed exception is refused by the gate's rule; paula's key for irene's name by the signature.
    await assert.rejects(attest.exception(h.engine, id, live.id, 'ida', 'not hers to give', expiresAt), { code: 'ERR_EXCEPTION_REFUSED' });
    await assert.rejects(h.engine.grantException(id, await signWith(keyOf('paula'), h.engine, id, { action: 'exception', person: 'irene', artifactId: live.id, reason: 'r', expiresAt })), { code: 'ERR_ATTESTATION_INVALID' });
    await attest.exception(h.engine, id, live.id, 'irene', 'vendor ticket 42', expiresAt);
    for (const [role, who] of ROLES) await attest.signoff(h.engine, id, role, who);
    await attest.close(h.engine, id, 'irene');
    await assert.rejects(h.engine.reopen(id, await signWith(keyOf('ida'), h.engine, id, { action: 'reopen', person: 'irene', reason: 'x' }), 'x'), { code: 'ERR_ATTESTATION_INVALID' });
    await attest.reopen(h.engine, id, 'ida', 'a revoked token was seen again');
    assert.equal((await h.engine.show(id)).state, 'reopened');
  });

  it('evidence verify checks every attestation offline; one re-signed by another key fails, naming it, even with the chain rebuilt by the instance key', async () => {
    const id = await contained('eve');
    // paula signs last: what a forger rebuilds from her entry on changes no earlier entry another attestation is bound to.
    for (const [role, who] of [ROLES[0], ROLES[2], ROLES[1]]) await attest.signoff(h.engine, id, role, who);
    const bundle = await h.engine.exportEvidence(id);
    const ok = verifyBundle(bundle);
    assert.equal(ok.ok, true, JSON.stringify(ok));
    if (!ok.ok) return;
    assert.deepEqual(ok.attestations.map((a) => [a.type, a.person, a.status]), [
      ['signoff.recorded', 'ida', 'verified'], ['signoff.recorded', 'ivan', 'verified'], ['signoff.recorded', 'paula', 'verified'],
    ]);
    // An insider with the instance's ledger key replaces paula's sign-off signature with one made by
    // another key over the same statement, and rebuilds and re-signs the whole chain.
    const signer = await loadOrCreateKeyFile(join(h.tdb.dataDir, 'ledger.jwk'));
    const mallory = generateKeyPairSync('ed25519').privateKey;
    const entries = bundle.entries as Entry[];
    const at = entries.findIndex((e) => e.type === 'signoff.recorded' && (e.payload as { person?: string }).person === 'paula');
    const rebuilt: Entry[] = entries.slice(0, at);
    for (const e of entries.slice(at)) {
      const payload = structuredClone(e.payload) as Record<string, any>;
      if (e.type === 'signoff.recorded' && payload.person === 'paula') {
        payload.signoff.attestation.signature = signText(mallory, payload.signoff.attestation.statement);
      }
      rebuilt.push(buildEntry(rebuilt.at(-1), { incidentId: e.incidentId, type: e.type, actor: e.actor, payload }, { clock: { now: () => Date.parse(e.at) }, signer }));
    }
    assert.notEqual(rebuilt[at]!.hash, entries[at]!.hash);
    const forged = buildBundle(rebuilt, bundle.summary, { clock: systemClock, signer });
    const r = verifyBundle(forged, { expectedKeyId: signer.keyId });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.part, 'attestation');
    assert.match(r.reason, /signoff\.recorded by paula for app-owner:payroll\) is failed: signed by key SHA256:\S+, which is not one of paula's registered keys/);
    assert.deepEqual(r.attestations!.filter((a) => a.status !== 'verified').map((a) => a.person), ['paula']);
  });

  it('the gate counts a stored sign-off only while its key is registered to the person', async () => {
    const id = await contained('fay');
    for (const [role, who] of ROLES) await attest.signoff(h.engine, id, role, who);
    // The same store under a runbook that no longer registers paula's key (it was reported stolen): a new key instead.
    const rotated = withKeys({ ...RUNBOOK_INPUT, keys: { paula: [`${(await import('../../src/ledger/ssh-signature.ts')).ed25519PublicLine(generateKeyPairSync('ed25519').publicKey)} paula-new`] } });
    const signer = await loadOrCreateKeyFile(join(h.tdb.dataDir, 'ledger.jwk'));
    const e2 = createEngine({
      conn: h.conn, connectors: [createMemoryConnector('memory:a', p, systemClock)], policy: DEFAULT_POLICY, runbook: rotated, clock: systemClock,
      ids: randomIds((n) => randomBytes(n)), signer, secrets: secretBoxFromKey(randomBytes(32)),
    });
    const missing = (await e2.show(id)).gate.missing;
    assert.deepEqual(missing.map((m) => m.code), ['UNVERIFIED_SIGNOFF', 'MISSING_SIGNOFF']);
    assert.match(missing[0]!.message, /not one of paula's registered keys/);
    assert.deepEqual((await h.engine.show(id)).gate.missing, [], 'under the runbook it was signed with, it counts');
    await e2.stop();
  });
});
