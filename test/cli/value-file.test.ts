/**
 * `incident add-artifact --value-file`: at most 64 KiB, checked before reading (a 100 MB file is
 * refused without being read); a directory or a missing file is ERR_INPUT_INVALID naming the
 * path; the bytes reach the engine unchanged.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_VALUE_BYTES } from '../../src/cli/commands/value-file.ts';
import { tempDir } from '../support/databases.ts';
import { runMain, withFake } from './support.ts';

describe('--value-file', () => {
  let dir: string;
  const received: unknown[] = [];
  const engine = { addArtifact: async (_id: string, input: { value?: unknown }) => (received.push(input.value), 'art_1') };
  const add = (file: string) => runMain(['--json', 'incident', 'add-artifact', 'inc_1', '--connector', 'oauth:x', '--kind', 'access-token', '--value-file', file, '--as', 'ida'], withFake(engine));
  before(() => {
    dir = tempDir('sever-value-');
  });

  it('a 100 MB file is refused from its size, without being read', async () => {
    const big = join(dir, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, 100 * 1024 * 1024); // sparse: costs no disk, but reading it would cost 100 MB
    const before = process.memoryUsage().rss;
    const r = await add(big);
    assert.equal(r.code, 2);
    const e = r.json().error;
    assert.equal(e.code, 'ERR_INPUT_INVALID');
    assert.match(e.message, new RegExp(`--value-file ${big}: is 104857600 bytes; a value file holds at most 65536 bytes`));
    assert.ok(process.memoryUsage().rss - before < 50 * 1024 * 1024, 'not read into memory');
    assert.equal(received.length, 0);
  });

  it('exactly 64 KiB is taken as bytes; one byte more is refused, from a file or a device without a size', async () => {
    const max = join(dir, 'max.bin');
    writeFileSync(max, Buffer.alloc(MAX_VALUE_BYTES, 0xab));
    const ok = await add(max);
    assert.equal(ok.code, 0, ok.stdout);
    const value = received.at(-1) as Uint8Array;
    assert.ok(value instanceof Uint8Array && value.length === MAX_VALUE_BYTES && value.every((b) => b === 0xab));
    writeFileSync(max, Buffer.alloc(MAX_VALUE_BYTES + 1, 0xab));
    assert.equal((await add(max)).code, 2);
    const zero = await add('/dev/zero');
    assert.equal(zero.code, 2);
    assert.match(zero.json().error.message, /holds more than 65536 bytes/);
  });

  it('a directory, a missing file and an empty file are ERR_INPUT_INVALID naming the path', async () => {
    const d = join(dir, 'adir');
    mkdirSync(d);
    const isDir = await add(d);
    assert.equal(isDir.code, 2);
    assert.equal(isDir.json().error.message, `--value-file ${d}: is a directory, not a file`);
    const missing = await add(join(dir, 'nope'));
    assert.match(missing.json().error.message, /nope: cannot read \(ENOENT\)/);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    assert.match((await add(empty)).json().error.message, /empty: the file is empty/);
  });

  it('incident amend passes attributes and the value as bytes (text or binary); refuses nothing to amend', async () => {
    const calls: any[] = [];
    const fake = withFake({ amendArtifact: async (id: string, input: any) => (calls.push({ id, input }), { artifactId: input.artifactId, attributes: Object.keys(input.attributes ?? {}), valueAdded: input.value !== undefined }) });
    const text = join(dir, 'amend.txt');
    writeFileSync(text, 'the-token\n');
    const ok = await runMain(['--json', 'incident', 'amend', 'inc_1', '--artifact', 'art_1', '--attribute', 'clientId=crm', '--value-file', text, '--as', 'ida'], fake);
    assert.equal(ok.code, 0, ok.stdout);
    assert.deepEqual({ ...calls[0], input: { ...calls[0].input, value: Buffer.from(calls[0].input.value).toString('utf8') } }, { id: 'inc_1', input: { artifactId: 'art_1', actor: 'ida', attributes: { clientId: 'crm' }, value: 'the-token\n' } });
    assert.deepEqual(ok.json(), { id: 'inc_1', artifactId: 'art_1', attributes: ['clientId'], valueAdded: true });
    const nothing = await runMain(['incident', 'amend', 'inc_1', '--artifact', 'art_1', '--as', 'ida'], fake);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /nothing to amend/);
    const bin = join(dir, 'amend.bin');
    writeFileSync(bin, Buffer.from([0xff, 0xfe]));
    const binary = await runMain(['incident', 'amend', 'inc_1', '--artifact', 'art_1', '--value-file', bin, '--as', 'ida'], fake);
    assert.equal(binary.code, 0, binary.stderr);
    assert.deepEqual([...calls[1].input.value], [0xff, 0xfe], 'binary bytes reach the engine untouched');
  });
});
