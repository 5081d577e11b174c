/**
 * The evidence bundle: one self-contained JSON document holding an incident's whole chain, the
 * public keys that signed it, an informative summary, and a signature over all of it. Anyone can
 * verify it offline with {@link verifyBundle} (or their own verifier, from docs/evidence.md).
 */
import { z } from 'zod';
import { iso, type Clock } from '../core/clock.ts';
import { SeverError } from '../core/errors.ts';
import { canonicalBytes, canonicalize } from './canonical.ts';
import { firstIssue, hex64Schema, isoUtcSchema, type Entry } from './entry.ts';
import { isBase64url, keyIdSchema, type PublicJwk } from './jwk.ts';
import type { Signer } from './keys.ts';
import { checkSummary, summarySchema, type BundleSummary } from './summary.ts';
import { verifyChain } from './verify-chain.ts';

export const BUNDLE_KIND = 'sever.evidence-bundle';
export const BUNDLE_VERSION = 1;

export interface EvidenceBundle {
  kind: typeof BUNDLE_KIND;
  version: typeof BUNDLE_VERSION;
  incidentId: string;
  /** ISO-8601 UTC; not earlier than the last entry's `at`. */
  exportedAt: string;
  /** The key that made `bundleSig`; announced in the chain. */
  keyId: string;
  /** Every key the chain announces, in order of announcement (seq 0's first). */
  publicKeys: PublicJwk[];
  /** The whole chain, seq 0..n in order. */
  entries: Entry[];
  /** Informative; checked against the chain where the chain can say (see checkSummary). */
  summary: BundleSummary;
  /** `hash` of the last entry: catches a truncated tail. */
  headHash: string;
  /** Unpadded base64url Ed25519 signature over the RFC 8785 canonical JSON of every other member. */
  bundleSig: string;
}

/**
 * The envelope as read; entries, keys and summary are checked one by one afterwards so that the
 * first bad one can be named.
 */
export const bundleEnvelopeSchema = z.strictObject({
  kind: z.literal(BUNDLE_KIND),
  version: z.literal(BUNDLE_VERSION),
  incidentId: z.string().min(1),
  exportedAt: isoUtcSchema,
  keyId: keyIdSchema,
  publicKeys: z.array(z.unknown()).min(1),
  entries: z.array(z.unknown()).min(1),
  summary: z.unknown(),
  headHash: hex64Schema,
  bundleSig: z.string().refine((s) => isBase64url(s, 64), 'must be a 64-byte Ed25519 signature, unpadded base64url'),
});

/** What `bundleSig` signs: the UTF-8 bytes of the canonical JSON of the bundle without `bundleSig`. */
export function bundleSigningInput(bundle: Omit<EvidenceBundle, 'bundleSig'> | EvidenceBundle): Uint8Array {
  const { bundleSig: _omit, ...rest } = bundle as EvidenceBundle;
  return canonicalBytes(rest);
}

export interface BuildBundleContext {
  clock: Clock;
  signer: Signer;
}

/**
 * Builds and signs the bundle of one incident. Refuses to export a chain that does not verify
 * (trusting the key that opened it and the signer's own key), a signer whose key the chain never
 * announced, or a summary that disagrees with the chain.
 *
 * @param entries The incident's whole chain, in seq order, as read from the store.
 * @param summary The engine's view of the incident (state, artifacts, sign-offs).
 * @throws SeverError `ERR_LEDGER_BROKEN` (chain), `ERR_KEY_INVALID` (signer not announced),
 *   `ERR_BUNDLE_INVALID` (summary), `ERR_CANONICAL_JSON` (summary not JSON).
 */
export function buildBundle(entries: readonly Entry[], summary: BundleSummary, ctx: BuildBundleContext): EvidenceBundle {
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (first === undefined || last === undefined) throw new SeverError('ERR_LEDGER_BROKEN', 'Cannot export an empty ledger.');
  const root = first.payload.publicKey as unknown as PublicJwk | undefined;
  const chain = verifyChain(entries, root === undefined ? [ctx.signer.publicJwk] : [root, ctx.signer.publicJwk]);
  if (!chain.ok) {
    throw new SeverError('ERR_LEDGER_BROKEN', `The ledger of incident ${first.incidentId} is broken at seq ${chain.seq ?? chain.index} (${chain.check}): ${chain.reason}.`, {
      details: { incidentId: first.incidentId, index: chain.index, seq: chain.seq, check: chain.check },
    });
  }
  if (!chain.keys.some((k) => k.kid === ctx.signer.keyId)) {
    throw new SeverError('ERR_KEY_INVALID', `Key ${ctx.signer.keyId} is not announced in the ledger of incident ${first.incidentId}; append a key.announced entry before exporting with it.`, { details: { keyId: ctx.signer.keyId } });
  }
  const parsed = summarySchema.safeParse(summary);
  if (!parsed.success) {
    const { path, message } = firstIssue(parsed.error);
    throw new SeverError('ERR_BUNDLE_INVALID', `Refusing to export: summary.${path}: ${message}.`, { details: { path: `summary.${path}` } });
  }
  const problem = checkSummary(summary, entries);
  if (problem !== undefined) {
    throw new SeverError('ERR_BUNDLE_INVALID', `Refusing to export: ${problem.path}: ${problem.reason}.`, { details: { path: problem.path, seq: problem.seq } });
  }
  const now = iso(ctx.clock.now());
  const unsigned: Omit<EvidenceBundle, 'bundleSig'> = {
    kind: BUNDLE_KIND,
    version: BUNDLE_VERSION,
    incidentId: first.incidentId,
    exportedAt: now < last.at ? last.at : now,
    keyId: ctx.signer.keyId,
    publicKeys: chain.keys,
    entries: [...entries],
    summary: JSON.parse(canonicalize(summary)) as BundleSummary,
    headHash: chain.headHash,
  };
  const bundleSig = Buffer.from(ctx.signer.sign(bundleSigningInput(unsigned))).toString('base64url');
  return { ...unsigned, bundleSig };
}
