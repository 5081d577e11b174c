/**
 * Builds the next entry of an incident's chain. Pure apart from the injected clock and signer: the
 * caller (the engine's ledger writer) reads the previous entry and persists the result, inside one
 * transaction that holds the incident's lock.
 */
import { iso, type Clock } from '../core/clock.ts';
import { SeverError } from '../core/errors.ts';
import { canonicalize, type JsonObject } from './canonical.ts';
import { ENTRY_KIND, ENTRY_VERSION, GENESIS_PREV_HASH, entrySchema, firstIssue, parseEntry, type Entry, type EntryType, type UnsignedEntry } from './entry.ts';
import { computeEntryHash, entrySigningInput } from './entry-hash.ts';
import type { Signer } from './keys.ts';
import { secretProblem } from './secret-guard.ts';

export interface EntryInput {
  incidentId: string;
  type: EntryType;
  /** The person who acted, or `sever`. */
  actor: string;
  /** A secret-free JSON object; copied, so later changes by the caller do not affect the entry. */
  payload: Readonly<Record<string, unknown>>;
}

/**
 * What a writer must know of the chain's last entry when it does not re-read the whole entry: the
 * store's ledger rows are verified as a whole on export, so a hot writer may pass only the head.
 * Its `payload` is needed only when the signer's key differs from `keyId` (key rotation).
 */
export interface ChainHead {
  incidentId: string;
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  type: string;
  payload?: JsonObject;
}

export interface BuildContext {
  clock: Clock;
  signer: Signer;
}

/**
 * The entry that follows `prev` (or opens a new chain), hashed and signed.
 *
 * Rules (docs/evidence.md, "Chain rules" and "Keys"):
 * - with no `prev`, `type` must be `incident.opened` and `payload.publicKey` must be the signer's
 *   public JWK; `incident.opened` is refused anywhere else;
 * - `at` is the clock's time, or `prev.at` if the clock is behind it (times never go backwards);
 * - a signer whose key differs from `prev.keyId` may sign only a `key.announced` entry announcing
 *   its own key, or the entry right after a `key.announced` (signed by the old key) announcing it.
 *
 * @param prev The last entry of the chain as read from the store (validated and re-hashed here),
 *   or `undefined` for the first entry.
 * @throws SeverError `ERR_RECORD_INVALID` (bad input or `prev`, a payload that looks like it holds
 *   a secret), `ERR_CANONICAL_JSON` (payload not JSON), `ERR_LEDGER_BROKEN` (`prev` does not match
 *   its own hash), `ERR_KEY_INVALID` (key rules above).
 */
export function buildEntry(prev: Entry | ChainHead | undefined, input: EntryInput, ctx: BuildContext): Entry {
  const previous = prev === undefined ? undefined : checkPrevious(prev, input.incidentId);
  const payload = copyPayload(input.payload);
  checkKeyRules(previous, input.type, payload, ctx.signer);

  const now = iso(ctx.clock.now());
  const unsigned: UnsignedEntry = {
    kind: ENTRY_KIND,
    version: ENTRY_VERSION,
    incidentId: input.incidentId,
    seq: previous === undefined ? 0 : previous.seq + 1,
    type: input.type,
    at: previous !== undefined && previous.at > now ? previous.at : now,
    actor: input.actor,
    payload,
    prevHash: previous === undefined ? GENESIS_PREV_HASH : previous.hash,
    keyId: ctx.signer.keyId,
  };
  const hash = computeEntryHash(unsigned);
  const sig = Buffer.from(ctx.signer.sign(entrySigningInput(hash))).toString('base64url');
  const entry = { ...unsigned, hash, sig };
  const r = entrySchema.safeParse(entry);
  if (!r.success) {
    const { path, message } = firstIssue(r.error);
    throw new SeverError('ERR_RECORD_INVALID', `Cannot record ${input.type}: ${path}: ${message}`, { details: { record: ENTRY_KIND, type: input.type, path } });
  }
  return entry;
}

function checkPrevious(prev: Entry | ChainHead, incidentId: string): ChainHead {
  if (!('sig' in prev)) {
    if (prev.incidentId !== incidentId) throw new SeverError('ERR_RECORD_INVALID', `The chain head belongs to incident ${prev.incidentId}, not ${incidentId}.`, { details: { incidentId } });
    if (!/^[0-9a-f]{64}$/.test(prev.hash) || !Number.isInteger(prev.seq) || prev.seq < 0) {
      throw new SeverError('ERR_LEDGER_BROKEN', `The ledger head of incident ${incidentId} is malformed.`, { details: { incidentId, seq: prev.seq } });
    }
    return prev;
  }
  const p = parseEntry(prev);
  if (p.incidentId !== incidentId) {
    throw new SeverError('ERR_RECORD_INVALID', `The previous entry belongs to incident ${p.incidentId}, not ${incidentId}.`, { details: { incidentId } });
  }
  if (computeEntryHash(p) !== p.hash) {
    throw new SeverError('ERR_LEDGER_BROKEN', `The ledger of incident ${incidentId} is broken at seq ${p.seq}: the stored entry does not match its hash.`, { details: { incidentId, seq: p.seq } });
  }
  return p;
}

function copyPayload(payload: Readonly<Record<string, unknown>>): JsonObject {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new SeverError('ERR_RECORD_INVALID', 'An evidence payload must be a JSON object.', { details: { path: 'payload' } });
  }
  const problem = secretProblem(payload);
  if (problem !== undefined) {
    throw new SeverError('ERR_RECORD_INVALID', `Refusing to record ${problem.path}: ${problem.reason}.`, { details: { path: problem.path } });
  }
  // Round-trip through the canonical text: a deep copy that is exactly what is hashed.
  return JSON.parse(canonicalize(payload)) as JsonObject;
}

function announcedKid(type: string, payload: JsonObject): string | undefined {
  if (type !== 'key.announced' && type !== 'incident.opened') return undefined;
  const pk = payload.publicKey;
  if (typeof pk !== 'object' || pk === null || Array.isArray(pk)) return undefined;
  return typeof pk.kid === 'string' ? pk.kid : undefined;
}

function checkKeyRules(prev: ChainHead | undefined, type: EntryType, payload: JsonObject, signer: Signer): void {
  if (prev === undefined) {
    if (type !== 'incident.opened') throw new SeverError('ERR_RECORD_INVALID', `The first entry of a chain must be incident.opened, not ${type}.`, { details: { type } });
    const pk = payload.publicKey;
    if (canonicalize(pk ?? null) !== canonicalize(signer.publicJwk)) {
      throw new SeverError('ERR_KEY_INVALID', 'incident.opened must carry the signer\'s public JWK as payload.publicKey.', { details: { keyId: signer.keyId } });
    }
    return;
  }
  if (type === 'incident.opened') throw new SeverError('ERR_RECORD_INVALID', `incident.opened can only be the first entry (seq 0); this chain is at seq ${prev.seq}.`, { details: { seq: prev.seq } });
  if (signer.keyId === prev.keyId) return;
  const selfAnnouncing = announcedKid(type, payload) === signer.keyId;
  if (prev.payload === undefined) {
    throw new SeverError('ERR_KEY_INVALID', `Signing with key ${signer.keyId} after ${prev.keyId} needs the whole previous entry, not only the chain head.`, { details: { keyId: signer.keyId } });
  }
  const endorsed = announcedKid(prev.type, prev.payload) === signer.keyId;
  if (!selfAnnouncing && !endorsed) {
    throw new SeverError(
      'ERR_KEY_INVALID',
      `The ledger of incident ${prev.incidentId} is signed with key ${prev.keyId}; append a key.announced entry for key ${signer.keyId} before signing with it.`,
      { details: { incidentId: prev.incidentId, keyId: signer.keyId, previousKeyId: prev.keyId } },
    );
  }
}
