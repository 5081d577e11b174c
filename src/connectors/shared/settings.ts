import { z } from 'zod';

/** What a credential reference looks like: `env:NAME` or `file:/path`. */
export const SECRET_REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;

/**
 * A credential reference in connector settings: `env:NAME` or `file:/path`, resolved only when
 * used, never logged. Anything else is refused without being echoed (not in the message, not in
 * the issue): a value that is not a reference is most likely the secret itself, pasted inline.
 */
export const secretRef = z.string().refine((v) => SECRET_REF.test(v), {
  message: 'expected a credential reference, env:NAME or file:/path (the value given is not shown: put the secret in an environment variable or a file and name that)',
});

/** A reference to a file only (`file:/path`), e.g. a keytab; refused without echo like {@link secretRef}. */
export const fileRef = z.string().refine((v) => /^file:.+$/.test(v), {
  message: 'expected a file reference, file:/path (the value given is not shown)',
});
