/**
 * Evidence bundles on disk: one JSON file, written atomically. The signature covers the canonical
 * form, so the file is pretty-printed for people and may be re-indented without breaking it.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SeverError } from '../core/errors.ts';
import { writeFileAtomic } from './atomic-write.ts';
import type { EvidenceBundle } from './bundle.ts';
import { verifyBundle, type BundleResult, type VerifyBundleOptions } from './verify-bundle.ts';

/**
 * Writes `bundle` to `path` (replacing any file there) atomically, mode 0644, creating the folder.
 *
 * @throws SeverError `ERR_FILE_WRITE`.
 */
export async function writeBundleFile(path: string, bundle: EvidenceBundle): Promise<void> {
  await mkdir(dirname(path), { recursive: true }).catch(() => undefined);
  await writeFileAtomic(path, `${JSON.stringify(bundle, null, 2)}\n`, { mode: 0o644 });
}

/** The largest bundle file read (1 GiB): a 100,000-artifact incident's bundle is a few hundred MB. */
export const MAX_BUNDLE_BYTES = 1024 ** 3;

/**
 * The raw bytes of a bundle file, for {@link verifyBundle}.
 *
 * @throws SeverError `ERR_BUNDLE_UNREADABLE` when the file cannot be read.
 */
export async function readBundleFile(path: string): Promise<Uint8Array> {
  try {
    const { size, isFile } = await stat(path).then((st) => ({ size: st.size, isFile: st.isFile() }));
    if (!isFile) throw new SeverError('ERR_BUNDLE_UNREADABLE', `The evidence bundle ${path} is not a regular file.`, { details: { path } });
    if (size > MAX_BUNDLE_BYTES) {
      throw new SeverError('ERR_BUNDLE_UNREADABLE', `The evidence bundle ${path} is ${size} bytes, over the ${MAX_BUNDLE_BYTES}-byte limit of a bundle Sever reads.`, { details: { path, size, limit: MAX_BUNDLE_BYTES } });
    }
    return new Uint8Array(await readFile(path));
  } catch (e) {
    if (e instanceof SeverError) throw e;
    throw new SeverError('ERR_BUNDLE_UNREADABLE', `The evidence bundle ${path} could not be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, { details: { path }, cause: e });
  }
}

/** Reads and verifies a bundle file; never throws (an unreadable file is an `ERR_BUNDLE_UNREADABLE` result). */
export async function verifyBundleFile(path: string, options: VerifyBundleOptions = {}): Promise<BundleResult> {
  let bytes: Uint8Array;
  try {
    bytes = await readBundleFile(path);
  } catch (e) {
    return { ok: false, code: 'ERR_BUNDLE_UNREADABLE', part: 'json', reason: (e as Error).message, index: null, seq: null, type: null };
  }
  return verifyBundle(bytes, options);
}
