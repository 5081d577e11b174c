/**
 * A last line of defence against secrets in evidence: entries are exported, shared and kept for
 * years, and cannot be edited once signed. The engine must hash artifact values (secretHash,
 * observedHash), never record them; this guard refuses the common ways that goes wrong. It is a
 * heuristic applied when an entry is built, never when one is verified.
 */

/** Member names that hold secrets, compared lowercased with `_` and `-` removed. */
const SECRET_NAMES = new Set([
  'secret',
  'password',
  'passwd',
  'passphrase',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'bearertoken',
  'sessiontoken',
  'clientsecret',
  'privatekey',
  'apikey',
  'authorization',
  'cookie',
  'setcookie',
]);

const JWT = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\./;
const PEM_PRIVATE = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/i;

/**
 * The first place in `value` that looks like a secret (or cannot be stored in PostgreSQL `jsonb`),
 * or `undefined`.
 *
 * @param path Where `value` sits, for the message (e.g. `payload`).
 */
export function secretProblem(value: unknown, path = 'payload'): { path: string; reason: string } | undefined {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return { path, reason: 'contains U+0000, which PostgreSQL jsonb cannot store' };
    if (JWT.test(value)) return { path, reason: 'looks like a JWT; record its hash instead' };
    if (PEM_PRIVATE.test(value)) return { path, reason: 'contains a PEM private key' };
    if (BEARER.test(value)) return { path, reason: 'contains a bearer credential; record its hash instead' };
    return undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = secretProblem(value[i], `${path}[${i}]`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const obj = value as Record<string, unknown>;
  if (typeof obj.kty === 'string' && 'd' in obj) return { path, reason: 'is a private JWK' };
  for (const [key, child] of Object.entries(obj)) {
    const childPath = `${path}.${key}`;
    if (key.includes('\u0000')) return { path: childPath, reason: 'a member name contains U+0000, which PostgreSQL jsonb cannot store' };
    const name = key.toLowerCase().replace(/[_-]/g, '');
    // A null or boolean under a secret name (`token: null`, `password: false`) carries no secret.
    if (SECRET_NAMES.has(name) && child !== null && typeof child !== 'boolean') {
      return { path: childPath, reason: `a member named "${key}" may hold a secret; record a hash (e.g. "${key}Hash") instead` };
    }
    const p = secretProblem(child, childPath);
    if (p !== undefined) return p;
  }
  return undefined;
}
