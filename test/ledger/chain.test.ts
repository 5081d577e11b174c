import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frozenClock } from '../../src/core/clock.ts';
import {
  GENESIS_PREV_HASH,
  buildEntry,
  computeEntryHash,
  entrySigningInput,
  parseEntry,
  verifyChain,
  type ChainCheck,
  type Entry,
  type Signer,
} from '../../src/ledger/index.ts';
import { SEED_A, SEED_B, T0, buildChain, clone, incidentSteps, signerFromSeed } from './support.ts';

const A = signerFromSeed(SEED_A);
const B = signerFromSeed(SEED_B);
const chain = (): Entry[] => buildChain(A, incidentSteps(A));

/** Re-hash and re-sign an entry, as someone holding `signer` could. */
function resign(e: Entry, signer: Signer): Entry {
  const unsigned = { ...e, keyId: signer.keyId };
  const hash = computeEntryHash(unsigned);
  return { ...unsigned, hash, sig: Buffer.from(signer.sign(entrySigningInput(hash))).toString('base64url') };
}

/** Changes one character of a string (keeping base64url/hex alphabets valid). */
function flip(s: string, at = Math.floor(s.length / 2)): string {
  const c = s[at];
  const r = c === 'a' ? 'b' : 'a';
  return s.slice(0, at) + r + s.slice(at + 1);
}

function assertBroken(entries: readonly unknown[], index: number, seq: number | null, check: ChainCheck, trusted = [A.publicJwk]): void {
  const r = verifyChain(entries, trusted);
  assert.equal(r.ok, false, 'expected the chain to be rejected');
  if (r.ok) return;
  assert.deepEqual({ index: r.index, seq: r.seq, check: r.check }, { index, seq, check }, r.reason);
  assert.equal(r.code, 'ERR_LEDGER_BROKEN');
}

test('a built chain verifies and links every entry to the previous one', () => {
  const entries = chain();
  assert.equal(entries.length, 9);
  entries.forEach((e, i) => {
    assert.equal(e.seq, i);
    assert.equal(e.prevHash, i === 0 ? GENESIS_PREV_HASH : entries[i - 1]?.hash);
    assert.equal(e.hash, computeEntryHash(e));
    assert.equal(e.at, new Date(T0 + i * 1000).toISOString());
    assert.deepEqual(parseEntry(JSON.parse(JSON.stringify(e))), e);
  });
  const r = verifyChain(entries, [A.publicJwk]);
  assert.deepEqual(r, { ok: true, count: 9, headHash: entries[8]?.hash, keys: [A.publicJwk] });
  assert.deepEqual(verifyChain([], [A.publicJwk]), { ok: true, count: 0, headHash: GENESIS_PREV_HASH, keys: [] });
});

test('entries survive a JSON round trip with members in any order (as jsonb returns them)', () => {
  const shuffled = chain().map((e) => {
    const o = JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(o).reverse());
  });
  assert.equal(verifyChain(shuffled, [A.publicJwk]).ok, true);
});

test('tamper: one byte of a payload string', () => {
  const e = chain();
  (e[4] as Entry).payload.status = 'revokee';
  assertBroken(e, 4, 4, 'hash');
});

test('tamper: one byte of a payload number, of at, of actor, of the hash itself', () => {
  let e = chain();
  (e[4] as Entry).payload.responseStatus = 201;
  assertBroken(e, 4, 4, 'hash');
  e = chain();
  (e[2] as Entry).at = (e[2] as Entry).at.replace('12:00:02', '12:00:03');
  assertBroken(e, 2, 2, 'hash');
  e = chain();
  (e[7] as Entry).actor = 'carol@example.org';
  assertBroken(e, 7, 7, 'hash');
  e = chain();
  (e[3] as Entry).hash = flip((e[3] as Entry).hash);
  assertBroken(e, 3, 3, 'hash');
});

test('tamper: one byte of a signature', () => {
  const e = chain();
  (e[3] as Entry).sig = flip((e[3] as Entry).sig);
  assertBroken(e, 3, 3, 'signature');
});

test('tamper: one byte of prevHash', () => {
  const e = chain();
  (e[5] as Entry).prevHash = flip((e[5] as Entry).prevHash);
  assertBroken(e, 5, 5, 'prev-hash');
});

test('tamper: two entries swapped', () => {
  const e = chain();
  [e[2], e[3]] = [e[3] as Entry, e[2] as Entry];
  assertBroken(e, 2, 3, 'seq');
});

test('tamper: the middle entry dropped', () => {
  const e = chain();
  e.splice(4, 1);
  assertBroken(e, 4, 5, 'seq');
});

test('tamper: the first entry dropped', () => {
  const e = chain();
  e.shift();
  assertBroken(e, 0, 1, 'seq');
});

test('tamper: an entry duplicated', () => {
  const e = chain();
  e.splice(4, 0, clone(e[3] as Entry));
  assertBroken(e, 4, 3, 'seq');
});

test('tamper: an entry renumbered and relinked, but not re-signed', () => {
  const e = chain();
  e.splice(4, 1);
  for (let i = 4; i < e.length; i++) {
    const x = e[i] as Entry;
    x.seq = i;
    x.prevHash = (e[i - 1] as Entry).hash;
    x.hash = computeEntryHash(x);
  }
  assertBroken(e, 4, 4, 'signature');
});

test('tamper: an entry re-signed with a foreign key', () => {
  const e = chain();
  e[6] = resign(e[6] as Entry, B);
  assertBroken(e, 6, 6, 'key-untrusted');
  // Trusting the foreign key is not enough: the chain never announced it.
  assertBroken(e, 6, 6, 'key-unannounced', [A.publicJwk, B.publicJwk]);
});

test('tamper: a whole chain forged with a foreign key fails at seq 0 for a verifier trusting the real key', () => {
  const forged = buildChain(B, incidentSteps(B));
  assertBroken(forged, 0, 0, 'key-untrusted');
  assert.equal(verifyChain(forged, [B.publicJwk]).ok, true);
});

test('tamper: an entry of another incident spliced in', () => {
  const e = chain();
  const other = buildChain(A, incidentSteps(A), 'inc_other');
  e[3] = other[3] as Entry;
  assertBroken(e, 3, 3, 'incident');
});

test('tamper: time going backwards, even when re-signed', () => {
  const e = chain();
  e[5] = resign({ ...(e[5] as Entry), at: new Date(T0).toISOString() }, A);
  assertBroken(e, 5, 5, 'time');
});

test('garbage entries are schema failures naming the entry', () => {
  let e: unknown[] = chain();
  e[2] = 'garbage';
  assertBroken(e, 2, null, 'schema');
  e = chain();
  (e[2] as Record<string, unknown>).extra = 1;
  assertBroken(e, 2, 2, 'schema');
  e = chain();
  (e[6] as Entry).payload.verdict = 'probably-dead';
  assertBroken(e, 6, 6, 'schema');
  e = chain();
  (e[1] as Record<string, unknown>).type = 'incident.opened';
  assertBroken(e, 1, 1, 'schema');
  e = chain();
  (e[0] as Entry).payload.publicKey = { ...B.publicJwk };
  assertBroken(e, 0, 0, 'schema');
});

test('key rotation endorsed by the old key verifies from the old key alone', () => {
  const clock = frozenClock(T0);
  const ctxA = { clock, signer: A };
  const e: Entry[] = buildChain(A, incidentSteps(A).slice(0, 3));
  e.push(buildEntry(e.at(-1), { incidentId: 'inc_test', type: 'key.announced', actor: 'sever', payload: { publicKey: B.publicJwk } }, ctxA));
  e.push(buildEntry(e.at(-1), { incidentId: 'inc_test', type: 'revoke.intent', actor: 'sever', payload: { artifactId: 'art_1' } }, { clock, signer: B }));
  const r = verifyChain(e, [A.publicJwk]);
  assert.equal(r.ok, true);
  if (r.ok) assert.deepEqual(r.keys.map((k) => k.kid), [A.keyId, B.keyId]);
  // Trust does not flow backwards: the new key alone does not vouch for the opening entry.
  assertBroken(e, 0, 0, 'key-untrusted', [B.publicJwk]);
});

test('a key that announces itself is trusted only when the verifier trusts it', () => {
  const clock = frozenClock(T0 + 60_000);
  const e: Entry[] = buildChain(A, incidentSteps(A).slice(0, 3));
  e.push(buildEntry(e.at(-1), { incidentId: 'inc_test', type: 'key.announced', actor: 'sever', payload: { publicKey: B.publicJwk } }, { clock, signer: B }));
  e.push(buildEntry(e.at(-1), { incidentId: 'inc_test', type: 'revoke.intent', actor: 'sever', payload: { artifactId: 'art_1' } }, { clock, signer: B }));
  assertBroken(e, 3, 3, 'key-untrusted');
  assert.equal(verifyChain(e, [A.publicJwk, B.publicJwk]).ok, true);
});

test('buildEntry: a new key must be announced before it signs', () => {
  const e = buildChain(A, incidentSteps(A).slice(0, 2));
  assert.throws(() => buildEntry(e.at(-1), { incidentId: 'inc_test', type: 'plan.created', actor: 'sever', payload: {} }, { clock: frozenClock(T0), signer: B }), { code: 'ERR_KEY_INVALID' });
});

test('buildEntry: the chain opens with incident.opened carrying the signer key, and only there', () => {
  const ctx = { clock: frozenClock(T0), signer: A };
  assert.throws(() => buildEntry(undefined, { incidentId: 'i', type: 'plan.created', actor: 'sever', payload: {} }, ctx), { code: 'ERR_RECORD_INVALID' });
  assert.throws(() => buildEntry(undefined, { incidentId: 'i', type: 'incident.opened', actor: 'sever', payload: {} }, ctx), { code: 'ERR_KEY_INVALID' });
  assert.throws(() => buildEntry(undefined, { incidentId: 'i', type: 'incident.opened', actor: 'sever', payload: { publicKey: B.publicJwk } }, ctx), { code: 'ERR_KEY_INVALID' });
  const first = buildEntry(undefined, { incidentId: 'i', type: 'incident.opened', actor: 'sever', payload: { publicKey: A.publicJwk } }, ctx);
  assert.throws(() => buildEntry(first, { incidentId: 'i', type: 'incident.opened', actor: 'sever', payload: { publicKey: A.publicJwk } }, ctx), { code: 'ERR_RECORD_INVALID' });
  assert.throws(() => buildEntry(first, { incidentId: 'j', type: 'plan.created', actor: 'sever', payload: {} }, ctx), { code: 'ERR_RECORD_INVALID' });
});

test('buildEntry: times never go backwards, even when the clock does', () => {
  const clock = frozenClock(T0 + 5000);
  const first = buildEntry(undefined, { incidentId: 'i', type: 'incident.opened', actor: 'sever', payload: { publicKey: A.publicJwk } }, { clock, signer: A });
  clock.set(T0);
  const second = buildEntry(first, { incidentId: 'i', type: 'plan.created', actor: 'sever', payload: {} }, { clock, signer: A });
  assert.equal(second.at, first.at);
  assert.equal(verifyChain([first, second], [A.publicJwk]).ok, true);
});

test('buildEntry: validates the previous entry read from the store', () => {
  const e = chain();
  const last = clone(e[8] as Entry);
  last.payload.reason = 'changed in the database';
  assert.throws(() => buildEntry(last, { incidentId: 'inc_test', type: 'incident.reopened', actor: 'sever', payload: {} }, { clock: frozenClock(T0), signer: A }), { code: 'ERR_LEDGER_BROKEN' });
  assert.throws(() => buildEntry({ ...e[8], kind: 'other' } as never, { incidentId: 'inc_test', type: 'incident.reopened', actor: 'sever', payload: {} }, { clock: frozenClock(T0), signer: A }), { code: 'ERR_RECORD_INVALID' });
});

test('buildEntry: payload rules, JSON-only payloads and the secret guard', () => {
  const [first] = chain();
  const ctx = { clock: frozenClock(T0 + 10_000), signer: A };
  const add = (type: Parameters<typeof buildEntry>[1]['type'], payload: Record<string, unknown>) => buildEntry(first, { incidentId: 'inc_test', type, actor: 'sever', payload }, ctx);
  assert.throws(() => add('nonsense' as never, {}), { code: 'ERR_RECORD_INVALID' });
  assert.throws(() => add('artifact.verdict', { artifactId: 'a' }), (e: Error & { code?: string }) => e.code === 'ERR_RECORD_INVALID' && /payload\.verdict/.test(e.message));
  assert.throws(() => add('verify.observation', { artifactId: 'a', observedHash: 'ABC' }), { code: 'ERR_RECORD_INVALID' });
  assert.throws(() => add('verify.observation', { artifactId: 'a' }), { code: 'ERR_RECORD_INVALID' });
  assert.ok(add('verify.observation', { artifactId: 'a', error: { code: 'ERR_PROVIDER_UNAVAILABLE' } }));
  assert.throws(() => add('artifact.discovered', { artifacts: [] }), { code: 'ERR_RECORD_INVALID' });
  assert.throws(() => add('signoff.recorded', { role: 'ir-lead' }), { code: 'ERR_RECORD_INVALID' });
  assert.throws(() => add('plan.created', { at: undefined }), { code: 'ERR_CANONICAL_JSON' });
  assert.throws(() => add('plan.created', { n: Number.NaN }), { code: 'ERR_CANONICAL_JSON' });
  for (const secretish of [
    { token: 'abc' },
    { nested: [{ client_secret: 'abc' }] },
    { Authorization: 'x' },
    { note: 'Bearer abcdefghijklmnop' },
    { value: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib2IifQ.sig' },
    { key: '-----BEGIN PRIVATE KEY-----\nMC4CAQ' },
    { jwk: { kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' } },
    { s: 'nul\u0000' },
  ]) {
    assert.throws(() => add('plan.created', secretish), { code: 'ERR_RECORD_INVALID' }, JSON.stringify(secretish));
  }
  assert.ok(add('plan.created', { secretHash: 'ab'.repeat(32), token: null, tokenId: 'tok_1' }));
});

test('buildEntry copies the payload: later changes by the caller do not break the entry', () => {
  const payload = { publicKey: { ...A.publicJwk }, list: [1] };
  const e = buildEntry(undefined, { incidentId: 'i', type: 'incident.opened', actor: 'sever', payload }, { clock: frozenClock(T0), signer: A });
  payload.list.push(2);
  assert.equal(verifyChain([e], [A.publicJwk]).ok, true);
});
