/**
 * Decodes a bundle file's bytes as the verifier does (strict UTF-8, then JSON), so that the report
 * and the verification read the very same value.
 */
import { SeverError } from '../core/errors.ts';

/**
 * @param source The file's name, for the message.
 * @throws SeverError `ERR_BUNDLE_UNREADABLE` when the bytes are not UTF-8 JSON: there is nothing to
 *   report on.
 */
export function parseBundle(bytes: Uint8Array, source: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new SeverError('ERR_BUNDLE_UNREADABLE', `The evidence bundle ${source} is not a readable JSON document: ${e instanceof Error ? e.message : String(e)}.`, { details: { path: source } });
  }
}
