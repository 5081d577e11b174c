/**
 * The ledger signing key: Ed25519, kept as a private JWK in a file only its owner can read. The
 * engine sees a {@link Signer} and never the key material.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { SeverError } from '../core/errors.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { isBase64url, jwkThumbprint, toPublicJwk, type PublicJwk } from './jwk.ts';

/** What the engine signs with. `sign` is Ed25519 over exactly `bytes` (64-byte signature). */
export interface Signer {
  /** RFC 7638 thumbprint of the public key; the `keyId` of every entry this signer signs. */
  readonly keyId: string;
  readonly publicJwk: PublicJwk;
  sign(bytes: Uint8Array): Uint8Array;
}

/** An Ed25519 private JWK as stored in the key file: `{kty, crv, x, d, kid}`. */
export interface PrivateJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  d: string;
  kid: string;
}

const privateJwkSchema = z.looseObject({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().refine((s) => isBase64url(s, 32)),
  d: z.string().refine((s) => isBase64url(s, 32)),
  kid: z.string().optional(),
});

/** A new random Ed25519 key as a private JWK. */
export function generateKeyJwk(): PrivateJwk {
  const { privateKey } = generateKeyPairSync('ed25519');
  return exportPrivateJwk(privateKey);
}

/** The private JWK of a node:crypto Ed25519 private key. */
export function exportPrivateJwk(privateKey: KeyObject): PrivateJwk {
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string' || typeof jwk.d !== 'string') {
    throw new SeverError('ERR_KEY_INVALID', 'The ledger signing key is not an Ed25519 key.');
  }
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d, kid: jwkThumbprint({ x: jwk.x }) };
}

/**
 * A signer for a private JWK.
 *
 * @param jwk An Ed25519 private JWK (`kid`, if present, must be its thumbprint; other members are ignored).
 * @throws SeverError `ERR_KEY_INVALID` when it is not a consistent Ed25519 private key.
 */
export function createSigner(jwk: unknown): Signer {
  const r = privateJwkSchema.safeParse(jwk);
  if (!r.success) throw new SeverError('ERR_KEY_INVALID', 'The ledger signing key is not an Ed25519 private JWK (kty OKP, crv Ed25519, x and d).');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: r.data.x, d: r.data.d }, format: 'jwk' });
  } catch (e) {
    throw new SeverError('ERR_KEY_INVALID', 'The ledger signing key could not be imported.', { cause: e });
  }
  // Node derives the public key from d; an x that does not match means a damaged or spliced key.
  const derived = createPublicKey(privateKey).export({ format: 'jwk' }).x;
  if (derived !== r.data.x) throw new SeverError('ERR_KEY_INVALID', 'The ledger signing key is inconsistent: x is not the public key of d.');
  const publicJwk = toPublicJwk(r.data.x);
  if (r.data.kid !== undefined && r.data.kid !== publicJwk.kid) throw new SeverError('ERR_KEY_INVALID', 'The ledger signing key has a kid that is not its RFC 7638 thumbprint.');
  return {
    keyId: publicJwk.kid,
    publicJwk,
    sign: (bytes) => new Uint8Array(sign(null, bytes, privateKey)),
  };
}

/** A {@link Signer} read from a key file. */
export interface KeyFileSigner extends Signer {
  readonly path: string;
  /** True when this call created the file. */
  readonly created: boolean;
}

/**
 * Loads the signing key from `path`, creating a new one there first if the file does not exist.
 * Creation is atomic and exclusive (two processes racing end up with the same key), with mode 0600;
 * the parent directory is created with mode 0700 if missing.
 *
 * @throws SeverError `ERR_KEY_INVALID` when the file is not an Ed25519 private JWK, or (on POSIX)
 *   when group or others may read or write it; `ERR_FILE_WRITE` when it cannot be created.
 */
export async function loadOrCreateKeyFile(path: string): Promise<KeyFileSigner> {
  let created = false;
  if (!(await exists(path))) {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((e: unknown) => {
      throw new SeverError('ERR_FILE_WRITE', `Could not create the directory of ${path}.`, { details: { path }, cause: e });
    });
    created = await writeFileAtomic(path, `${JSON.stringify(generateKeyJwk())}\n`, { mode: 0o600, exclusive: true });
  }
  return { ...(await readKeyFile(path)), path, created };
}

/**
 * Loads the signing key from an existing key file (never creates one).
 *
 * @throws SeverError `ERR_KEY_INVALID`, as {@link loadOrCreateKeyFile}.
 */
export async function readKeyFile(path: string): Promise<Signer> {
  let text: string;
  try {
    const st = await stat(path);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new SeverError('ERR_KEY_INVALID', `The key file ${path} is accessible to group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it.`, { details: { path } });
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof SeverError) throw e;
    throw new SeverError('ERR_KEY_INVALID', `The key file ${path} could not be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, { details: { path }, cause: e });
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch (e) {
    throw new SeverError('ERR_KEY_INVALID', `The key file ${path} is not JSON.`, { details: { path }, cause: e });
  }
  try {
    return createSigner(jwk);
  } catch (e) {
    if (e instanceof SeverError) throw new SeverError('ERR_KEY_INVALID', `${e.message} (${path})`, { details: { path }, cause: e });
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new SeverError('ERR_KEY_INVALID', `The key file ${path} could not be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, { details: { path }, cause: e });
  }
}
