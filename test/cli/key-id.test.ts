/**
 * Pinning the key: `evidence key-id` computes the instance's key id offline from its .jwk, and
 * `evidence verify --key-id` with it refuses a bundle that someone re-signed end to end with
 * another key (which verifies without the pin).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateKeyFile } from '../../src/ledger/index.ts';
import { tempDir } from '../support/databases.ts';
import { sampleBundle, SEED_A, SEED_B, signerFromSeed } from '../ledger/support.ts';
import { runMain, withFake } from './support.ts';

describe('evidence key-id and pinned verification', () => {
  let dir: string;
  before(() => {
    dir = tempDir('sever-keyid-');
  });

  it('prints the RFC 7638 thumbprint of <data-dir>/ledger-ed25519.jwk, or of a given file (even a copy readable by others)', async () => {
    const signer = await loadOrCreateKeyFile(join(dir, 'ledger-ed25519.jwk'));
    const r = await runMain(['-d', dir, 'evidence', 'key-id']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${signer.keyId}\n`);
    const copy = join(dir, 'copy.jwk');
    copyFileSync(join(dir, 'ledger-ed25519.jwk'), copy);
    chmodSync(copy, 0o644);
    const j = await runMain(['evidence', 'key-id', copy, '--json']);
    assert.deepEqual(j.json(), { keyId: signer.keyId, path: copy });
  });

  it('refuses what is not an Ed25519 JWK, naming the path (exit 2)', async () => {
    const missing = await runMain(['evidence', 'key-id', join(dir, 'none.jwk')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /none\.jwk: no ledger key there/);
    const junk = join(dir, 'junk.jwk');
    writeFileSync(junk, '{"kty":"RSA","n":"x"}');
    assert.match((await runMain(['evidence', 'key-id', junk])).stderr, /junk\.jwk: is not an Ed25519 JWK/);
    assert.match((await runMain(['evidence', 'key-id', dir])).stderr, /is a directory/);
  });

  it('a bundle re-signed end to end with another key verifies unpinned, and fails pinned to the instance key', async () => {
    const A = signerFromSeed(SEED_A);
    const B = signerFromSeed(SEED_B);
    const genuine = join(dir, 'genuine.json');
    const forged = join(dir, 'forged.json');
    writeFileSync(genuine, JSON.stringify(sampleBundle(A)));
    writeFileSync(forged, JSON.stringify(sampleBundle(B)));
    assert.equal((await runMain(['evidence', 'verify', genuine, '--key-id', A.keyId])).code, 0);
    const unpinned = await runMain(['evidence', 'verify', forged]);
    assert.equal(unpinned.code, 0, 'intact and self-consistent, so unpinned it verifies');
    assert.match(unpinned.stdout, /NOT pinned/);
    const pinned = await runMain(['--json', 'evidence', 'verify', forged, '--key-id', A.keyId]);
    assert.equal(pinned.code, 1);
    assert.equal(pinned.json().error.code, 'ERR_BUNDLE_INVALID');
  });

  it('evidence export names the key and the pinned verify command', async () => {
    const A = signerFromSeed(SEED_A);
    const out = join(dir, 'exported.json');
    const r = await runMain(['evidence', 'export', 'inc_test', '-o', out], withFake({ exportEvidence: async () => sampleBundle(A) }));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`sever evidence verify ${out} --key-id ${A.keyId}`), r.stdout);
    const bad = await runMain(['evidence', 'export', 'inc_test', '-o', join(dir, 'no', 'such', 'dir', 'x.json')], withFake({ exportEvidence: async () => sampleBundle(A) }));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--out .*x\.json: the directory .*dir does not exist/);
    const isDir = await runMain(['evidence', 'export', 'inc_test', '-o', dir], withFake({ exportEvidence: async () => sampleBundle(A) }));
    assert.match(isDir.stderr, /^error ERR_INPUT_INVALID: --out .*: is a directory/);
  });
});
