/**
 * The two byte strings an entry commits to: what is hashed, and what is signed.
 */
import { canonicalBytes } from './canonical.ts';
import { sha256Hex } from './digest.ts';
import type { Entry, UnsignedEntry } from './entry.ts';

/** The entry without `hash` and `sig`: exactly the members that are hashed. */
export function unsignedPart(entry: Entry | UnsignedEntry): UnsignedEntry {
  const { kind, version, incidentId, seq, type, at, actor, payload, prevHash, keyId } = entry;
  return { kind, version, incidentId, seq, type, at, actor, payload, prevHash, keyId };
}

/**
 * `hash` of an entry: lowercase hex SHA-256 of the UTF-8 bytes of the RFC 8785 canonical JSON of
 * the entry without its `hash` and `sig` members.
 *
 * @throws SeverError `ERR_CANONICAL_JSON` when the payload is not JSON.
 */
export function computeEntryHash(entry: Entry | UnsignedEntry): string {
  return sha256Hex(canonicalBytes(unsignedPart(entry)));
}

/** What `sig` signs: the 64 ASCII bytes of the lowercase hex `hash` (not the digest's raw bytes). */
export function entrySigningInput(hash: string): Uint8Array {
  return new TextEncoder().encode(hash);
}
