/**
 * Checks of command-line values, made before anything is opened: a bad value is `ERR_INPUT_INVALID`
 * (exit 2) naming the option, never a store error or an internal one later on.
 */
import { TIERS, type Tier } from '../core/model.ts';
import { inputError, oneLine } from './output.ts';

/** Incident and artifact ids as Sever makes them (`inc_…`, `art_…`), with room for other id sources. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const ROLE = /^(identity-engineering|ir-lead|app-owner:[A-Za-z0-9][A-Za-z0-9._-]{0,199})$/;
const CONNECTOR = /^(?=.{3,128}$)[a-z][a-z0-9-]*:[a-z0-9][a-z0-9._-]*$/;
/** An RFC 7638 thumbprint of an Ed25519 key: SHA-256, unpadded base64url. */
const KEY_ID = /^[A-Za-z0-9_-]{43}$/;
// Controls in a name (not in free text, where they are kept and escaped on output).
const NAME_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Longest free text (reason, note, label, ref) and name (person, subject, identifier). */
export const MAX_TEXT = 4096;
export const MAX_NAME = 256;
/** The latest instant a JavaScript Date can hold (+275760-09-13T00:00:00Z). */
export const MAX_DATE_MS = 8.64e15;

/** A value as it appears in a message: one line, shortened, quoted only when empty or spaced. */
const show = (v: string) => {
  const t = oneLine(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  return t === '' || /\s/.test(t) ? JSON.stringify(t) : t;
};

/**
 * Refuses what no shell can pass but an in-process caller could: NUL, and text that is not
 * Unicode (a lone surrogate), which the store and canonical JSON cannot hold.
 */
export function checkArgv(argv: readonly string[]): void {
  argv.forEach((a, i) => {
    if (typeof a !== 'string') throw inputError(`argument ${i + 1} is not text`, { index: i });
    if (a.includes('\u0000')) throw inputError(`argument ${i + 1} contains a NUL character`, { index: i });
    if (LONE_SURROGATE.test(a)) throw inputError(`argument ${i + 1} is not valid Unicode text`, { index: i });
  });
}

export function id(v: string, flag: string): string {
  if (!ID.test(v)) throw inputError(`${flag} ${show(v)}: expected an id like inc_… or art_… (letters, digits, _ . : -; 128 at most)`, { field: flag });
  return v;
}

/** A person (`--as`): what the runbook names; one line, not empty. */
export function person(v: string, flag = '--as'): string {
  const t = v.trim();
  if (t === '') throw inputError(`${flag}: a person is required (as the runbook names them)`, { field: flag });
  if (t.length > MAX_NAME || NAME_CONTROLS.test(t)) throw inputError(`${flag} ${show(t)}: expected a name as the runbook spells it (one line, ${MAX_NAME} characters at most)`, { field: flag });
  return t;
}

/** A name-like value (subject handle, identifier, ref): one line, not empty. */
export function name(v: string, flag: string, max = MAX_NAME): string {
  if (v.trim() === '') throw inputError(`${flag}: must not be empty`, { field: flag });
  if (v.length > max || NAME_CONTROLS.test(v)) throw inputError(`${flag} ${show(v)}: expected one line of at most ${max} characters`, { field: flag });
  return v;
}

/** Free text (reason, note, label): kept as given, escaped when printed; bounded. */
export function text(v: string, flag: string, o: { required?: boolean } = {}): string {
  if (o.required && v.trim() === '') throw inputError(`${flag}: must not be empty`, { field: flag });
  if (v.length > MAX_TEXT) throw inputError(`${flag}: ${v.length} characters; at most ${MAX_TEXT}`, { field: flag });
  return v;
}

export function role(v: string): string {
  if (!ROLE.test(v)) throw inputError(`--role ${show(v)}: expected identity-engineering, ir-lead or app-owner:<application>`, { field: 'role' });
  return v;
}

export function connector(v: string, flag = '--connector'): string {
  if (!CONNECTOR.test(v)) throw inputError(`${flag} ${show(v)}: expected kind:instance, e.g. oauth:partner`, { field: flag });
  return v;
}

export function keyId(v: string): string {
  if (!KEY_ID.test(v)) throw inputError(`--key-id ${show(v)}: expected an RFC 7638 thumbprint (43 characters of base64url), as \`sever evidence key-id\` prints it`, { field: 'key-id' });
  return v;
}

export function tiers(values: readonly string[]): Tier[] {
  for (const t of values) if (!TIERS.includes(t as Tier)) throw inputError(`--tier ${show(t)}: expected one of ${TIERS.join(', ')}`, { field: 'tier' });
  return values as Tier[];
}

const UNIT_MS = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 } as const;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO-8601 time, or a duration from now (`90s`, `15m`, `24h`, `30d`), as an ISO string.
 * Bounded to what a Date can hold: `99999999999999999999d` is refused, not an internal error.
 */
export function time(v: string, flag: string, now = Date.now()): string {
  const m = /^(\d+)([smhd])$/.exec(v);
  let t: number;
  if (m) {
    t = now + Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  } else if (ISO_TIME.test(v)) {
    t = Date.parse(v.replace(' ', 'T'));
    if (Number.isNaN(t)) throw inputError(`${flag} ${show(v)}: not a valid date or time`, { field: flag });
  } else {
    throw inputError(`${flag} ${show(v)}: expected an ISO-8601 time (2025-06-30T12:00:00Z) or a duration like 90s, 15m, 24h, 30d`, { field: flag });
  }
  if (!Number.isFinite(t) || Math.abs(t) > MAX_DATE_MS) throw inputError(`${flag} ${show(v)}: too far from now (a time must be before the year 275760)`, { field: flag });
  return new Date(t).toISOString();
}

/** `--database-url`: a PostgreSQL URL; never echoed (it may hold a password). */
export function databaseUrl(v: string, flag = '--database-url'): string {
  let u: URL | undefined;
  try {
    u = new URL(v);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') || u.hostname === '' && !u.searchParams.has('host')) {
    throw inputError(`${flag}: expected postgres://user@host:port/database (the value is not shown: it may hold a password)`, { field: 'database-url' });
  }
  return v;
}
