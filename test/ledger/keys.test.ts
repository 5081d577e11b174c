import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey, verify } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { createSigner, generateKeyJwk, jwkThumbprint, loadOrCreateKeyFile, readKeyFile } from '../../src/ledger/index.ts';
import { SEED_A, signerFromSeed } from './support.ts';

const tmp = () => mkdtemp(join(tmpdir(), 'sever-keys-'));

test('RFC 8037 appendix A: key id and signature of the example key', () => {
  const signer = signerFromSeed(SEED_A);
  assert.deepEqual(signer.publicJwk, { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k' });
  assert.equal(signer.keyId, 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  const sig = signer.sign(new TextEncoder().encode('eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc'));
  assert.equal(Buffer.from(sig).toString('base64url'), 'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg');
});

test('key id is the RFC 7638 thumbprint, as jose computes it', async () => {
  for (let i = 0; i < 5; i++) {
    const jwk = generateKeyJwk();
    assert.equal(jwkThumbprint(jwk), await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }, 'sha256'));
    const signer = createSigner(jwk);
    assert.equal(signer.keyId, jwk.kid);
    const msg = new TextEncoder().encode('hello');
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: signer.publicJwk.x }, format: 'jwk' });
    assert.ok(verify(null, msg, pub, signer.sign(msg)));
  }
});

test('createSigner refuses what is not a consistent Ed25519 private JWK', () => {
  const good = generateKeyJwk();
  const other = generateKeyJwk();
  for (const bad of [null, {}, { ...good, crv: 'X25519' }, { ...good, kty: 'EC' }, { ...good, d: undefined }, { ...good, x: other.x, kid: undefined }, { ...good, kid: other.kid }, { ...good, d: 'short' }]) {
    assert.throws(() => createSigner(bad), { code: 'ERR_KEY_INVALID' });
  }
  assert.equal(createSigner({ ...good, kid: undefined, use: 'sig' }).keyId, good.kid);
});

test('loadOrCreateKeyFile creates a 0600 key file once, then loads the same key', async () => {
  const dir = await tmp();
  const path = join(dir, 'nested', 'ledger-key.json');
  const first = await loadOrCreateKeyFile(path);
  assert.equal(first.created, true);
  if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600);
  const stored = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(stored).sort(), ['crv', 'd', 'kid', 'kty', 'x']);
  const second = await loadOrCreateKeyFile(path);
  assert.equal(second.created, false);
  assert.equal(second.keyId, first.keyId);
  assert.equal((await readKeyFile(path)).keyId, first.keyId);
});

test('concurrent creation ends with one key', async () => {
  const path = join(await tmp(), 'k.json');
  const signers = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateKeyFile(path)));
  assert.equal(new Set(signers.map((s) => s.keyId)).size, 1);
  assert.equal(signers.filter((s) => s.created).length, 1);
});

test('a key file that is not an Ed25519 key, or is readable by others, is ERR_KEY_INVALID', async () => {
  const dir = await tmp();
  const cases: [string, string][] = [
    ['garbage.json', 'not json'],
    ['ec.json', JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' })],
    ['x25519.json', JSON.stringify({ ...generateKeyJwk(), crv: 'X25519' })],
    ['public.json', JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: generateKeyJwk().x })],
  ];
  for (const [name, content] of cases) {
    const p = join(dir, name);
    await writeFile(p, content, { mode: 0o600 });
    await assert.rejects(loadOrCreateKeyFile(p), { code: 'ERR_KEY_INVALID' }, name);
  }
  if (process.platform !== 'win32') {
    const p = join(dir, 'open.json');
    await writeFile(p, JSON.stringify(generateKeyJwk()), { mode: 0o600 });
    await chmod(p, 0o644);
    await assert.rejects(loadOrCreateKeyFile(p), (e: Error & { code?: string }) => e.code === 'ERR_KEY_INVALID' && /chmod 600/.test(e.message));
  }
  await assert.rejects(readKeyFile(join(dir, 'missing.json')), { code: 'ERR_KEY_INVALID' });
});
