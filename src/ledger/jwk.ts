/**
 * Ed25519 public keys as JWKs (RFC 8037) and their ids (RFC 7638 thumbprints). Synchronous, so
 * that chain verification stays a pure function.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { sha256Hex } from './digest.ts';

/** Canonical unpadded base64url of exactly `bytes` bytes: decoding and re-encoding gives it back. */
export function isBase64url(s: string, bytes: number): boolean {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return false;
  const buf = Buffer.from(s, 'base64url');
  return buf.length === bytes && buf.toString('base64url') === s;
}

const b64 = (bytes: number) => z.string().refine((s) => isBase64url(s, bytes), `must be ${bytes} bytes of canonical unpadded base64url`);

/** A key id: the RFC 7638 SHA-256 JWK thumbprint, base64url, 43 characters. */
export const keyIdSchema = b64(32);

/**
 * An Ed25519 public key: `kty` `OKP`, `crv` `Ed25519`, `x` the 32-byte key (base64url), and `kid`
 * its RFC 7638 thumbprint. No other members.
 */
export const publicJwkSchema = z
  .strictObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: b64(32), kid: keyIdSchema })
  .refine((k) => k.kid === jwkThumbprint(k), { message: 'kid is not the RFC 7638 thumbprint of the key', path: ['kid'] });

export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  /** RFC 7638 thumbprint of `{crv, kty, x}`; the `keyId` of every entry this key signs. */
  kid: string;
}

/**
 * RFC 7638 thumbprint of an Ed25519 JWK: base64url(SHA-256(`{"crv":"Ed25519","kty":"OKP","x":"…"}`)).
 * Equal to jose's `calculateJwkThumbprint(jwk, 'sha256')`.
 */
export function jwkThumbprint(jwk: { x: string }): string {
  const json = `{"crv":"Ed25519","kty":"OKP","x":${JSON.stringify(jwk.x)}}`;
  return Buffer.from(sha256Hex(json), 'hex').toString('base64url');
}

/** The public JWK (with `kid`) for a raw `x`. */
export function toPublicJwk(x: string): PublicJwk {
  return { kty: 'OKP', crv: 'Ed25519', x, kid: jwkThumbprint({ x }) };
}

/** A node:crypto key for a public JWK (assumed valid). */
export function publicKeyObject(jwk: PublicJwk): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
}

/** Whether `sig` (base64url) is a valid Ed25519 signature by `key` over `message`. Never throws. */
export function verifySignature(key: KeyObject, message: Uint8Array, sig: string): boolean {
  if (!isBase64url(sig, 64)) return false;
  try {
    return verify(null, message, key, Buffer.from(sig, 'base64url'));
  } catch {
    return false;
  }
}
