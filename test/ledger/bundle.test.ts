import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frozenClock } from '../../src/core/clock.ts';
import {
  buildBundle,
  buildEntry,
  bundleSigningInput,
  computeEntryHash,
  entrySigningInput,
  formatVerifyResult,
  readBundleFile,
  verifyBundle,
  verifyBundleFile,
  writeBundleFile,
  type BundlePart,
  type BundleRejected,
  type BundleSummary,
  type Entry,
  type EvidenceBundle,
  type Signer,
} from '../../src/ledger/index.ts';
import { SEED_A, SEED_B, SUMMARY, T0, buildChain, clone, incidentSteps, sampleBundle, signerFromSeed } from './support.ts';

const A = signerFromSeed(SEED_A);
const B = signerFromSeed(SEED_B);
const bundle = (): EvidenceBundle => sampleBundle(A);

function resignBundle(b: EvidenceBundle, signer: Signer): EvidenceBundle {
  const unsigned = { ...b, keyId: signer.keyId };
  return { ...unsigned, bundleSig: Buffer.from(signer.sign(bundleSigningInput(unsigned))).toString('base64url') };
}

function resignEntry(e: Entry, signer: Signer): Entry {
  const unsigned = { ...e, keyId: signer.keyId };
  const hash = computeEntryHash(unsigned);
  return { ...unsigned, hash, sig: Buffer.from(signer.sign(entrySigningInput(hash))).toString('base64url') };
}

const flip = (s: string, at = Math.floor(s.length / 2)): string => s.slice(0, at) + (s[at] === 'a' ? 'b' : 'a') + s.slice(at + 1);

interface Expect {
  part: BundlePart;
  index?: number | null;
  seq?: number | null;
  type?: string | null;
  check?: string;
  path?: string;
  code?: string;
}

function assertRejected(input: unknown, expected: Expect, options: Parameters<typeof verifyBundle>[1] = {}): BundleRejected {
  const r = verifyBundle(input, options);
  assert.equal(r.ok, false, 'expected the bundle to be rejected');
  if (r.ok) throw new Error('unreachable');
  const actual: Record<string, unknown> = { part: r.part };
  for (const k of Object.keys(expected)) actual[k] = (r as unknown as Record<string, unknown>)[k];
  assert.deepEqual(actual, { ...expected }, r.reason);
  if (expected.code === undefined) assert.equal(r.code, r.part === 'json' ? 'ERR_BUNDLE_UNREADABLE' : 'ERR_BUNDLE_INVALID');
  return r;
}

test('a bundle verifies as an object, as text and as bytes, pinned or not', () => {
  const b = bundle();
  assert.equal(b.entries.length, 9);
  assert.deepEqual(b.publicKeys, [A.publicJwk]);
  assert.equal(b.headHash, b.entries[8]?.hash);
  assert.equal(b.exportedAt, new Date(T0 + 60_000).toISOString());
  for (const input of [b, JSON.stringify(b), new TextEncoder().encode(JSON.stringify(b, null, 2))]) {
    const r = verifyBundle(input);
    assert.equal(r.ok, true, r.ok ? '' : r.reason);
    if (r.ok) {
      assert.equal(r.pinned, false);
      assert.equal(r.count, 9);
      assert.deepEqual(r.keyIds, [A.keyId]);
    }
  }
  const pinned = verifyBundle(b, { expectedKeyId: A.keyId });
  assert.equal(pinned.ok && pinned.pinned, true);
  assertRejected(b, { part: 'keys', index: null }, { expectedKeyId: B.keyId });
});

test('tamper: one byte of an entry payload names that entry', () => {
  const b = bundle();
  (b.entries[4] as Entry).payload.status = 'revokee';
  assertRejected(b, { part: 'entry', index: 4, seq: 4, type: 'revoke.response', check: 'hash' });
});

test('tamper: one byte of an entry signature', () => {
  const b = bundle();
  (b.entries[3] as Entry).sig = flip((b.entries[3] as Entry).sig);
  assertRejected(b, { part: 'entry', index: 3, seq: 3, type: 'revoke.intent', check: 'signature' });
});

test('tamper: one byte of prevHash', () => {
  const b = bundle();
  (b.entries[5] as Entry).prevHash = flip((b.entries[5] as Entry).prevHash);
  assertRejected(b, { part: 'entry', index: 5, seq: 5, type: 'verify.observation', check: 'prev-hash' });
});

test('tamper: entries reordered', () => {
  const b = bundle();
  [b.entries[2], b.entries[3]] = [b.entries[3] as Entry, b.entries[2] as Entry];
  assertRejected(b, { part: 'entry', index: 2, seq: 3, type: 'revoke.intent', check: 'seq' });
});

test('tamper: the middle entry removed', () => {
  const b = bundle();
  b.entries.splice(4, 1);
  assertRejected(b, { part: 'entry', index: 4, seq: 5, type: 'verify.observation', check: 'seq' });
});

test('tamper: an entry duplicated', () => {
  const b = bundle();
  b.entries.splice(4, 0, clone(b.entries[3] as Entry));
  assertRejected(b, { part: 'entry', index: 4, seq: 3, type: 'revoke.intent', check: 'seq' });
});

test('tamper: the last entry removed (truncated tail) is caught by headHash, then by bundleSig', () => {
  const b = bundle();
  b.entries.pop();
  assertRejected(b, { part: 'head', index: 8, seq: 8, path: 'headHash' });
  b.headHash = (b.entries[7] as Entry).hash;
  assertRejected(b, { part: 'signature', index: null, path: 'bundleSig' });
});

test('tamper: an entry re-signed with a foreign key', () => {
  const b = bundle();
  b.entries[6] = resignEntry(b.entries[6] as Entry, B);
  assertRejected(b, { part: 'entry', index: 6, seq: 6, type: 'artifact.verdict', check: 'key-untrusted' });
  // Adding the foreign key to publicKeys does not help: the chain never announced it.
  b.publicKeys.push(B.publicJwk);
  assertRejected(b, { part: 'entry', index: 6, seq: 6, check: 'key-untrusted' });
});

test('tamper: the bundle re-signed with a foreign key', () => {
  const b = resignBundle(bundle(), B);
  assertRejected(b, { part: 'signature', index: null, path: 'keyId' });
  b.publicKeys.push(B.publicJwk);
  assertRejected(resignBundle(b, B), { part: 'keys', path: 'publicKeys[1]' });
});

test('a bundle forged end to end with another key is self-consistent, and rejected at seq 0 once pinned', () => {
  const forged = sampleBundle(B);
  const r = verifyBundle(forged);
  assert.equal(r.ok && !r.pinned, true);
  assert.match(formatVerifyResult(r), /NOT pinned/);
  assertRejected(forged, { part: 'keys' }, { expectedKeyId: A.keyId });
  forged.publicKeys.push(A.publicJwk);
  assertRejected(forged, { part: 'entry', index: 0, seq: 0, type: 'incident.opened', check: 'key-untrusted' }, { expectedKeyId: A.keyId });
});

test('tamper: one byte of the summary, or of the header', () => {
  let b = bundle();
  (b.summary.artifacts[0] as { status: string }).status = 'verified-expired';
  assertRejected(b, { part: 'signature', index: null, path: 'bundleSig' });
  b = bundle();
  b.summary.note = 'x';
  assertRejected(b, { part: 'signature', index: null });
  b = bundle();
  b.exportedAt = b.exportedAt.replace('12:01:00', '12:02:00');
  assertRejected(b, { part: 'signature', index: null });
  b = bundle();
  b.incidentId = 'inc_tesu';
  assertRejected(b, { part: 'envelope', path: 'incidentId' });
});

test('tamper: one byte of a public key', () => {
  let b = bundle();
  (b.publicKeys[0] as { x: string }).x = flip(A.publicJwk.x, 10);
  assertRejected(b, { part: 'keys', path: 'publicKeys[0].kid' });
  b = bundle();
  // A consistent replacement key: the chain's opening entry is then signed by a key not in the bundle.
  b.publicKeys[0] = B.publicJwk;
  assertRejected(b, { part: 'entry', index: 0, seq: 0, check: 'key-untrusted' });
});

test('garbage, truncated or non-UTF-8 files are ERR_BUNDLE_UNREADABLE', () => {
  const text = JSON.stringify(bundle());
  for (const input of ['', 'not json', text.slice(0, text.length / 2), `${text}}`, new Uint8Array([0x7b, 0xff, 0x7d])]) {
    assertRejected(input, { part: 'json', code: 'ERR_BUNDLE_UNREADABLE', index: null });
  }
  assertRejected('{}', { part: 'envelope', code: 'ERR_BUNDLE_INVALID' });
  assertRejected('[]', { part: 'envelope' });
  assertRejected(JSON.stringify({ ...bundle(), version: 2 }), { part: 'envelope', path: 'version' });
  assertRejected(JSON.stringify({ ...bundle(), extra: true }), { part: 'envelope' });
});

test('lone surrogates anywhere are rejected, never thrown', () => {
  const text = JSON.stringify(bundle());
  assertRejected(text.replace('"state":"remediated"', '"state":"remediated","x":"\\ud800"'), { part: 'envelope', path: 'summary.x' });
  assertRejected(text.replace('"actor":"carol@example.com"', '"actor":"carol\\udc00"'), { part: 'entry', index: 7, seq: 7, check: 'schema' });
  assertRejected(text.replace('"reason":"phished"', '"reason":"\\ud800"'), { part: 'entry', index: 0, check: 'schema' });
  assertRejected(text.replace('"incidentId":"inc_test"', '"incidentId":"\\ud800"'), { part: 'envelope' });
});

test('every single-byte change of a bundle file is detected', () => {
  const bytes = new TextEncoder().encode(JSON.stringify(bundle()));
  assert.equal(verifyBundle(bytes).ok, true);
  for (let i = 0; i < bytes.length; i++) {
    const copy = bytes.slice();
    copy[i] = (copy[i] as number) ^ 0x01;
    assert.equal(verifyBundle(copy).ok, false, `byte ${i} (${String.fromCharCode(bytes[i] as number)})`);
  }
});

test('the summary must agree with the chain', () => {
  const steps = incidentSteps(A);
  // No verdict, no sign-off, no closure.
  const open = buildChain(A, steps.slice(0, 6));
  const ctx = { clock: frozenClock(T0 + 60_000), signer: A };
  assert.throws(() => buildBundle(open, SUMMARY, ctx), { code: 'ERR_BUNDLE_INVALID' });
  const ok: BundleSummary = { state: 'verifying', artifacts: [{ id: 'art_1', kind: 'refresh-token', connector: 'oidc:main', status: 'revoked' }], signoffs: [] };
  const b = buildBundle(open, ok, ctx);
  assert.equal(verifyBundle(b).ok, true);

  const lie = (summary: BundleSummary, expected: Expect) => assertRejected(resignBundle({ ...b, summary }, A), expected);
  lie({ ...ok, artifacts: [{ ...ok.artifacts[0], status: 'verified-dead' } as never] }, { part: 'summary', path: 'summary.artifacts[0].status', index: null });
  lie({ ...ok, artifacts: [...ok.artifacts, { id: 'art_9', kind: 'api-key', connector: 'x:y', status: 'discovered' }] }, { part: 'summary', path: 'summary.artifacts[1].id' });
  lie({ ...ok, artifacts: [ok.artifacts[0], ok.artifacts[0]] as never }, { part: 'summary', path: 'summary.artifacts[1].id' });
  lie({ ...ok, state: 'remediated' }, { part: 'summary', path: 'summary.state', index: null });
  lie({ ...ok, signoffs: [{ role: 'ir-lead', person: 'mallory@example.com' }] }, { part: 'summary', path: 'summary.signoffs[0]' });
  lie({ state: 'verifying' } as never, { part: 'summary', path: 'summary.artifacts' });

  // A closed chain whose summary says otherwise, and a verdict that contradicts the summary.
  const closed = bundle();
  assertRejected(resignBundle({ ...closed, summary: { ...SUMMARY, state: 'verifying' } }, A), { part: 'summary', path: 'summary.state', index: 8, seq: 8, type: 'incident.closed' });
  assertRejected(resignBundle({ ...closed, summary: { ...SUMMARY, artifacts: [{ ...SUMMARY.artifacts[0], status: 'verified-expired' } as never] } }, A), {
    part: 'summary',
    path: 'summary.artifacts[0].status',
    index: 6,
    seq: 6,
    type: 'artifact.verdict',
  });
});

test('batched observations and verdicts count like single ones', () => {
  const steps = incidentSteps(A);
  const batched = steps.map((s) =>
    s.type === 'verify.observation'
      ? { ...s, payload: { observations: [s.payload, { artifactId: 'art_2', error: { code: 'ERR_PROVIDER_UNAVAILABLE' } }] } }
      : s.type === 'artifact.verdict'
        ? { ...s, payload: { verdicts: [{ artifactId: 'art_0', verdict: 'still-live' }, s.payload] } }
        : s,
  );
  const entries = buildChain(A, batched);
  const ctx = { clock: frozenClock(T0 + 60_000), signer: A };
  assert.equal(verifyBundle(buildBundle(entries, SUMMARY, ctx)).ok, true);
  assert.throws(() => buildBundle(entries, { ...SUMMARY, artifacts: [{ ...SUMMARY.artifacts[0], status: 'verified-expired' } as never] }, ctx), { code: 'ERR_BUNDLE_INVALID' });
  assert.throws(() => buildChain(A, [...steps.slice(0, 5), { type: 'artifact.verdict', payload: { verdicts: [] } }]), { code: 'ERR_RECORD_INVALID' });
  assert.throws(() => buildChain(A, [...steps.slice(0, 5), { type: 'verify.observation', payload: { observations: [{ artifactId: 'a' }] } }]), { code: 'ERR_RECORD_INVALID' });
});

test('buildBundle refuses a broken chain and a signer the chain never announced', () => {
  const entries = buildChain(A, incidentSteps(A));
  (entries[2] as Entry).payload.plan = {};
  assert.throws(() => buildBundle(entries, SUMMARY, { clock: frozenClock(T0), signer: A }), { code: 'ERR_LEDGER_BROKEN' });
  assert.throws(() => buildBundle(buildChain(A, incidentSteps(A)), SUMMARY, { clock: frozenClock(T0), signer: B }), { code: 'ERR_KEY_INVALID' });
  assert.throws(() => buildBundle([], SUMMARY, { clock: frozenClock(T0), signer: A }), { code: 'ERR_LEDGER_BROKEN' });
});

test('a rotated key exports and verifies, pinned to the opening key', () => {
  const clock = frozenClock(T0 + 10_000);
  const entries = buildChain(A, incidentSteps(A).slice(0, 2));
  entries.push(buildEntry(entries.at(-1), { incidentId: 'inc_test', type: 'key.announced', actor: 'sever', payload: { publicKey: B.publicJwk } }, { clock, signer: A }));
  entries.push(buildEntry(entries.at(-1), { incidentId: 'inc_test', type: 'plan.created', actor: 'sever', payload: { plan: {} } }, { clock, signer: B }));
  const summary: BundleSummary = { state: 'planned', artifacts: [], signoffs: [] };
  const b = buildBundle(entries, summary, { clock, signer: B });
  assert.deepEqual(b.publicKeys, [A.publicJwk, B.publicJwk]);
  const r = verifyBundle(b, { expectedKeyId: A.keyId });
  assert.equal(r.ok, true);
  if (r.ok) assert.deepEqual(r.keyIds, [A.keyId, B.keyId]);
  assert.equal(verifyBundle(b).ok, true);
  assertRejected(b, { part: 'entry', index: 0, seq: 0, check: 'key-untrusted' }, { expectedKeyId: B.keyId });
  assert.equal(verifyBundle(b, { expectedKeyId: [A.keyId, B.keyId] }).ok, true);
  // A key listed in publicKeys that the chain never announced is refused.
  const extra = resignBundle({ ...b, publicKeys: [...b.publicKeys, signerFromSeed('11'.repeat(32)).publicJwk] }, B);
  assertRejected(extra, { part: 'keys', path: 'publicKeys[2]' });
});

test('bundle files: atomic write, read, verify; re-indenting does not matter', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sever-bundle-'));
  const path = join(dir, 'inc_test.evidence.json');
  await writeBundleFile(path, bundle());
  const r = verifyBundle(await readBundleFile(path), { expectedKeyId: A.keyId });
  assert.equal(r.ok, true);
  await writeFile(path, JSON.stringify(JSON.parse(await readFile(path, 'utf8')), null, 7));
  assert.equal((await verifyBundleFile(path)).ok, true);
  await writeFile(path, (await readFile(path, 'utf8')).replace('"revoked"', '"REVOKED"'));
  const bad = await verifyBundleFile(path);
  assert.equal(!bad.ok && bad.index, 4);
  const missing = await verifyBundleFile(join(dir, 'missing.json'));
  assert.equal(!missing.ok && missing.code, 'ERR_BUNDLE_UNREADABLE');
  await assert.rejects(readBundleFile(join(dir, 'missing.json')), { code: 'ERR_BUNDLE_UNREADABLE' });
  // Missing folders are created; a folder that cannot exist (a file is in the way) is an error.
  await writeBundleFile(join(dir, 'new', 'folder', 'b.json'), bundle());
  await assert.rejects(writeBundleFile(join(dir, 'new', 'folder', 'b.json', 'x.json'), bundle()), { code: 'ERR_FILE_WRITE' });
});

test('formatVerifyResult names the first bad entry', () => {
  const ok = formatVerifyResult(verifyBundle(bundle(), { expectedKeyId: A.keyId }));
  assert.match(ok, /^Evidence bundle for incident inc_test verifies\./);
  assert.match(ok, /entries: 9 \(seq 0\.\.8\)/);
  assert.match(ok, /pinned to the expected key/);
  assert.match(ok, /state remediated; 1 artifact\(s\) \(1 verified-dead\); 1 sign-off\(s\)/);
  const b = bundle();
  (b.entries[4] as Entry).payload.status = 'revokee';
  const text = formatVerifyResult(verifyBundle(b));
  assert.match(text, /^Evidence bundle does NOT verify \(ERR_BUNDLE_INVALID\)\./);
  assert.match(text, /first bad entry: #4 \(seq 4, revoke\.response\)/);
  assert.match(text, /changed after it was signed/);
  assert.match(formatVerifyResult(verifyBundle('garbage')), /ERR_BUNDLE_UNREADABLE/);
});
