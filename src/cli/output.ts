/**
 * Human or JSON output, and the one place errors become messages and exit codes.
 * Exit codes: 0 success; 1 refused or failed (gate refusal, bad bundle, live artifact); 2 bad input.
 */
import { SeverError, toSeverError } from '../core/errors.ts';

export interface Output {
  json: boolean;
  /** Result of the command: printed as JSON with --json, else by `human`. */
  result(value: unknown, human: (v: any) => string): void;
  /** Progress and notes: stderr, never in --json output. */
  note(line: string): void;
}

export function createOutput(json: boolean, out = process.stdout, err = process.stderr): Output {
  return {
    json,
    result(value, human) {
      out.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human(value)}\n`);
    },
    note(line) {
      if (!json) err.write(`${line}\n`);
    },
  };
}

const INPUT_CODES = new Set(['ERR_INPUT_INVALID', 'ERR_CONFIG_INVALID', 'ERR_CONFIG_NOT_FOUND', 'ERR_POLICY_INVALID', 'ERR_RUNBOOK_INVALID', 'ERR_CONNECTOR_UNKNOWN', 'ERR_SECRET_UNRESOLVED']);

export function exitCodeFor(e: SeverError): number {
  return INPUT_CODES.has(e.code) ? 2 : 1;
}

export function reportError(e: unknown, json: boolean, err = process.stderr, out = process.stdout): number {
  const se = toSeverError(e);
  if (json) {
    out.write(`${JSON.stringify({ error: se.toJSON() }, null, 2)}\n`);
  } else {
    err.write(`error ${se.code}: ${se.message}\n`);
    const missing = se.details.missing as Array<{ code: string; message: string }> | undefined;
    if (Array.isArray(missing)) for (const m of missing) err.write(`  - [${m.code}] ${m.message}\n`);
    const problems = se.details.problems as Array<{ path: string; message: string }> | undefined;
    if (Array.isArray(problems) && !se.message.includes(problems[0]?.path ?? '\0')) for (const p of problems) err.write(`  - ${p.path}: ${p.message}\n`);
    if (se.code === 'ERR_INTERNAL' && se.cause instanceof Error && process.env.SEVER_DEBUG) err.write(`${se.cause.stack}\n`);
  }
  return exitCodeFor(se);
}

export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
