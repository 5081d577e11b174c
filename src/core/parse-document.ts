/**
 * Shared by the YAML-or-object documents of the core (policy, runbook): parse a string as YAML,
 * validate with zod, and raise one coded error that names every bad field.
 */
import type { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { SeverError, type ErrorCode } from './errors.ts';
import { describeIssues, problemsToText } from './zod-issues.ts';

/**
 * Parses `input` (a YAML string, or an already-parsed value) against `schema`.
 *
 * @param input YAML text, or a plain object (e.g. from a test or from a larger config file).
 * @param schema The zod schema of the document.
 * @param code The error code raised on failure.
 * @param what The document's name in messages, e.g. `policy`.
 * @returns The validated document.
 * @throws SeverError `code`, whose message names the path of every bad field, and whose
 *   `details.problems` lists them as `{ path, message }`.
 */
export function parseDocument<S extends z.ZodType>(input: unknown, schema: S, code: ErrorCode, what: string): z.output<S> {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = parseYaml(input, { logLevel: 'error' });
    } catch (e) {
      const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new SeverError(code, `The ${what} is not valid YAML: ${reason}`, {
        details: { problems: [{ path: '(root)', message: reason }] },
        cause: e,
      });
    }
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = describeIssues(result.error.issues, value);
  throw new SeverError(code, `The ${what} is invalid: ${problemsToText(problems)}`, { details: { problems } });
}

/**
 * A zod `superRefine` that reports duplicate values of `field` among the items of the array at
 * `listKey`, e.g. two rules with the same id. It runs even when other fields are invalid (so a
 * person sees every problem at once) and tolerates the partly invalid value it may then get.
 *
 * @param listKey The key of the array in the parsed object (`rules`).
 * @param field The item field that must be unique (`id`).
 * @param noun How to name the field in the message (`rule id`).
 * @returns `[refinement, params]`, to spread into `.superRefine(...)`.
 */
export function uniqueField(
  listKey: string,
  field: string,
  noun: string,
): [(value: unknown, ctx: z.RefinementCtx) => void, { when: () => boolean }] {
  const refine = (value: unknown, ctx: z.RefinementCtx): void => {
    const list = (value as Record<string, unknown> | null)?.[listKey];
    if (!Array.isArray(list)) return;
    const seen = new Map<unknown, number>();
    list.forEach((item: unknown, i) => {
      const key = (item as Record<string, unknown> | null)?.[field];
      if (typeof key !== 'string') return;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else ctx.addIssue({ code: 'custom', path: [listKey, i, field], message: `duplicate ${noun} "${key}" (first used by ${listKey}[${first}])` });
    });
  };
  return [refine, { when: () => true }];
}
