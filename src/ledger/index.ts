/**
 * The evidence ledger: canonical JSON, signed hash-chained entries, keys, bundles and their
 * offline verification. docs/evidence.md describes the format for independent verifiers.
 */
export { canonicalize, canonicalBytes, isCanonicalizable, MAX_DEPTH, type JsonValue, type JsonObject } from './canonical.ts';
export { sha256Hex, hashObservation } from './digest.ts';
export {
  ENTRY_KIND,
  ENTRY_VERSION,
  ENTRY_TYPES,
  GENESIS_PREV_HASH,
  entrySchema,
  isEntryType,
  parseEntry,
  type Entry,
  type EntryType,
  type UnsignedEntry,
} from './entry.ts';
export { computeEntryHash, entrySigningInput, unsignedPart } from './entry-hash.ts';
export { jwkThumbprint, publicJwkSchema, toPublicJwk, type PublicJwk } from './jwk.ts';
export {
  createSigner,
  exportPrivateJwk,
  generateKeyJwk,
  loadOrCreateKeyFile,
  readKeyFile,
  type KeyFileSigner,
  type PrivateJwk,
  type Signer,
} from './keys.ts';
export { buildEntry, type BuildContext, type ChainHead, type EntryInput } from './append.ts';
export { verifyChain, type ChainBroken, type ChainCheck, type ChainOk, type ChainResult } from './verify-chain.ts';
export { CLOSED_STATE, checkSummary, type BundleSummary, type SummaryArtifact, type SummaryProblem, type SummarySignoff } from './summary.ts';
export { BUNDLE_KIND, BUNDLE_VERSION, buildBundle, bundleSigningInput, type BuildBundleContext, type EvidenceBundle } from './bundle.ts';
export { verifyBundle, type BundlePart, type BundleRejected, type BundleResult, type BundleVerified, type VerifyBundleOptions } from './verify-bundle.ts';
export { readBundleFile, verifyBundleFile, writeBundleFile } from './bundle-file.ts';
export { formatVerifyResult } from './format-result.ts';
