/**
 * The lab's request check. No machine-readable description of Graph is available offline, so each
 * route the lab serves declares by hand what Graph v1.0 accepts there (method, path, the `$select`
 * properties, the query options, the JSON body fields), and every request is checked against it.
 * Mismatches are recorded, never thrown: a test asserts `violations()` is empty after each case,
 * and one test proves the check catches a malformed call. Response bodies are checked by the type
 * checker instead: every handler builds its body as a `@microsoft/microsoft-graph-types` type.
 */

export interface Violation {
  /** e.g. `PATCH /devices/{id}`. */
  at: string;
  errors: string[];
}

/** What Graph accepts on one route. */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** e.g. `/users/{id}/registeredDevices`; `{…}` is one path segment. */
  path: string;
  /** Properties `$select` may name; absent: `$select` is not accepted. */
  select?: readonly string[];
  /** A collection: `$top` and `$skiptoken` (from a nextLink) are accepted. */
  paged?: boolean;
  /** JSON body fields: required and optional. Absent: the request must have no body. */
  body?: { required: Record<string, 'string' | 'boolean'>; optional?: Record<string, 'string' | 'boolean'> };
}

export interface CheckedRequest {
  method: string;
  spec: RouteSpec;
  query: URLSearchParams;
  headers: Record<string, string>;
  raw: string;
}

export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/');
  const s = path.split('/');
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const want = p[i]!;
    const got = decodeURIComponent(s[i]!);
    if (want.startsWith('{')) {
      if (!got) return undefined;
      params[want.slice(1, -1)] = got;
    } else if (want !== got) return undefined;
  }
  return params;
}

/** Every way the request differs from what Graph accepts on its route. */
export function requestErrors(r: CheckedRequest): string[] {
  const errors: string[] = [];
  const { spec } = r;
  if (!/^Bearer \S+$/.test(r.headers.authorization ?? '')) errors.push('no Bearer Authorization header (Graph requires an OAuth 2.0 access token)');
  for (const key of new Set(r.query.keys())) {
    if (key === '$select') {
      if (!spec.select) errors.push(`$select is not supported on ${spec.method} ${spec.path}`);
      else for (const f of (r.query.get('$select') ?? '').split(',')) if (!spec.select.includes(f)) errors.push(`$select names ${JSON.stringify(f)}, not a property of this resource (${spec.select.join(', ')})`);
    } else if ((key === '$top' || key === '$skiptoken') && spec.paged) {
      if (key === '$top' && !/^[1-9]\d*$/.test(r.query.get(key) ?? '')) errors.push('$top must be a positive integer');
    } else errors.push(`query option ${key} is not accepted on ${spec.method} ${spec.path}`);
  }
  if (!spec.body) {
    if (r.raw !== '') errors.push(`${spec.method} ${spec.path} takes no body`);
    return errors;
  }
  if (!(r.headers['content-type'] ?? '').startsWith('application/json')) errors.push(`content-type must be application/json, got ${JSON.stringify(r.headers['content-type'] ?? '')}`);
  let body: unknown;
  try {
    body = JSON.parse(r.raw);
  } catch {
    errors.push('the body is not JSON');
    return errors;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [...errors, 'the body is not a JSON object'];
  const fields = { ...spec.body.required, ...(spec.body.optional ?? {}) };
  for (const [k, type] of Object.entries(spec.body.required)) if (!(k in body)) errors.push(`body field ${k} (${type}) is required`);
  for (const [k, v] of Object.entries(body)) {
    if (!(k in fields)) errors.push(`body field ${k} is not a writable property here (${Object.keys(fields).join(', ')})`);
    else if (typeof v !== fields[k]) errors.push(`body field ${k} must be a ${fields[k]}, got ${JSON.stringify(v)}`);
  }
  return errors;
}

export class RequestCheck {
  readonly #violations: Violation[] = [];

  violations(): readonly Violation[] {
    return this.#violations;
  }

  clear(): void {
    this.#violations.length = 0;
  }

  record(v: Violation): void {
    if (v.errors.length > 0) this.#violations.push(v);
  }
}
