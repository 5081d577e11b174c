import { z } from 'zod';

/** A credential reference in connector settings: `env:NAME` or `file:/path`, resolved only when used, never logged. */
export const secretRef = z.string().regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/, 'a credential reference: env:NAME or file:/path');
