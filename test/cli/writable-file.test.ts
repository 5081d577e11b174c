/**
 * Output paths the file system cannot hold are bad input with a coded error, never a bug code
 * (found by the CLI property test: `evidence export --out` with a 300-byte file name).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ensureWritableFile } from '../../src/cli/session.ts';
import { SeverError } from '../../src/core/errors.ts';

it('a file name over 255 bytes is refused as input, naming the flag', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sever-out-'));
  try {
    assert.throws(() => ensureWritableFile(join(dir, 'a'.repeat(300)), '--out'), (e: unknown) => e instanceof SeverError && e.code !== 'ERR_INTERNAL' && /--out .*longer than 255 bytes/.test(e.message));
    assert.doesNotThrow(() => ensureWritableFile(join(dir, 'a'.repeat(200)), '--out'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
