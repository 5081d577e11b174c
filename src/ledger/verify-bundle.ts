/**
 * Offline verification of an evidence bundle: no database, no network, no clock. The result is
 * data, never an exception, and names the first thing that is wrong.
 */
import { SeverError } from '../core/errors.ts';
import { publicJwkSchema, publicKeyObject, verifySignature, type PublicJwk } from './jwk.ts';
import { bundleEnvelopeSchema, bundleSigningInput, type EvidenceBundle } from './bundle.ts';
import { firstIssue, type Entry } from './entry.ts';
import { checkSummary, summarySchema, type BundleSummary } from './summary.ts';
import { verifyChain, type ChainCheck } from './verify-chain.ts';
import { verifyAttestations, type AttestationCheck } from './verify-attestations.ts';

export interface VerifyBundleOptions {
  /**
   * Pin the keys you trust (key ids, RFC 7638 thumbprints). Without a pin, the key that opened the
   * incident is trusted on first use, which proves the bundle is intact and self-consistent but
   * not who made it. With a pin, only the pinned keys, and keys they endorsed in the chain, are trusted.
   */
  expectedKeyId?: string | readonly string[];
}

/** Which part of the bundle failed, in the order they are checked. */
export type BundlePart = 'json' | 'envelope' | 'keys' | 'entry' | 'head' | 'signature' | 'summary' | 'attestation';

export interface BundleVerified {
  ok: true;
  incidentId: string;
  exportedAt: string;
  count: number;
  headHash: string;
  /** The key that signed the bundle. */
  keyId: string;
  /** Every key that signed an entry or the bundle. */
  keyIds: string[];
  /** Whether trust comes from `expectedKeyId` (true) or from the bundle itself (false). */
  pinned: boolean;
  summary: BundleSummary;
  /** Every sign-off, exception, closure and reopen, each checked against the keys registered for its person. */
  attestations: AttestationCheck[];
}

export interface BundleRejected {
  ok: false;
  code: 'ERR_BUNDLE_INVALID' | 'ERR_BUNDLE_UNREADABLE';
  part: BundlePart;
  reason: string;
  /** The first bad entry (its position, and `seq`/`type` as found), or null when no entry is at fault. */
  index: number | null;
  seq: number | null;
  type: string | null;
  /** For `part: 'entry'`: the chain rule it broke. */
  check?: ChainCheck;
  /** Where in the document, e.g. `publicKeys[1].x` or `summary.artifacts[0].status`. */
  path?: string;
  /** For `part: 'attestation'`: every attestation with its status (the failing ones named). */
  attestations?: AttestationCheck[];
}

export type BundleResult = BundleVerified | BundleRejected;

/**
 * Verifies an evidence bundle. Checks, in order: it parses (UTF-8 JSON); the envelope; the public
 * keys; the whole chain (see verifyChain), trusting the pinned keys or else the key that opened
 * the incident; the bundle's incident id; `headHash` against the last entry (a truncated tail);
 * that `publicKeys` are exactly the keys the chain announces; `bundleSig`, by a key the chain
 * announces (and the pinned one, when pinned); `exportedAt`; the summary against the chain.
 *
 * @param input The file's bytes, its text, or an already parsed value.
 */
export function verifyBundle(input: Uint8Array | string | unknown, options: VerifyBundleOptions = {}): BundleResult {
  try {
    return check(input, options);
  } catch (e) {
    // A safety net: every known failure is reported above; a verifier must still never throw.
    return { ok: false, code: 'ERR_BUNDLE_INVALID', part: 'envelope', reason: `could not be verified: ${e instanceof Error ? e.message : String(e)}`, index: null, seq: null, type: null };
  }
}

function check(input: unknown, options: VerifyBundleOptions): BundleResult {
  const reject = (part: BundlePart, reason: string, at: Partial<Pick<BundleRejected, 'index' | 'seq' | 'type' | 'check' | 'path'>> = {}): BundleRejected => ({
    ok: false,
    code: part === 'json' ? 'ERR_BUNDLE_UNREADABLE' : 'ERR_BUNDLE_INVALID',
    part,
    reason,
    index: at.index ?? null,
    seq: at.seq ?? null,
    type: at.type ?? null,
    ...(at.check === undefined ? {} : { check: at.check }),
    ...(at.path === undefined ? {} : { path: at.path }),
  });

  let value: unknown = input;
  if (input instanceof Uint8Array || typeof input === 'string') {
    try {
      const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
      value = JSON.parse(text);
    } catch (e) {
      return reject('json', `not a readable JSON document: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  const env = bundleEnvelopeSchema.safeParse(value);
  if (!env.success) {
    const { path, message } = firstIssue(env.error);
    return reject('envelope', `not an evidence bundle: ${path === '' ? '' : `${path}: `}${message}`, { path });
  }
  const bundle = value as EvidenceBundle;

  const keys = new Map<string, PublicJwk>();
  for (const [i, k] of bundle.publicKeys.entries()) {
    const r = publicJwkSchema.safeParse(k);
    if (!r.success) {
      const { path, message } = firstIssue(r.error);
      return reject('keys', `publicKeys[${i}] is not an Ed25519 public JWK: ${message}`, { path: `publicKeys[${i}]${path === '' ? '' : `.${path}`}` });
    }
    if (keys.has(r.data.kid)) return reject('keys', `publicKeys[${i}] is listed twice`, { path: `publicKeys[${i}]` });
    keys.set(r.data.kid, r.data as PublicJwk);
  }

  const pins = options.expectedKeyId === undefined ? undefined : typeof options.expectedKeyId === 'string' ? [options.expectedKeyId] : [...options.expectedKeyId];
  let anchors: PublicJwk[];
  if (pins === undefined) {
    const rootId = (bundle.entries[0] as { keyId?: unknown } | null)?.keyId;
    const root = typeof rootId === 'string' ? keys.get(rootId) : undefined;
    anchors = root === undefined ? [] : [root];
  } else {
    anchors = pins.flatMap((id) => keys.get(id) ?? []);
    if (anchors.length === 0) return reject('keys', `no expected key (${pins.join(', ')}) is among the bundle's public keys: it was signed by someone else`, { path: 'publicKeys' });
  }

  const chain = verifyChain(bundle.entries, anchors);
  if (!chain.ok) return reject('entry', `${chain.check}: ${chain.reason}`, { index: chain.index, seq: chain.seq, type: chain.type, check: chain.check });
  const entries = bundle.entries;
  const last = entries[entries.length - 1] as Entry;

  if (bundle.incidentId !== last.incidentId) return reject('envelope', `the bundle names incident ${bundle.incidentId} but its entries belong to ${last.incidentId}`, { path: 'incidentId' });
  if (bundle.headHash !== chain.headHash) {
    return reject('head', `headHash is not the hash of the last entry (seq ${last.seq}): entries are missing at the end, or headHash was changed`, { index: entries.length, seq: last.seq + 1, path: 'headHash' });
  }

  const announced = new Set(chain.keys.map((k) => k.kid));
  for (const [i, k] of bundle.publicKeys.entries()) {
    if (!announced.has(k.kid)) return reject('keys', `publicKeys[${i}] (${k.kid}) is not announced in the chain`, { path: `publicKeys[${i}]` });
  }
  for (const k of chain.keys) if (!keys.has(k.kid)) return reject('keys', `key ${k.kid} announced in the chain is missing from publicKeys`, { path: 'publicKeys' });

  // Every key the chain announces is trusted (pinned, or endorsed by a trusted key): verifyChain saw to it.
  const signer = keys.get(bundle.keyId);
  if (signer === undefined || !announced.has(bundle.keyId)) return reject('signature', `the bundle is signed by key ${bundle.keyId}, which the chain does not announce`, { path: 'keyId' });
  let signed: Uint8Array;
  try {
    signed = bundleSigningInput(bundle);
  } catch (e) {
    // Parsed JSON can still hold a lone surrogate (`"\ud800"`), which has no canonical form.
    const path = e instanceof SeverError ? String(e.details.path ?? '').replace(/^\$\.?/, '') : '';
    return reject('envelope', `the bundle cannot be canonicalized: ${e instanceof Error ? e.message : String(e)}`, { path });
  }
  if (!verifySignature(publicKeyObject(signer), signed, bundle.bundleSig)) {
    return reject('signature', `bundleSig does not verify with key ${bundle.keyId}: something outside the entries (summary, keys, header) was changed`, { path: 'bundleSig' });
  }
  if (bundle.exportedAt < last.at) return reject('envelope', `exportedAt ${bundle.exportedAt} is earlier than the last entry (${last.at})`, { path: 'exportedAt' });

  const s = summarySchema.safeParse(bundle.summary);
  if (!s.success) {
    const { path, message } = firstIssue(s.error);
    return reject('summary', `the summary is malformed: ${message}`, { path: `summary${path === '' ? '' : `.${path}`}` });
  }
  const problem = checkSummary(bundle.summary, entries);
  if (problem !== undefined) return reject('summary', `the summary disagrees with the chain: ${problem.reason}`, { index: problem.index, seq: problem.seq, type: problem.type, path: problem.path });

  // Every attestation, checked against the keys the runbook recorded in the chain registers for its person.
  const attestations = verifyAttestations(entries);
  const bad = attestations.filter((a) => a.status === 'failed' || a.status === 'unsigned');
  if (bad.length > 0) {
    const first = bad[0]!;
    const r = reject('attestation', `${bad.length} attestation(s) do not verify; first: entry ${first.seq} (${first.type} by ${first.person}${first.role ? ` for ${first.role}` : ''}) is ${first.status}: ${first.reason ?? ''}`, { index: entries.findIndex((e) => e.seq === first.seq), seq: first.seq, type: first.type });
    return { ...r, attestations };
  }

  return {
    ok: true,
    attestations,
    incidentId: bundle.incidentId,
    exportedAt: bundle.exportedAt,
    count: chain.count,
    headHash: chain.headHash,
    keyId: bundle.keyId,
    keyIds: [...new Set([...entries.map((e) => e.keyId), bundle.keyId])],
    pinned: pins !== undefined,
    summary: bundle.summary,
  };
}
