/**
 * Turns zod issues into messages a person can act on: each one names the path of the bad field in
 * the document's own notation (`rules[2].tier`) and says what was expected and what was found.
 */
import type { z } from 'zod';

/** One problem in a document, addressed by its path. */
export interface FieldProblem {
  /** Dotted path with indices, e.g. `rules[2].match.kind[0]`; `(root)` for the document itself. */
  path: string;
  message: string;
}

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/**
 * Formats a zod path as `a.b[2].c`.
 *
 * @param path The issue path.
 * @returns The path, or `(root)` when empty.
 */
export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * Describes every issue of a failed parse, in zod's order.
 *
 * @param issues The issues of a `safeParse` failure.
 * @param input The value that was parsed, used to quote what was found.
 * @returns One {@link FieldProblem} per issue (unknown keys: one per key).
 */
export function describeIssues(issues: readonly Issue[], input: unknown): FieldProblem[] {
  return issues.flatMap((issue) => describe(issue, [], input));
}

/**
 * Joins problems into a single line: `rules[2].tier: expected one of …; version: expected 1`.
 *
 * @param problems The problems to join.
 */
export function problemsToText(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('; ');
}

function describe(issue: Issue, prefix: readonly PathKey[], input: unknown): FieldProblem[] {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'invalid_union': {
      // Report the branch that got furthest: the one whose issues are deepest, preferring a value
      // mismatch over a type mismatch (a string that is not a known kind, rather than "not a list").
      const best = pickBranch(issue.errors);
      if (best === undefined) return [{ path: formatPath(path), message: issue.message }];
      return best.flatMap((inner) => describe(inner, path, input));
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: 'unknown field' }));
    case 'invalid_value': {
      const expected =
        issue.values.length === 1
          ? `expected ${quote(issue.values[0])}`
          : `expected one of ${issue.values.map((v) => String(v)).join(', ')}`;
      return [{ path: formatPath(path), message: `${expected}${found(input, path)}` }];
    }
    case 'invalid_type': {
      const value = at(input, path);
      if (value.present === false || value.value === undefined) {
        return [{ path: formatPath(path), message: `required (expected ${issue.expected})` }];
      }
      return [{ path: formatPath(path), message: `expected ${issue.expected}, got ${typeName(value.value)}` }];
    }
    case 'too_small': {
      if (issue.origin === 'string' && Number(issue.minimum) === 1) {
        return [{ path: formatPath(path), message: 'must not be empty' }];
      }
      if (issue.origin === 'array') {
        return [{ path: formatPath(path), message: `must have at least ${String(issue.minimum)} item(s)` }];
      }
      return [{ path: formatPath(path), message: issue.message }];
    }
    case 'invalid_format': {
      // A regex check carries the schema's own message ("expected a name of …"); others name the format.
      const expected = issue.format === 'regex' ? issue.message : `expected ${issue.format === 'datetime' ? 'an ISO 8601 date-time' : issue.format}`;
      return [{ path: formatPath(path), message: `${expected}${found(input, path)}` }];
    }
    default:
      return [{ path: formatPath(path), message: issue.message }];
  }
}

function pickBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  let best: readonly Issue[] | undefined;
  let bestScore = -Infinity;
  for (const branch of branches) {
    const depth = Math.max(0, ...branch.map((i) => i.path.length));
    const typeOnly = branch.every((i) => i.code === 'invalid_type') ? 0 : 0.5;
    const score = depth + typeOnly;
    if (score > bestScore) {
      best = branch;
      bestScore = score;
    }
  }
  return best;
}

function at(input: unknown, path: readonly PathKey[]): { present: boolean; value?: unknown } {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return { present: false };
    const record = current as Record<PropertyKey, unknown>;
    if (!(key in record)) return { present: false };
    current = record[key];
  }
  return { present: true, value: current };
}

/** A field holding a credential reference (`…Ref`, `…Refs`): its value may be a pasted secret, so it is never echoed. */
const isReferenceField = (path: readonly PathKey[]) => path.some((k) => typeof k === 'string' && /Refs?$/.test(k));

function found(input: unknown, path: readonly PathKey[]): string {
  const value = at(input, path);
  if (!value.present || isReferenceField(path)) return '';
  const v = value.value;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) {
    return ` (got ${quote(v)})`;
  }
  return ` (got ${typeName(v)})`;
}

function quote(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
