/**
 * Writes a file so that readers see either the old content or the whole new content, never a
 * partial one: write a temporary file beside it, fsync, then rename (or link, to create only if
 * absent) over the target, and fsync the directory.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SeverError } from '../core/errors.ts';

export interface AtomicWriteOptions {
  /** Permission bits of the new file (before umask). Default 0o644. */
  mode?: number;
  /** Create only: if the target exists, leave it alone and return false. Default false. */
  exclusive?: boolean;
}

/**
 * @returns true when the file was written; false only with `exclusive` when it already existed.
 * @throws SeverError `ERR_FILE_WRITE` naming the path and the system error code.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<boolean> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', options.mode ?? 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    let written = true;
    if (options.exclusive === true) written = await linkExclusive(tmp, path);
    else await rename(tmp, path);
    await syncDir(dir);
    return written;
  } catch (e) {
    throw new SeverError('ERR_FILE_WRITE', `Could not write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, { details: { path, errno: (e as NodeJS.ErrnoException).code }, cause: e });
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function linkExclusive(tmp: string, path: string): Promise<boolean> {
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
  }
  // No hard links on this file system: still exclusive, but a concurrent reader may see a partial copy.
  try {
    await copyFile(tmp, path, constants.COPYFILE_EXCL);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename durable; not every platform can open a directory, and that is not an error.
  const fh = await open(dir, 'r').catch(() => undefined);
  if (fh === undefined) return;
  await fh.sync().catch(() => undefined);
  await fh.close();
}
