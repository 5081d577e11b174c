/**
 * Glob matching for connector instance names (`kind:instance`), used by policy rules and runbook
 * applications. Only `*` (any run of characters, possibly empty) is special; everything else,
 * including `?`, `.` and `:`, matches itself.
 */

/**
 * Whether `value` matches the glob `pattern` as a whole.
 *
 * @param pattern A glob such as `keycloak:*`, `*:prod` or an exact name like `okta:corp`.
 * @param value The connector instance name to test.
 * @example matchGlob('keycloak:*', 'keycloak:lab') // true
 */
export function matchGlob(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(value);
}
