/**
 * Verifies one incident's chain, entry by entry, and names the first entry that fails. Pure and
 * synchronous: no store, no network, no clock.
 */
import type { KeyObject } from 'node:crypto';
import { SeverError } from '../core/errors.ts';
import { GENESIS_PREV_HASH, entrySchema, firstIssue, type Entry } from './entry.ts';
import { computeEntryHash, entrySigningInput } from './entry-hash.ts';
import { publicJwkSchema, publicKeyObject, verifySignature, type PublicJwk } from './jwk.ts';

/** Which rule an entry broke, in the order the rules are checked. */
export type ChainCheck =
  | 'schema' // not a valid entry envelope (incl. seq 0 not an incident.opened signed by the key it announces), or a payload missing a member its type requires
  | 'incident' // another incident's entry
  | 'seq' // seq is not its position (entry removed, duplicated, reordered or inserted)
  | 'prev-hash' // prevHash is not the previous entry's hash
  | 'hash' // hash is not the hash of the entry's content (content changed)
  | 'time' // earlier than the previous entry
  | 'key-unannounced' // a trusted key that the chain never announced
  | 'key-untrusted' // neither trusted by the verifier nor announced by a trusted key
  | 'signature'; // the signature does not verify with the named key

export interface ChainOk {
  ok: true;
  count: number;
  /** `hash` of the last entry; 64 zeros for an empty chain. */
  headHash: string;
  /** Every key the chain announced, in order (seq 0's first). */
  keys: PublicJwk[];
}

export interface ChainBroken {
  ok: false;
  code: 'ERR_LEDGER_BROKEN';
  /** Position of the first bad entry in the array given. */
  index: number;
  /** Its `seq` member as found, or null when it has none. */
  seq: number | null;
  /** Its `type` member as found, or null when it has none. */
  type: string | null;
  check: ChainCheck;
  reason: string;
}

export type ChainResult = ChainOk | ChainBroken;

/**
 * Checks, for every entry in order: the envelope and payload schema; the same `incidentId` as
 * entry 0; `seq` equal to its position (so the chain starts at 0 with no gaps); `prevHash` equal to
 * the previous entry's `hash` (64 zeros for seq 0); `hash` recomputed from the content; `at` not
 * earlier than the previous entry's; the key rules (docs/evidence.md, "Keys"); the Ed25519
 * signature with the key named by `keyId`.
 *
 * Keys: `trustedKeys` are the verifier's anchors. An entry may be signed by a key that is both
 * announced in the chain (seq 0's `incident.opened` or a `key.announced`, possibly the entry
 * itself) and trusted: an anchor, or announced by a `key.announced` entry signed by a key that was
 * already trusted (an endorsed rotation).
 *
 * @param entries The chain, as read (unvalidated values are fine: that is what is checked).
 * @param trustedKeys The keys the verifier trusts as anchors.
 * @returns `ok: true` with the head hash, or the first bad entry and why.
 * @throws SeverError `ERR_KEY_INVALID` when a trusted key is not a valid Ed25519 public JWK.
 */
export function verifyChain(entries: readonly unknown[], trustedKeys: readonly PublicJwk[]): ChainResult {
  const anchors = new Map<string, PublicJwk>();
  for (const k of trustedKeys) {
    const r = publicJwkSchema.safeParse(k);
    if (!r.success) throw new SeverError('ERR_KEY_INVALID', `A trusted key is not an Ed25519 public JWK with its thumbprint as kid: ${firstIssue(r.error).message}`);
    anchors.set(r.data.kid, r.data as PublicJwk);
  }
  const active = new Map<string, PublicJwk>();
  const keyObjects = new Map<string, KeyObject>();
  let prevHash = GENESIS_PREV_HASH;
  let prevAt = '';
  let incidentId: string | undefined;

  for (let index = 0; index < entries.length; index++) {
    const raw = entries[index];
    const fail = (check: ChainCheck, reason: string): ChainBroken => ({ ok: false, code: 'ERR_LEDGER_BROKEN', index, seq: member(raw, 'seq', 'number'), type: member(raw, 'type', 'string'), check, reason });

    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      const { path, message } = firstIssue(parsed.error);
      return fail('schema', `not a valid evidence entry: ${path === '' ? '' : `${path}: `}${message}`);
    }
    const e = parsed.data as Entry;
    incidentId ??= e.incidentId;
    if (e.incidentId !== incidentId) return fail('incident', `belongs to incident ${e.incidentId}, not ${incidentId}`);
    if (e.seq !== index) return fail('seq', `expected seq ${index}, found ${e.seq}: an entry is missing, duplicated or out of order`);
    if (e.prevHash !== prevHash) return fail('prev-hash', `prevHash ${e.prevHash} is not the previous entry's hash ${prevHash}`);
    if (computeEntryHash(e) !== e.hash) return fail('hash', 'the content does not match its hash: the entry was changed after it was signed');
    if (e.at < prevAt) return fail('time', `at ${e.at} is earlier than the previous entry's ${prevAt}`);

    const announced = e.type === 'incident.opened' || e.type === 'key.announced' ? (e.payload.publicKey as unknown as PublicJwk) : undefined;
    let key = active.get(e.keyId);
    if (key === undefined) {
      const selfAnnounced = announced?.kid === e.keyId;
      if (selfAnnounced && anchors.has(e.keyId)) key = announced;
      else if (selfAnnounced) return fail('key-untrusted', `key ${e.keyId} announces itself but is not trusted by the verifier and not endorsed by a trusted key`);
      else if (anchors.has(e.keyId)) return fail('key-unannounced', `key ${e.keyId} is trusted but was never announced in this chain`);
      else return fail('key-untrusted', `signed by key ${e.keyId}, which is neither trusted by the verifier nor announced by a trusted key`);
    }
    let ko = keyObjects.get(key.kid);
    if (ko === undefined) keyObjects.set(key.kid, (ko = publicKeyObject(key)));
    if (!verifySignature(ko, entrySigningInput(e.hash), e.sig)) return fail('signature', `the signature does not verify with key ${e.keyId}`);

    if (announced !== undefined && !active.has(announced.kid)) active.set(announced.kid, announced);
    prevHash = e.hash;
    prevAt = e.at;
  }
  return { ok: true, count: entries.length, headHash: prevHash, keys: [...active.values()] };
}

function member<T extends 'number' | 'string'>(raw: unknown, name: string, kind: T): (T extends 'number' ? number : string) | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const v = (raw as Record<string, unknown>)[name];
  return (typeof v === kind ? v : null) as (T extends 'number' ? number : string) | null;
}
