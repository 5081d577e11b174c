/**
 * RFC 8785 JSON Canonicalization Scheme (JCS) for the JSON data model: `null`, booleans, finite
 * numbers, strings, arrays and plain objects. Everything the ledger hashes or signs goes through
 * here, so two implementations that agree on RFC 8785 agree on every hash.
 *
 * - Object members are sorted by their names as arrays of UTF-16 code units (RFC 8785 §3.2.3).
 * - Numbers use the ECMAScript `Number.prototype.toString` form (§3.2.2.3); `-0` is `0`.
 * - Strings escape only `"`, `\` and U+0000..U+001F (`\b \t \n \f \r`, otherwise `\u00xx`
 *   in lowercase); everything else is written as is (§3.2.2.2).
 * - No whitespace.
 *
 * Anything outside that model is refused, never silently dropped: `undefined` (also as an object
 * property or array element), functions, symbols, bigints, `NaN`/`±Infinity`, strings or names
 * holding a lone surrogate (I-JSON, RFC 7493), sparse arrays, cycles, and objects that are not
 * plain (`Date`, `Map`, class instances, anything with a `toJSON`).
 */
import { SeverError } from '../core/errors.ts';

/** A value in the JSON data model that {@link canonicalize} accepts. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Deeper values are refused: no legitimate evidence nests this far, and it bounds recursion. */
export const MAX_DEPTH = 64;

const encoder = new TextEncoder();
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * The RFC 8785 canonical form of `value`, as a string.
 *
 * @param value A JSON value (see {@link JsonValue}); typed `unknown` because callers hand over
 *   data they have not checked, and this function is the check.
 * @returns The canonical JSON text.
 * @throws SeverError `ERR_CANONICAL_JSON`; `details.path` names the offending place, e.g. `$.a[2]`.
 */
export function canonicalize(value: unknown): string {
  return write(value, '$', 0, new Set());
}

/**
 * The UTF-8 bytes of {@link canonicalize}`(value)`: the exact input of every hash and signature.
 *
 * @throws SeverError `ERR_CANONICAL_JSON`, as {@link canonicalize}.
 */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}

/**
 * Whether `value` is in the JSON data model {@link canonicalize} accepts. Never throws.
 */
export function isCanonicalizable(value: unknown): value is JsonValue {
  try {
    canonicalize(value);
    return true;
  } catch {
    return false;
  }
}

function write(value: unknown, path: string, depth: number, stack: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw refuse(path, `${String(value)} is not a JSON number`);
      // ECMAScript Number-to-String is exactly RFC 8785 §3.2.2.3; JSON.stringify(-0) is "0".
      return JSON.stringify(value);
    case 'string':
      return writeString(value, path);
    case 'object':
      break;
    default:
      throw refuse(path, `a ${typeof value} is not a JSON value`);
  }
  const obj = value as object;
  if (depth >= MAX_DEPTH) throw refuse(path, `nesting deeper than ${MAX_DEPTH} levels`);
  if (stack.has(obj)) throw refuse(path, 'a cycle');
  stack.add(obj);
  try {
    return Array.isArray(obj) ? writeArray(obj, path, depth, stack) : writeObject(obj, path, depth, stack);
  } finally {
    stack.delete(obj);
  }
}

function writeArray(arr: readonly unknown[], path: string, depth: number, stack: Set<object>): string {
  const parts: string[] = [];
  for (let i = 0; i < arr.length; i++) {
    if (!(i in arr)) throw refuse(`${path}[${i}]`, 'a hole in a sparse array');
    parts.push(write(arr[i], `${path}[${i}]`, depth + 1, stack));
  }
  return `[${parts.join(',')}]`;
}

function writeObject(obj: object, path: string, depth: number, stack: Set<object>): string {
  const proto = Object.getPrototypeOf(obj) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const name = (obj as { constructor?: { name?: unknown } }).constructor?.name;
    throw refuse(path, `a ${typeof name === 'string' ? name : 'non-plain'} object is not a JSON object`);
  }
  if (Object.getOwnPropertySymbols(obj).length > 0) throw refuse(path, 'an object with symbol keys');
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') throw refuse(path, 'an object with a toJSON method');
  // Default sort compares UTF-16 code units, which is what RFC 8785 §3.2.3 asks for.
  const keys = Object.keys(obj).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const child = `${path}.${key}`;
    parts.push(`${writeString(key, child)}:${write((obj as Record<string, unknown>)[key], child, depth + 1, stack)}`);
  }
  return `{${parts.join(',')}}`;
}

function writeString(s: string, path: string): string {
  if (LONE_SURROGATE.test(s)) throw refuse(path, 'a string with a lone surrogate (not valid Unicode)');
  // For well-formed strings, JSON.stringify escapes exactly as RFC 8785 §3.2.2.2 requires.
  return JSON.stringify(s);
}

function refuse(path: string, what: string): SeverError {
  return new SeverError('ERR_CANONICAL_JSON', `Cannot canonicalize ${path}: ${what}.`, { details: { path } });
}
