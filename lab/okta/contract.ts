/**
 * The lab's contract check: every management request the simulator receives and every response it
 * sends is validated against Okta's own description (see `spec.ts`), and every OAuth request and
 * response against the RFC 6749 / RFC 7662 / RFC 7009 shapes (by hand: Okta's management
 * description does not cover `/oauth2/…`). Mismatches are recorded, never thrown, so a test can
 * assert `violations()` is empty after each case (and one test proves the check can fail).
 */
import type { LoadedSpec, Operation } from './spec.ts';

export interface Violation {
  /** `request` (what the client sent) or `response` (what the lab answered). */
  side: 'request' | 'response';
  /** e.g. `GET /api/v1/users/{userId}/grants` or `POST /oauth2/{authServerId}/v1/token`. */
  at: string;
  operationId?: string;
  errors: string[];
}

export interface LabRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
}

/** Statuses Okta answers on any operation without each operation declaring them; their body is a ModelError. */
const GENERIC_STATUSES = new Set([401, 429, 500, 502, 503, 504]);

const ajvErrors = (errors: ReadonlyArray<{ instancePath?: string; message?: string; params?: unknown }> | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${e.params ? JSON.stringify(e.params) : ''}`.trim());

export class ContractCheck {
  readonly #spec: LoadedSpec;
  readonly #violations: Violation[] = [];

  constructor(spec: LoadedSpec) {
    this.#spec = spec;
  }

  violations(): readonly Violation[] {
    return this.#violations;
  }

  clear(): void {
    this.#violations.length = 0;
  }

  record(v: Violation): void {
    if (v.errors.length > 0) this.#violations.push(v);
  }

  /** The described operation for a management request; records a violation when there is none. */
  operation(req: LabRequest): Operation | undefined {
    const op = this.#spec.api.router.matchOperation({ method: req.method.toLowerCase(), path: req.path, headers: req.headers, query: req.query } as never) as Operation | undefined;
    if (!op) this.record({ side: 'request', at: `${req.method} ${req.path}`, errors: ['no operation of the Okta Management API description matches this method and path'] });
    return op;
  }

  checkRequest(op: Operation, req: LabRequest): void {
    const r = this.#spec.api.validator.validateRequest({ method: req.method.toLowerCase(), path: req.path, query: req.query, headers: req.headers, body: req.body } as never, op);
    const errors = ajvErrors(r.errors as never);
    if (!/^SSWS \S+$|^Bearer \S+$/.test(req.headers.authorization ?? '')) errors.push('no SSWS or Bearer Authorization header (every operation requires apiToken or oauth2 security)');
    this.record({ side: 'request', at: `${req.method} ${op.path}`, operationId: op.operationId, errors });
  }

  checkResponse(op: Operation, status: number, body: unknown, headers: Record<string, string>): void {
    const at = `${op.method.toUpperCase()} ${op.path} → ${status}`;
    const declared = Object.keys(op.responses ?? {});
    const errors: string[] = [];
    if (declared.includes(String(status))) {
      const response = (op.responses as Record<string, { content?: Record<string, unknown> }>)[String(status)]!;
      const json = response.content?.['application/json'] !== undefined;
      if (!json && body !== undefined) errors.push(`status ${status} is described without a JSON body, but the lab sent one`);
      if (json && body === undefined) errors.push(`status ${status} is described with a JSON body, but the lab sent none`);
      if (json && body !== undefined) errors.push(...ajvErrors(this.#spec.api.validator.validateResponse(body, op, status).errors as never));
    } else if (GENERIC_STATUSES.has(status)) {
      errors.push(...this.#spec.validateSchema('ModelError', body).map((e) => `ModelError ${e}`));
    } else {
      errors.push(`status ${status} is not described for ${op.operationId} (described: ${declared.join(', ')})`);
    }
    const link = headers.link;
    if (link !== undefined && !link.split(/,\s*/).every((part) => /^<[^>]+>; rel="(self|next)"$/.test(part))) errors.push(`malformed Link header: ${link}`);
    this.record({ side: 'response', at, operationId: op.operationId, errors });
  }
}

/** RFC 6749 §5.2 error codes (plus RFC 7009's unsupported_token_type). */
const OAUTH_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'unsupported_token_type']);

/** Hand checks of the OAuth endpoints' requests (form-encoded, required parameters, client authentication). */
export function oauthRequestErrors(endpoint: 'token' | 'introspect' | 'revoke', contentType: string, form: URLSearchParams, authorization: string | undefined): string[] {
  const errors: string[] = [];
  if (!contentType.startsWith('application/x-www-form-urlencoded')) errors.push(`RFC 6749 §3.2: content-type must be application/x-www-form-urlencoded, got ${contentType || 'none'}`);
  const basic = /^Basic [A-Za-z0-9+/=]+$/.test(authorization ?? '');
  if (!basic && !(form.get('client_id') && form.get('client_secret'))) errors.push('RFC 6749 §2.3.1: no client authentication (Basic or client_id + client_secret)');
  if (endpoint === 'token') {
    if (!form.get('grant_type')) errors.push('RFC 6749 §6: grant_type is required');
    if (form.get('grant_type') === 'refresh_token' && !form.get('refresh_token')) errors.push('RFC 6749 §6: refresh_token is required');
  } else if (!form.get('token')) {
    errors.push(`${endpoint === 'introspect' ? 'RFC 7662 §2.1' : 'RFC 7009 §2.1'}: token is required`);
  }
  const hint = form.get('token_type_hint');
  if (hint !== null && !['access_token', 'refresh_token'].includes(hint)) errors.push(`token_type_hint ${hint} is not a registered value`);
  return errors;
}

/** Hand checks of the OAuth endpoints' responses. */
export function oauthResponseErrors(endpoint: 'token' | 'introspect' | 'revoke', status: number, body: Record<string, unknown> | undefined): string[] {
  const errors: string[] = [];
  if (status >= 400) {
    if (typeof body?.error !== 'string' || !OAUTH_ERRORS.has(body.error)) errors.push(`RFC 6749 §5.2: an error response needs a registered "error", got ${JSON.stringify(body?.error)}`);
    return errors;
  }
  if (endpoint === 'token') {
    if (typeof body?.access_token !== 'string') errors.push('RFC 6749 §5.1: access_token is required');
    if (typeof body?.token_type !== 'string') errors.push('RFC 6749 §5.1: token_type is required');
    if (body?.expires_in !== undefined && typeof body.expires_in !== 'number') errors.push('RFC 6749 §5.1: expires_in is a number');
  } else if (endpoint === 'introspect') {
    if (status !== 200) errors.push('RFC 7662 §2.2: introspection answers 200');
    if (typeof body?.active !== 'boolean') errors.push('RFC 7662 §2.2: active is a required boolean');
    for (const k of ['exp', 'iat'] as const) if (body?.[k] !== undefined && typeof body[k] !== 'number') errors.push(`RFC 7662 §2.2: ${k} is a number`);
  } else if (status !== 200) {
    errors.push('RFC 7009 §2.2: a revocation answers 200');
  }
  return errors;
}
