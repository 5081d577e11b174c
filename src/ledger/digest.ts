/**
 * The two primitives under every ledger hash: SHA-256 in lowercase hex, and SHA-256 of a value's
 * RFC 8785 canonical form.
 */
import { createHash } from 'node:crypto';
import { canonicalBytes } from './canonical.ts';

/** Lowercase hex SHA-256 of `bytes` (a string is hashed as its UTF-8 bytes). */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The hash the engine records for something it observed (`observedHash` in a `verify.observation`
 * payload): lowercase hex SHA-256 of the UTF-8 bytes of the RFC 8785 canonical JSON of `observed`.
 * Hash the observation, never store it, when it may contain a secret or personal data.
 *
 * @param observed A JSON value, typically the provider's answer reduced to what proves the verdict
 *   (HTTP status, `active: false`, an error code).
 * @throws SeverError `ERR_CANONICAL_JSON` when `observed` is not JSON.
 */
export function hashObservation(observed: unknown): string {
  return sha256Hex(canonicalBytes(observed));
}
