/**
 * Offline attestation checks in `verifyBundle` (docs/evidence.md §6, step 11), on chains built by
 * hand: each way an attestation can fail is named, and the bundle fails with `part: 'attestation'`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { frozenClock } from '../../src/core/clock.ts';
import { buildBundle, verifyBundle, type Entry } from '../../src/ledger/index.ts';
import { verifyAttestations } from '../../src/ledger/verify-attestations.ts';
import { buildChain, carolAttests, incidentSteps, RUNBOOK, SEED_A, signerFromSeed, SUMMARY, T0, type Step } from './support.ts';

const signer = signerFromSeed(SEED_A);
const steps = incidentSteps(signer);
const opened = steps[0]!;
const middle = steps.slice(1, 7);
const signoff = (payload: Step['payload'], actor = 'carol@example.com'): Step => ({ type: 'signoff.recorded', actor, payload });

const check = (s: Step[]) => verifyAttestations(buildChain(signer, s));

test('the sample chain: carol\'s sign-off and closure are verified with her registered key', () => {
  const r = check(steps);
  assert.deepEqual(r.map((a) => [a.type, a.status]), [['signoff.recorded', 'verified'], ['incident.closed', 'verified']]);
  assert.match(r[0]!.keyFingerprint!, /^SHA256:/);
});

test('each way an attestation fails is named', () => {
  const mallory = generateKeyPairSync('ed25519').privateKey;
  const cases: Array<[string, Step[], RegExp]> = [
    ['unsigned', [opened, ...middle, signoff({ role: 'ir-lead', person: 'carol@example.com' })], /typed name/],
    ['another key', [opened, ...middle, signoff((p) => ({ role: 'ir-lead', person: 'carol@example.com', signoff: { attestation: carolAttests(p, 'signoff', 'inc_test', mallory) } }))], /not one of carol@example.com's registered keys/],
    ['another incident', [opened, ...middle, signoff((p) => ({ role: 'ir-lead', person: 'carol@example.com', signoff: { attestation: carolAttests(p, 'signoff', 'inc_other') } }))], /for incident inc_other, not inc_test/],
    ['another role in the entry', [opened, ...middle, signoff((p) => ({ role: 'identity-engineering', person: 'carol@example.com', signoff: { attestation: carolAttests(p, 'signoff') } }))], /role ir-lead, not identity-engineering/],
    ['a head not in the chain', [opened, ...middle, signoff((p) => ({ role: 'ir-lead', person: 'carol@example.com', signoff: { attestation: carolAttests([...p.slice(0, -1), { ...p.at(-1)!, hash: '0'.repeat(64) }], 'signoff') } }))], /not an earlier entry of this chain/],
    ['no runbook recorded', [{ ...opened, payload: (({ runbook: _, ...rest }) => rest)(opened.payload as Record<string, unknown>) }, ...middle, steps[7]!], /no runbook/],
    ['a closure by someone without ir-lead in the runbook in force', [opened, ...middle, { type: 'runbook.recorded', payload: { runbook: { ...RUNBOOK, roles: { ...RUNBOOK.roles, 'ir-lead': ['dave@example.com'] }, keys: { ...RUNBOOK.keys, 'dave@example.com': RUNBOOK.keys['carol@example.com'] } } } }, { type: 'incident.closed', actor: 'carol@example.com', payload: (p) => ({ closer: 'carol@example.com', attestation: carolAttests(p, 'close') }) }], /does not hold ir-lead in the runbook in force/],
  ];
  for (const [name, s, why] of cases) {
    const r = check(s);
    const bad = r.filter((a) => a.status === 'failed' || a.status === 'unsigned');
    assert.equal(bad.length, 1, `${name}: ${JSON.stringify(r)}`);
    assert.match(bad[0]!.reason!, why, name);
  }
});

test('a reopen by Sever itself is reported as system; by a person it must be signed', () => {
  const r = check([...steps, { type: 'incident.reopened', actor: 'sever', payload: { reason: 'revoked token seen again' } }, { type: 'incident.reopened', actor: 'carol@example.com', payload: { reason: 'x' } }]);
  assert.deepEqual(r.slice(2).map((a) => [a.person, a.status]), [['sever', 'system'], ['carol@example.com', 'unsigned']]);
});

test('a bundle with an unsigned sign-off fails at the attestation step, listing every attestation', () => {
  const entries: Entry[] = buildChain(signer, [opened, ...middle, signoff({ role: 'ir-lead', person: 'carol@example.com' }), steps[8]!]);
  const r = verifyBundle(buildBundle(entries, SUMMARY, { clock: frozenClock(T0 + 60_000), signer }));
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.part, 'attestation');
  assert.equal(r.seq, 7);
  assert.deepEqual(r.attestations!.map((a) => a.status), ['unsigned', 'verified'], 'the closure itself is carol\'s, and listed as such');
});
