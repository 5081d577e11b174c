/**
 * SSHSIG signatures, both ways against OpenSSH's own ssh-keygen: what `ssh-keygen -Y sign` writes
 * verifies here (Ed25519 and ECDSA P-256/384/521), what Sever signs verifies with
 * `ssh-keygen -Y verify`, and nothing else verifies: another message, another namespace, another
 * key, a flipped bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ATTESTATION_NAMESPACE, ed25519PublicLine, parseSshPublicKey, parseSshSignature, signSshEd25519, SshFormatError, verifySshSignature,
} from '../../src/ledger/ssh-signature.ts';

const dir = mkdtempSync(join(tmpdir(), 'sever-sshsig-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name: string, type: string, bits?: number): { priv: string; pub: string } {
  const priv = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', `${name}@test`, '-f', priv]);
  return { priv, pub: readFileSync(`${priv}.pub`, 'utf8') };
}

function sshSign(priv: string, message: string, namespace = ATTESTATION_NAMESPACE): string {
  const file = join(dir, `msg-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, message);
  execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', priv, '-n', namespace, file], { stdio: ['ignore', 'ignore', 'pipe'] });
  return readFileSync(`${file}.sig`, 'utf8');
}

for (const [type, bits] of [['ed25519', undefined], ['ecdsa', 256], ['ecdsa', 384], ['ecdsa', 521]] as const) {
  test(`a signature ssh-keygen made with an ${type}${bits ? `-${bits}` : ''} key verifies, and only for its message, namespace and key`, () => {
    const k = keygen(`${type}${bits ?? ''}`, type, bits);
    const other = keygen(`${type}${bits ?? ''}-other`, type, bits);
    const msg = '{"action":"signoff","incidentId":"inc_1"}';
    const sig = parseSshSignature(sshSign(k.priv, msg));
    const pub = parseSshPublicKey(k.pub);
    assert.equal(sig.publicKey.fingerprint, pub.fingerprint);
    // OpenSSH's own fingerprint of the same key.
    assert.ok(execFileSync('ssh-keygen', ['-l', '-f', `${k.priv}.pub`], { encoding: 'utf8' }).includes(pub.fingerprint));
    assert.equal(verifySshSignature(sig, msg, ATTESTATION_NAMESPACE), true);
    assert.equal(verifySshSignature(sig, `${msg} `, ATTESTATION_NAMESPACE), false, 'another message');
    assert.equal(verifySshSignature(sig, msg, 'git'), false, 'another namespace');
    const wrongNs = parseSshSignature(sshSign(k.priv, msg, 'file'));
    assert.equal(verifySshSignature(wrongNs, msg, ATTESTATION_NAMESPACE), false, 'signed in another namespace');
    // The embedded key replaced by another key: the signature no longer verifies.
    const swapped = { ...sig, publicKey: parseSshPublicKey(other.pub) };
    assert.equal(verifySshSignature(swapped, msg, ATTESTATION_NAMESPACE), false, 'another key');
    const flipped = Buffer.from(sig.signature);
    flipped[flipped.length - 5]! ^= 1;
    assert.equal(verifySshSignature({ ...sig, signature: flipped }, msg, ATTESTATION_NAMESPACE), false, 'a flipped bit');
  });
}

test('what Sever signs with an Ed25519 key verifies with ssh-keygen -Y verify and an allowed-signers file', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const msg = 'a statement\n';
  const armored = signSshEd25519(privateKey, msg, ATTESTATION_NAMESPACE);
  const allowed = join(dir, 'allowed_signers');
  writeFileSync(allowed, `irene ${ed25519PublicLine(publicKey)}\n`);
  const sigFile = join(dir, 'sever.sig');
  writeFileSync(sigFile, armored);
  const ok = execFileSync('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'irene', '-n', ATTESTATION_NAMESPACE, '-s', sigFile], { input: msg, encoding: 'utf8' });
  assert.match(ok, /Good "sever-attestation" signature for irene/);
  assert.throws(() => execFileSync('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'irene', '-n', ATTESTATION_NAMESPACE, '-s', sigFile], { input: 'another\n', stdio: 'pipe' }));
  assert.equal(verifySshSignature(parseSshSignature(armored), msg, ATTESTATION_NAMESPACE), true);
});

test('malformed keys and signatures are named, never accepted', () => {
  assert.throws(() => parseSshPublicKey('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== x'), SshFormatError);
  assert.throws(() => parseSshPublicKey('ssh-ed25519'), /expected/);
  assert.throws(() => parseSshPublicKey('ssh-ed25519 !!!'), /base64/);
  assert.throws(() => parseSshSignature('hello'), /armored SSH signature/);
  assert.throws(() => parseSshSignature('-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----'), SshFormatError);
});
