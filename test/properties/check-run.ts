/** What every CLI run must satisfy, whatever its arguments. */
import assert from 'node:assert/strict';
import { INPUT_CODES } from '../../src/cli/output.ts';
import { wantsJson } from '../../src/cli/main.ts';
import type { ErrorCode } from '../../src/core/errors.ts';
import type { MainResult } from '../cli/support.ts';

/** Codes that mean a bug when they answer user input. */
export const BUG_CODES = new Set(['ERR_INTERNAL', 'ERR_RECORD_INVALID', 'ERR_CANONICAL_JSON', 'ERR_STORE_FAILED']);

// Raw control characters a terminal would act on (newline and tab are the output's own).
const RAW_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

/**
 * Exit 0, 1 or 2; a failure is a coded error that is not a bug code, exit 2 exactly for the input
 * codes; with --json stdout is one JSON document and stderr is empty; human output is escaped.
 *
 * @returns the error code, or undefined on success.
 */
export function checkRun(argv: string[], r: MainResult): string | undefined {
  const where = `argv ${JSON.stringify(argv)}\nexit ${r.code}\nstdout ${r.stdout.slice(0, 2000)}\nstderr ${r.stderr.slice(0, 2000)}`;
  assert.ok([0, 1, 2].includes(r.code), where);
  let code: string | undefined;
  if (wantsJson(argv)) {
    assert.equal(r.stderr, '', `nothing on stderr with --json\n${where}`);
    let doc: any;
    assert.doesNotThrow(() => (doc = JSON.parse(r.stdout)), `stdout is one JSON document\n${where}`);
    assert.ok(doc !== null && typeof doc === 'object', where);
    if (r.code === 1 && doc.complete === false) {
      code = 'ERR_CONTAINMENT_INCOMPLETE'; // contain/verify: the summary is the document
    } else if (r.code !== 0) {
      assert.deepEqual(Object.keys(doc), ['error'], where);
      code = doc.error.code;
      assert.equal(typeof doc.error.message, 'string', where);
    } else {
      assert.ok(!('error' in doc), where);
    }
  } else {
    assert.ok(!RAW_CONTROLS.test(r.stdout) && !RAW_CONTROLS.test(r.stderr), `human output is escaped\n${where}`);
    if (r.code !== 0) code = /^error (ERR_[A-Z0-9_]+): /.exec(r.stderr)?.[1] ?? /\nerror (ERR_[A-Z0-9_]+): /.exec(r.stderr)?.[1];
  }
  if (r.code === 0) return undefined;
  assert.match(String(code), /^ERR_[A-Z0-9]+(_[A-Z0-9]+)*$/, `a coded error\n${where}`);
  assert.ok(!BUG_CODES.has(code!), `user input must not end in ${code}\n${where}`);
  if (code !== 'ERR_CONTAINMENT_INCOMPLETE') assert.equal(r.code, INPUT_CODES.has(code as ErrorCode) ? 2 : 1, `exit code of ${code}\n${where}`);
  return code;
}
