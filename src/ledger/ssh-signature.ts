/**
 * OpenSSH signatures over a message (`ssh-keygen -Y sign`, the SSHSIG format of OpenSSH's
 * PROTOCOL.sshsig, as git uses for SSH commit signing), with the keys people already hold:
 * `ssh-ed25519` and `ecdsa-sha2-nistp256/384/521`. Verified here in-process, so that
 * `evidence verify` needs no OpenSSH; `ssh-keygen -Y verify` with the allowed-signers file Sever
 * prints checks the same signatures independently.
 */
import { createHash, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';

/** The namespace every Sever attestation is signed in (`ssh-keygen -Y sign -n sever-attestation`). */
export const ATTESTATION_NAMESPACE = 'sever-attestation';

const MAGIC = Buffer.from('SSHSIG');
const ARMOR_BEGIN = '-----BEGIN SSH SIGNATURE-----';
const ARMOR_END = '-----END SSH SIGNATURE-----';

const CURVES: Record<string, { curve: string; jwk: string; hash: string; size: number }> = {
  'ecdsa-sha2-nistp256': { curve: 'nistp256', jwk: 'P-256', hash: 'sha256', size: 32 },
  'ecdsa-sha2-nistp384': { curve: 'nistp384', jwk: 'P-384', hash: 'sha384', size: 48 },
  'ecdsa-sha2-nistp521': { curve: 'nistp521', jwk: 'P-521', hash: 'sha512', size: 66 },
};

/** A public key as an `authorized_keys` / allowed-signers line names it. */
export interface SshPublicKey {
  /** `ssh-ed25519` or `ecdsa-sha2-nistp256|384|521`. */
  type: string;
  /** The key blob (the base64 field of the line, decoded). */
  blob: Buffer;
  /** OpenSSH's fingerprint: `SHA256:` and the unpadded base64 of SHA-256(blob), as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** `type base64`, without the comment: what Sever records. */
  line: string;
  key: KeyObject;
}

/** Thrown for a malformed key or signature; the message says what is wrong. */
export class SshFormatError extends Error {}

class Reader {
  private at = 0;
  private readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  bytes(): Buffer {
    if (this.at + 4 > this.buf.length) throw new SshFormatError('truncated');
    const n = this.buf.readUInt32BE(this.at);
    if (this.at + 4 + n > this.buf.length) throw new SshFormatError('truncated');
    const out = this.buf.subarray(this.at + 4, this.at + 4 + n);
    this.at += 4 + n;
    return out;
  }
  text(): string {
    return this.bytes().toString('latin1');
  }
  uint32(): number {
    if (this.at + 4 > this.buf.length) throw new SshFormatError('truncated');
    const n = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return n;
  }
  raw(n: number): Buffer {
    if (this.at + n > this.buf.length) throw new SshFormatError('truncated');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  end(): void {
    if (this.at !== this.buf.length) throw new SshFormatError('trailing bytes');
  }
}

const str = (b: Buffer | string) => {
  const v = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  const n = Buffer.alloc(4);
  n.writeUInt32BE(v.length);
  return Buffer.concat([n, v]);
};

const b64u = (b: Buffer) => b.toString('base64url');

/** Reads a key blob (the SSH wire format) into a usable public key. */
export function keyFromBlob(blob: Buffer): SshPublicKey {
  const r = new Reader(blob);
  const type = r.text();
  let key: KeyObject;
  if (type === 'ssh-ed25519') {
    const x = r.bytes();
    r.end();
    if (x.length !== 32) throw new SshFormatError('an ssh-ed25519 key is 32 bytes');
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(x) }, format: 'jwk' });
  } else if (CURVES[type]) {
    const c = CURVES[type]!;
    if (r.text() !== c.curve) throw new SshFormatError(`${type}: the curve name does not match`);
    const q = r.bytes();
    r.end();
    if (q.length !== 1 + 2 * c.size || q[0] !== 4) throw new SshFormatError(`${type}: expected an uncompressed point`);
    try {
      key = createPublicKey({ key: { kty: 'EC', crv: c.jwk, x: b64u(q.subarray(1, 1 + c.size)), y: b64u(q.subarray(1 + c.size)) }, format: 'jwk' });
    } catch {
      throw new SshFormatError(`${type}: the point is not on the curve`);
    }
  } else {
    throw new SshFormatError(`key type ${JSON.stringify(type.slice(0, 40))} is not supported (ssh-ed25519, ecdsa-sha2-nistp256/384/521)`);
  }
  return { type, blob, fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`, line: `${type} ${blob.toString('base64')}`, key };
}

/**
 * Parses a public key line: `ssh-ed25519 AAAA… [comment]` (an `.pub` file, an `authorized_keys`
 * line without options).
 *
 * @throws SshFormatError saying what is wrong.
 */
export function parseSshPublicKey(line: string): SshPublicKey {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2) throw new SshFormatError('expected "<type> <base64> [comment]"');
  const [type, data] = parts as [string, string];
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw new SshFormatError('the key is not base64');
  const k = keyFromBlob(Buffer.from(data, 'base64'));
  if (k.type !== type) throw new SshFormatError(`the line says ${type} but the key is ${k.type}`);
  return k;
}

/** A parsed SSHSIG signature. */
export interface SshSignature {
  publicKey: SshPublicKey;
  namespace: string;
  hashAlgorithm: 'sha256' | 'sha512';
  /** The signature blob: string type, string signature. */
  signature: Buffer;
}

/** Reads an armored (`-----BEGIN SSH SIGNATURE-----`) signature. */
export function parseSshSignature(armored: string): SshSignature {
  const text = armored.trim();
  if (!text.startsWith(ARMOR_BEGIN) || !text.endsWith(ARMOR_END)) throw new SshFormatError(`expected an armored SSH signature (${ARMOR_BEGIN} … ${ARMOR_END}), as ssh-keygen -Y sign writes`);
  const body = text.slice(ARMOR_BEGIN.length, -ARMOR_END.length).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new SshFormatError('the signature is not base64');
  const r = new Reader(Buffer.from(body, 'base64'));
  if (!r.raw(6).equals(MAGIC)) throw new SshFormatError('not an SSHSIG signature');
  const version = r.uint32();
  if (version !== 1) throw new SshFormatError(`SSHSIG version ${version} is not supported`);
  const publicKey = keyFromBlob(r.bytes());
  const namespace = r.text();
  r.bytes(); // reserved
  const hashAlgorithm = r.text();
  if (hashAlgorithm !== 'sha256' && hashAlgorithm !== 'sha512') throw new SshFormatError(`hash algorithm ${JSON.stringify(hashAlgorithm)} is not supported`);
  const signature = r.bytes();
  r.end();
  return { publicKey, namespace, hashAlgorithm, signature };
}

const signedData = (namespace: string, hashAlgorithm: string, message: Buffer) =>
  Buffer.concat([MAGIC, str(namespace), str(''), str(hashAlgorithm), str(createHash(hashAlgorithm).update(message).digest())]);

/** Whether `sig` is a valid signature over `message` in `namespace` by its embedded key. */
export function verifySshSignature(sig: SshSignature, message: Buffer | string, namespace: string): boolean {
  if (sig.namespace !== namespace) return false;
  const data = signedData(namespace, sig.hashAlgorithm, Buffer.from(message));
  let r: Reader;
  let type: string;
  let raw: Buffer;
  try {
    r = new Reader(sig.signature);
    type = r.text();
    raw = r.bytes();
  } catch {
    return false;
  }
  if (type !== sig.publicKey.type) return false;
  if (type === 'ssh-ed25519') return raw.length === 64 && cryptoVerify(null, data, sig.publicKey.key, raw);
  const c = CURVES[type];
  if (!c) return false;
  try {
    // The signature is two mpints, r and s: as IEEE P1363 (fixed width) for node.
    const rs = new Reader(raw);
    const fixed = (m: Buffer) => {
      const v = m[0] === 0 ? m.subarray(1) : m;
      if (v.length > c.size) throw new SshFormatError('mpint too long');
      return Buffer.concat([Buffer.alloc(c.size - v.length), v]);
    };
    const p1363 = Buffer.concat([fixed(rs.bytes()), fixed(rs.bytes())]);
    return cryptoVerify(c.hash, data, { key: sig.publicKey.key, dsaEncoding: 'ieee-p1363' }, p1363);
  } catch {
    return false;
  }
}

/**
 * Signs `message` as `ssh-keygen -Y sign` would (SHA-512), with an Ed25519 private key: for tests
 * and tools that hold a key in-process. People sign with their own key through ssh-keygen.
 */
export function signSshEd25519(privateKey: KeyObject, message: Buffer | string, namespace: string): string {
  const jwk = privateKey.export({ format: 'jwk' }) as { x: string };
  const blob = Buffer.concat([str('ssh-ed25519'), str(Buffer.from(jwk.x, 'base64url'))]);
  const sig = cryptoSign(null, signedData(namespace, 'sha512', Buffer.from(message)), privateKey);
  const body = Buffer.concat([MAGIC, Buffer.from([0, 0, 0, 1]), str(blob), str(namespace), str(''), str('sha512'), str(Buffer.concat([str('ssh-ed25519'), str(sig)]))]).toString('base64');
  return `${ARMOR_BEGIN}\n${body.replace(/(.{70})/g, '$1\n').trimEnd()}\n${ARMOR_END}\n`;
}

/** The `ssh-ed25519 AAAA…` line of an Ed25519 key (public or private). */
export function ed25519PublicLine(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as { x: string };
  return `ssh-ed25519 ${Buffer.concat([str('ssh-ed25519'), str(Buffer.from(jwk.x, 'base64url'))]).toString('base64')}`;
}
