/**
 * `incident add-artifact --value-file`: a leaked value is small (a token, a key). The size is
 * checked on the open file before anything is read, so a wrong path to a large file costs nothing.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inputError } from '../output.ts';

/** The largest value file: 64 KiB. */
export const MAX_VALUE_BYTES = 64 * 1024;

/**
 * The file's bytes, unchanged (a value that is not UTF-8 text stays bytes; the engine hashes them).
 *
 * @throws SeverError `ERR_INPUT_INVALID` naming the path: missing, a directory, unreadable, empty
 *   or larger than {@link MAX_VALUE_BYTES}.
 */
export function readValueFile(path: string): Buffer {
  const flag = '--value-file';
  const fail = (why: string) => inputError(`${flag} ${path}: ${why}`, { field: 'value-file', path });
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code ?? 'error';
    throw fail(`cannot read (${c})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw fail('is a directory, not a file');
    if (st.isFile() && st.size > MAX_VALUE_BYTES) throw fail(`is ${st.size} bytes; a value file holds at most ${MAX_VALUE_BYTES} bytes (64 KiB)`);
    // A pipe or device has no size up front: read at most one byte more than allowed.
    const buf = Buffer.alloc(MAX_VALUE_BYTES + 1);
    let n = 0;
    for (;;) {
      let r: number;
      try {
        r = readSync(fd, buf, n, buf.length - n, null);
      } catch (e) {
        throw fail(`cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      if (r === 0) break;
      n += r;
      if (n > MAX_VALUE_BYTES) throw fail(`holds more than ${MAX_VALUE_BYTES} bytes (64 KiB), the most a value file may hold`);
    }
    if (n === 0) throw fail('the file is empty');
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
