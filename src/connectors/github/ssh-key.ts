/**
 * Ed25519 key pairs in OpenSSH's own formats, with node:crypto only: the public key as an
 * `authorized_keys` line (what GitHub takes as a deploy key), the private key as an unencrypted
 * `-----BEGIN OPENSSH PRIVATE KEY-----` file (what `ssh` and `git` read; PROTOCOL.key in OpenSSH).
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';

const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const TYPE = 'ssh-ed25519';
const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const str = (b: Buffer | string) => {
  const buf = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  return Buffer.concat([u32(buf.length), buf]);
};

export interface SshKeyPair {
  /** `ssh-ed25519 AAAA… comment` */
  publicKey: string;
  /** The OpenSSH private key file's text. Never logged, never in an outcome. */
  privateKey: string;
  /** `SHA256:…`, as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

/** A new Ed25519 key pair; `comment` goes into both halves. */
export function generateEd25519(comment: string): SshKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const blob = Buffer.concat([str(TYPE), str(pub)]);
  const check = randomBytes(4);
  let secret = Buffer.concat([check, check, str(TYPE), str(pub), str(Buffer.concat([seed, pub])), str(comment)]);
  const pad = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([MAGIC, str('none'), str('none'), str(''), u32(1), str(blob), str(secret)]).toString('base64');
  const lines = body.match(/.{1,70}/g) ?? [];
  return {
    publicKey: `${TYPE} ${blob.toString('base64')} ${comment}`,
    privateKey: `${BEGIN}\n${lines.join('\n')}\n${END}\n`,
    fingerprint: fingerprintOf(blob),
  };
}

const fingerprintOf = (blob: Buffer) => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

/**
 * The public half (`type base64`, no comment) stored in an OpenSSH private key file, read from
 * its unencrypted header; undefined when the text is not one.
 */
export function publicKeyOfPrivate(text: string): string | undefined {
  const m = new RegExp(`${BEGIN}([\\s\\S]+?)${END}`).exec(text);
  if (!m) return undefined;
  try {
    const b = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
    if (!b.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    let at = MAGIC.length;
    const next = () => {
      const n = b.readUInt32BE(at);
      const v = b.subarray(at + 4, at + 4 + n);
      at += 4 + n;
      return v;
    };
    next(); // cipher
    next(); // kdf
    next(); // kdf options
    if (b.readUInt32BE(at) !== 1) return undefined;
    at += 4;
    const blob = next();
    const type = blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1');
    return `${type} ${blob.toString('base64')}`;
  } catch {
    return undefined;
  }
}

/** `type base64` of a public key line, for comparing keys (the comment is not part of the key). */
export const sameKey = (a: string, b: string) => a.trim().split(/\s+/).slice(0, 2).join(' ') === b.trim().split(/\s+/).slice(0, 2).join(' ');

/** The `SHA256:…` fingerprint of a public key line. */
export function fingerprint(publicKey: string): string {
  return fingerprintOf(Buffer.from(publicKey.trim().split(/\s+/)[1] ?? '', 'base64'));
}
