/**
 * Credentials appear in sever.yaml only by reference: `env:NAME` or `file:/path/to/file`.
 * The resolved value is returned to the connector and never logged or printed.
 */
import { readFile } from 'node:fs/promises';
import { SeverError } from '../core/errors.ts';

export const SECRET_REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;

export async function resolveSecretRef(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const v = env[name];
    if (v === undefined || v === '') {
      throw new SeverError('ERR_SECRET_UNRESOLVED', `credential reference ${ref}: environment variable ${name} is not set`, { details: { ref } });
    }
    return v;
  }
  if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    try {
      return (await readFile(path, 'utf8')).trim();
    } catch (e) {
      throw new SeverError('ERR_SECRET_UNRESOLVED', `credential reference ${ref}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`, {
        details: { ref },
      });
    }
  }
  // Not a reference: most likely the secret itself, so not a character of it is shown.
  throw new SeverError('ERR_SECRET_UNRESOLVED', 'a credential reference must be env:NAME or file:/path; the value given is not one (and is not shown)', {
    details: {},
  });
}
