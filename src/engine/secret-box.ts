/**
 * Artifact values (tokens found by a scanner, discovered token values) are held encrypted at rest
 * with AES-256-GCM, only while needed; evidence carries only their SHA-256.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SeverError } from '../core/errors.ts';

export interface SecretBox {
  seal(value: string): string;
  open(sealed: string): string;
}

export const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

export function secretBoxFromKey(key: Buffer): SecretBox {
  if (key.length !== 32) throw new SeverError('ERR_KEY_INVALID', 'the secrets key must be 32 bytes');
  return {
    seal(value) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([c.update(value, 'utf8'), c.final()]);
      return `v1:${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64url')}`;
    },
    open(sealed) {
      if (!sealed.startsWith('v1:')) throw new SeverError('ERR_RECORD_INVALID', 'sealed secret has an unknown format');
      const raw = Buffer.from(sealed.slice(3), 'base64url');
      const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

/** Loads the 32-byte key from a file (0600), creating it atomically when missing. */
export function loadOrCreateSecretBox(path: string): SecretBox {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, randomBytes(32).toString('base64'), { mode: 0o600 });
    renameSync(tmp, path);
  }
  chmodSync(path, 0o600);
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  return secretBoxFromKey(key);
}
