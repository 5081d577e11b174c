/**
 * Human or JSON output, and the one place errors become messages and exit codes.
 * Exit codes: 0 success; 1 refused or failed (gate refusal, bad bundle, live artifact); 2 bad input.
 *
 * With --json, stdout carries exactly one JSON document: the command's result, or (instead of it)
 * `{"error": …}`. Human output escapes control characters (C0, DEL, C1, bidi controls) of user and
 * provider data, so a subject name cannot move the cursor, recolour the terminal or reorder a line.
 */
import { SeverError, toSeverError, type ErrorCode } from '../core/errors.ts';

/** Where the CLI writes; process.stdout/stderr in production, buffers in tests. */
export interface Sink {
  write(chunk: string): unknown;
}

export interface Output {
  json: boolean;
  /**
   * Result of the command: with --json it is held and printed as the one JSON document when the
   * command ends without an error; otherwise printed now by `human` (escaped for the terminal).
   */
  result(value: unknown, human: (v: any) => string): void;
  /** Progress and notes: stderr, never in --json output. */
  note(line: string): void;
  /** Prints the held JSON result (if any); called once by the CLI when the command succeeded. */
  flush(): void;
  /** Forgets the held JSON result: an error document replaces it. */
  discard(): void;
}

// C0 controls except tab and newline (handled by the caller), DEL, C1, and the Unicode
// format controls that reorder or hide text: ALM, LRM/RLM, LRE…RLO, LRI…PDI, LS/PS.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const CONTROLS_AND_LINES = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const escapeChar = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Escapes control characters for a terminal, keeping newlines and tabs (multi-line text). */
export function escapeText(s: string): string {
  return s.replace(CONTROLS, escapeChar);
}

/** Escapes control characters including newlines and tabs: for a value that must stay on one line. */
export function oneLine(s: unknown): string {
  return String(s).replace(CONTROLS_AND_LINES, escapeChar);
}

export function createOutput(json: boolean, out: Sink = process.stdout, err: Sink = process.stderr): Output {
  let held: { value: unknown } | undefined;
  return {
    json,
    result(value, human) {
      if (json) held = { value };
      else out.write(`${escapeText(human(value))}\n`);
    },
    note(line) {
      if (!json) err.write(`${escapeText(line)}\n`);
    },
    flush() {
      if (held) out.write(`${JSON.stringify(held.value, null, 2)}\n`);
      held = undefined;
    },
    discard() {
      held = undefined;
    },
  };
}

/**
 * Codes that mean the input was wrong (a flag, an argument, a file, sever.yaml, the policy, the
 * runbook, the key file): exit 2. Everything else is a refusal or a failure: exit 1.
 */
export const INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_INPUT_INVALID', 'ERR_CONFIG_INVALID', 'ERR_CONFIG_NOT_FOUND', 'ERR_POLICY_INVALID', 'ERR_RUNBOOK_INVALID', 'ERR_CONNECTOR_UNKNOWN',
  'ERR_CONNECTOR_CONFIG', 'ERR_SECRET_UNRESOLVED', 'ERR_KEY_INVALID',
]);

export function exitCodeFor(e: SeverError): number {
  return INPUT_CODES.has(e.code) ? 2 : 1;
}

/** Prints a coded error (JSON document on stdout with --json, else one line and its list on stderr); returns the exit code. */
export function reportError(e: unknown, json: boolean, err: Sink = process.stderr, out: Sink = process.stdout): number {
  const se = toSeverError(e);
  if (json) {
    out.write(`${JSON.stringify({ error: se.toJSON() }, null, 2)}\n`);
  } else {
    err.write(`error ${se.code}: ${oneLine(se.message)}\n`);
    const missing = se.details.missing as Array<{ code: string; message: string }> | undefined;
    if (Array.isArray(missing)) for (const m of missing) err.write(`  - [${oneLine(m.code)}] ${oneLine(m.message)}\n`);
    const problems = se.details.problems as Array<{ path: string; message: string }> | undefined;
    if (Array.isArray(problems) && (problems.length > 1 || !se.message.includes(problems[0]?.path ?? '\0'))) for (const p of problems) err.write(`  - ${oneLine(p.path)}: ${oneLine(p.message)}\n`);
    if (se.code === 'ERR_INTERNAL' && se.cause instanceof Error && process.env.SEVER_DEBUG) err.write(`${se.cause.stack}\n`);
  }
  return exitCodeFor(se);
}

/** Columns padded to the widest cell; every cell is escaped to one line first. */
export function table(rows: unknown[][]): string {
  if (rows.length === 0) return '';
  const cells = rows.map((r) => r.map((c) => oneLine(c ?? '')));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** A coded bad-input error naming the argument (exit 2). */
export function inputError(message: string, details: Record<string, unknown> = {}): SeverError {
  return new SeverError('ERR_INPUT_INVALID', message, { details });
}
