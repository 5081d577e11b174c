/**
 * The evidence entry: one signed, hash-chained record of something that happened in an incident.
 * An entry is a versioned envelope, validated by {@link entrySchema} when it is built (write) and
 * when it is read back or verified (read). docs/evidence.md is the normative description.
 */
import { z } from 'zod';
import { SeverError } from '../core/errors.ts';
import { isCanonicalizable, type JsonObject } from './canonical.ts';
import { keyIdSchema, isBase64url } from './jwk.ts';
import { payloadProblem } from './payload-rules.ts';

export const ENTRY_KIND = 'sever.evidence';
export const ENTRY_VERSION = 1;

/** `prevHash` of the entry with `seq` 0. */
export const GENESIS_PREV_HASH = '0'.repeat(64);

/** The closed list of entry types. Adding one is a format change: document it in docs/evidence.md. */
export const ENTRY_TYPES = [
  'incident.opened',
  'incident.state-changed',
  'discovery.started',
  'artifact.discovered',
  'artifact.added',
  'artifact.amended',
  'discovery.completed',
  'plan.created',
  'revoke.intent',
  'revoke.response',
  'revoke.error',
  'rotate.response',
  'rotate.adoption',
  'verify.observation',
  'provider.fault',
  'artifact.verdict',
  'signoff.recorded',
  'signoff.refused',
  'exception.granted',
  'close.refused',
  'incident.closed',
  'incident.reopened',
  'alert.raised',
  'key.announced',
  'runbook.recorded',
] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

export function isEntryType(value: unknown): value is EntryType {
  return typeof value === 'string' && (ENTRY_TYPES as readonly string[]).includes(value);
}

/** `new Date(ms).toISOString()`: UTC, milliseconds, `Z`; fixed width, so it sorts as text. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const isoUtcSchema = z
  .string()
  .refine((s) => ISO_UTC.test(s) && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s, 'must be an ISO-8601 UTC time as YYYY-MM-DDTHH:mm:ss.sssZ');

const HEX64 = /^[0-9a-f]{64}$/;
export const hex64Schema = z.string().regex(HEX64, 'must be 64 lowercase hex digits (SHA-256)');

const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /\p{Surrogate}/u;
const label = z
  .string()
  .min(1)
  .max(200)
  .refine((s) => !CONTROL.test(s) && !LONE_SURROGATE.test(s), 'must not contain control characters or lone surrogates');

const payloadSchema = z.custom<JsonObject>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && isCanonicalizable(v),
  'must be a JSON object (finite numbers, well-formed strings, plain objects)',
);

/** The entry envelope. Unknown members are refused. */
export const entrySchema = z
  .strictObject({
    kind: z.literal(ENTRY_KIND),
    version: z.literal(ENTRY_VERSION),
    incidentId: label,
    seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    type: z.enum(ENTRY_TYPES),
    at: isoUtcSchema,
    actor: label,
    payload: payloadSchema,
    prevHash: hex64Schema,
    hash: hex64Schema,
    keyId: keyIdSchema,
    sig: z.string().refine((s) => isBase64url(s, 64), 'must be a 64-byte Ed25519 signature, unpadded base64url'),
  })
  .superRefine((e, ctx) => {
    const problem = payloadProblem(e.type, e.payload);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['payload', ...problem.path], message: problem.message });
    if (e.seq === 0 && e.prevHash !== GENESIS_PREV_HASH) ctx.addIssue({ code: 'custom', path: ['prevHash'], message: 'must be 64 zeros for seq 0' });
    if ((e.seq === 0) !== (e.type === 'incident.opened')) ctx.addIssue({ code: 'custom', path: ['type'], message: 'incident.opened must be the entry with seq 0, and only that one' });
    if (e.type === 'incident.opened' && problem === undefined && (e.payload.publicKey as { kid?: unknown }).kid !== e.keyId) {
      ctx.addIssue({ code: 'custom', path: ['keyId'], message: 'incident.opened must be signed by the key it announces in payload.publicKey' });
    }
  });

/** One evidence entry, as persisted and exported. */
export interface Entry {
  kind: typeof ENTRY_KIND;
  version: typeof ENTRY_VERSION;
  incidentId: string;
  /** Position in the incident's chain: 0, 1, 2, … without gaps. */
  seq: number;
  type: EntryType;
  /** ISO-8601 UTC (`2025-01-31T12:00:00.000Z`) from the injected clock; never earlier than the previous entry's. */
  at: string;
  /** The person who acted, or `sever` for the engine itself. */
  actor: string;
  /** Secret-free JSON object; see docs/evidence.md for the fields of each type. */
  payload: JsonObject;
  /** `hash` of the entry at `seq - 1`, or {@link GENESIS_PREV_HASH} for `seq` 0. */
  prevHash: string;
  /** Lowercase hex SHA-256 of the RFC 8785 canonical JSON of the entry without `hash` and `sig`. */
  hash: string;
  /** RFC 7638 thumbprint of the Ed25519 key that signed. */
  keyId: string;
  /** Unpadded base64url Ed25519 signature over the 64 ASCII bytes of `hash`. */
  sig: string;
}

/** What is hashed: the entry without `hash` and `sig`. */
export type UnsignedEntry = Omit<Entry, 'hash' | 'sig'>;

/** A first, human-readable problem of a failed parse: `payload.verdict: Invalid option…`. */
export function firstIssue(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  if (issue === undefined) return { path: '', message: 'invalid' };
  const path = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '');
  return { path, message: issue.message };
}

/**
 * Validates a persisted entry (read side).
 *
 * @param value An entry as read from the store or a bundle.
 * @returns The entry (the same values; the envelope members in schema order).
 * @throws SeverError `ERR_RECORD_INVALID` naming the first bad field.
 */
export function parseEntry(value: unknown): Entry {
  const r = entrySchema.safeParse(value);
  if (r.success) return r.data as Entry;
  const { path, message } = firstIssue(r.error);
  throw new SeverError('ERR_RECORD_INVALID', `Invalid evidence entry: ${path === '' ? '' : `${path}: `}${message}`, { details: { record: ENTRY_KIND, path } });
}
