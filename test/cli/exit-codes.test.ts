/**
 * Exit codes as docs/cli.md states them, in-process (no store is opened: every case fails on its
 * input before that): 2 and ERR_INPUT_INVALID for every bad input, commander's own errors
 * included; with --json (anywhere) exactly one JSON document on stdout and nothing on stderr.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SeverError } from '../../src/core/errors.ts';
import { exitCodeFor } from '../../src/cli/output.ts';
import { tempDir } from '../support/databases.ts';
import { runMain, withFake } from './support.ts';

const RUNBOOK = { version: 1, roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'], responders: ['eddie'] } };

/** Asserts a coded bad-input rejection: exit 2, one line on stderr (or one JSON document), nothing else. */
async function rejects(argv: string[], message: RegExp, code = 'ERR_INPUT_INVALID') {
  const human = await runMain(argv.filter((a) => a !== '--json'));
  assert.equal(human.code, 2, `${argv.join(' ')}: ${human.stderr}`);
  assert.equal(human.stdout, '', 'nothing on stdout without --json');
  assert.match(human.stderr, new RegExp(`^error ${code}: `));
  assert.match(human.stderr, message);
  const json = await runMain([...argv.filter((a) => a !== '--json'), '--json']);
  assert.equal(json.code, 2);
  assert.equal(json.stderr, '', 'nothing on stderr with --json');
  const doc = json.json();
  assert.deepEqual(Object.keys(doc), ['error']);
  assert.equal(doc.error.code, code);
  assert.match(doc.error.message, message);
  return { human, json };
}

describe('exit codes and coded errors', () => {
  let dir: string;
  let config: string;
  before(() => {
    dir = tempDir('sever-exit-');
    config = join(dir, 'sever.yaml');
    writeFileSync(config, stringify({ version: 1, connectors: {}, runbook: RUNBOOK }));
  });

  it('commander errors: unknown option, unknown command, missing argument, missing option, extra argument, no command', async () => {
    await rejects(['--bogus'], /unknown option '--bogus'/);
    await rejects(['incident', 'list', '--frobnicate'], /unknown option '--frobnicate'/);
    await rejects(['incdent', 'list'], /unknown command 'incdent'/);
    await rejects(['incident', 'show'], /missing required argument 'id'; see `sever incident show --help`/);
    await rejects(['incident', 'signoff', 'inc_x', '--as', 'ida'], /required option '--role <role>' not specified/);
    await rejects(['incident', 'show', 'inc_a', 'inc_b'], /too many arguments/);
    await rejects(['incident', 'open', '--subject'], /option '--subject <handle>' argument missing/);
    await rejects(['incident'], /sever incident: a command is missing/);
    await rejects([], /sever: a command is missing/);
  });

  it('--json anywhere, even after the bad option commander stops at, gives one JSON document', async () => {
    for (const argv of [['--json', '--bogus'], ['--bogus', '--json'], ['incident', '--json', 'nope'], ['incident', 'show', '--json']]) {
      const r = await runMain(argv);
      assert.equal(r.code, 2);
      assert.equal(r.json().error.code, 'ERR_INPUT_INVALID', argv.join(' '));
    }
    const afterDashes = await runMain(['incident', 'show', '--', '--json']);
    assert.equal(afterDashes.code, 2, 'after -- it is an argument, not the flag');
    assert.equal(afterDashes.stdout, '');
  });

  it('help is exit 0; with --json it is one JSON document', async () => {
    const h = await runMain(['incident', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Usage: sever incident/);
    const j = await runMain(['incident', 'contain', '--help', '--json']);
    assert.equal(j.code, 0);
    assert.match(j.json().help, /--tier <tier>/);
  });

  it('-c naming a directory, a path through a file or a FIFO, and -d naming a file are ERR_INPUT_INVALID naming the path', async () => {
    await rejects(['-c', dir, 'incident', 'list'], new RegExp(`configuration file ${dir}: is a directory`));
    await rejects(['-c', join(config, 'x.yaml'), 'incident', 'list'], /x\.yaml: a parent of the path is not a directory/);
    const fifo = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    await rejects(['-c', fifo, 'incident', 'list'], /fifo\.yaml: is not a regular file/);
    await rejects(['-c', config, '-d', config, 'incident', 'list'], new RegExp(`--data-dir ${config}: not a directory`));
    await rejects(['-c', config, '-d', join(config, 'sub'), 'incident', 'list'], /--data-dir .*sub: cannot create or use it \(a parent is not a directory\)/);
    const missing = await runMain(['-c', join(dir, 'nope.yaml'), 'incident', 'list']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error ERR_CONFIG_NOT_FOUND: .*nope\.yaml/);
  });

  it('durations and times past what a Date holds are refused, not internal errors', async () => {
    const except = (expires: string) => ['incident', 'except', 'inc_x', '--artifact', 'art_x', '--reason', 'r', '--expires', expires, '--as', 'irene'];
    await rejects(except('99999999999999999999d'), /--expires 99999999999999999999d: too far from now/);
    await rejects(except('1e400h'), /--expires 1e400h: expected an ISO-8601 time/);
    await rejects(except('275761-01-01'), /expected an ISO-8601 time/);
    await rejects(except('2025-02-30T25:00:00Z'), /not a valid date or time/);
    await rejects(['incident', 'add-artifact', 'inc_x', '--connector', 'oauth:x', '--kind', 'access-token', '--ref', 'r', '--expires-at', '9999999999999999d'], /--expires-at 9999999999999999d: too far from now/);
  });

  it('malformed values are refused before anything is opened: role, empty reason, empty person, ids, key id, database URL, NUL', async () => {
    await rejects(['incident', 'signoff', 'inc_x', '--role', 'boss', '--as', 'ida'], /--role boss: expected identity-engineering, ir-lead or app-owner:<application>/);
    await rejects(['incident', 'signoff', 'inc_x', '--role', 'app-owner:', '--as', 'ida'], /--role app-owner:/);
    await rejects(['incident', 'except', 'inc_x', '--artifact', 'art_x', '--reason', '  ', '--expires', '1h', '--as', 'irene'], /--reason: must not be empty/);
    await rejects(['incident', 'close', 'inc_x', '--as', ''], /--as: a person is required/);
    await rejects(['incident', 'close', 'inc_x', '--as', 'irene\u001b[2J'], /--as irene\\u001b\[2J: expected a name/);
    await rejects(['incident', 'show', 'inc x/../../etc'], /<id> "inc x\/..\/..\/etc": expected an id/);
    await rejects(['incident', 'except', 'inc_x', '--artifact', '', '--reason', 'r', '--expires', '1h', '--as', 'irene'], /--artifact "": expected an id/);
    await rejects(['incident', 'open', '--subject', ' ', '--as', 'ida'], /--subject: must not be empty/);
    await rejects(['incident', 'open', '--subject', 'a', '--reason', 'x'.repeat(5000), '--as', 'ida'], /--reason: 5000 characters; at most 4096/);
    await rejects(['incident', 'add-artifact', 'inc_x', '--connector', 'oauth', '--kind', 'access-token', '--ref', 'r'], /--connector oauth: expected kind:instance/);
    // A provider id goes into a unique index: 1000 astral characters made PostgreSQL refuse the row, uncoded.
    await rejects(['incident', 'add-artifact', 'inc_x', '--connector', 'oauth:x', '--kind', 'access-token', '--ref', '\u{10000}'.repeat(1000)], /--ref .*: expected one line of at most 512 characters/);
    await rejects(['incident', 'add-artifact', 'inc_x', '--connector', 'oauth:x', '--kind', 'cookie', '--ref', 'r'], /--kind cookie: expected one of/);
    await rejects(['incident', 'add-artifact', 'inc_x', '--connector', 'oauth:x', '--kind', 'access-token', '--ref', 'r', '--attribute', 'valueEncoding=hex'], /valueEncoding: set by Sever/);
    await rejects(['evidence', 'verify', join(dir, 'b.json'), '--key-id', 'not-a-thumbprint'], /--key-id not-a-thumbprint: expected an RFC 7638 thumbprint/);
    const url = await rejects(['-c', config, '--database-url', 'mysql://admin:hunter2@db/x', 'incident', 'list'], /--database-url: expected postgres:/);
    assert.ok(!url.human.stderr.includes('hunter2') && !url.json.stdout.includes('hunter2'), 'a database URL is never echoed');
    await rejects(['incident', 'open', '--subject', 'a\u0000b', '--as', 'ida'], /argument 4 contains a NUL character/);
    await rejects(['incident', 'open', '--subject', 'a\ud800', '--as', 'ida'], /argument 4 is not valid Unicode text/);
  });

  it('checks arguments before the engine is reached', async () => {
    let called = false;
    const engine = new Proxy({}, { get: () => { called = true; return async () => undefined; } });
    const r = await runMain(['incident', 'signoff', 'inc_x', '--role', 'ir lead', '--as', 'irene'], withFake(engine));
    assert.equal(r.code, 2);
    assert.equal(called, false);
  });

  it('input codes exit 2; refusals (an actor the runbook does not know), failures and not-found exit 1', () => {
    for (const code of ['ERR_INPUT_INVALID', 'ERR_CONFIG_INVALID', 'ERR_CONFIG_NOT_FOUND', 'ERR_POLICY_INVALID', 'ERR_RUNBOOK_INVALID', 'ERR_CONNECTOR_UNKNOWN', 'ERR_CONNECTOR_CONFIG', 'ERR_SECRET_UNRESOLVED', 'ERR_KEY_INVALID'] as const) {
      assert.equal(exitCodeFor(new SeverError(code, 'x')), 2, code);
    }
    for (const code of ['ERR_ACTOR_REFUSED', 'ERR_SIGNOFF_REFUSED', 'ERR_CLOSE_REFUSED', 'ERR_INCIDENT_NOT_FOUND', 'ERR_BUNDLE_INVALID', 'ERR_CONTAINMENT_INCOMPLETE', 'ERR_INTERNAL', 'ERR_STORE_FAILED'] as const) {
      assert.equal(exitCodeFor(new SeverError(code, 'x')), 1, code);
    }
  });
});
