/**
 * Coded errors. Every error Sever raises is a {@link SeverError} with a stable `ERR_…` code from
 * the closed {@link ErrorCode} union. Codes are never reused; `docs/errors.md` lists every code and
 * a test keeps that page and {@link ERROR_CATALOGUE} identical.
 *
 * Retryability travels as data: a connector never retries or sleeps, it throws a
 * `SeverError` with `retryable` (and optionally `retryAfterMs`, e.g. from a `Retry-After` header)
 * and the engine decides.
 */

export const ERROR_CATALOGUE = {
  ERR_CONFIG_INVALID: 'The configuration file (sever.yaml) does not match its schema; the message names the field.',
  ERR_CONFIG_NOT_FOUND: 'The configuration file was not found at the given path.',
  ERR_SECRET_UNRESOLVED: 'A credential reference (env: or file:) could not be resolved; the value is never printed.',
  ERR_POLICY_INVALID: 'The revocation policy does not match its schema or names an unknown artifact kind or tier; the message names the field.',
  ERR_RUNBOOK_INVALID: 'The runbook does not match its schema, e.g. a required role names nobody; the message names the field.',
  ERR_CONNECTOR_UNKNOWN: 'A connector instance name (kind:instance) is not configured, or its kind is not built in.',
  ERR_CONNECTOR_MANIFEST: 'A connector manifest is incomplete or inconsistent; checked when the engine is created.',
  ERR_CONNECTOR_CONFIG: 'A connector instance is missing a setting it needs.',
  ERR_PROVIDER_UNAVAILABLE: 'The provider could not be reached or answered 5xx; retryable.',
  ERR_PROVIDER_RATE_LIMITED: 'The provider answered 429 or equivalent; retryable after the delay it gave.',
  ERR_PROVIDER_REJECTED: 'The provider refused the request (4xx other than 429); not retryable without a change.',
  ERR_PROVIDER_RESPONSE: 'The provider answered with something Sever cannot interpret.',
  ERR_NOT_REVOCABLE: 'The provider cannot revoke this artifact selectively; the plan must use the fallback or wait for expiry.',
  ERR_ROTATION_NOT_ADOPTED: 'A rotate-then-revoke waited past its adoption deadline without seeing the dependents use the new credential; the old one was left live.',
  ERR_VERIFY_SAME_PATH: 'A verification used the same path as the revocation; an acknowledgement is never evidence.',
  ERR_INCIDENT_NOT_FOUND: 'No incident with this id exists in the store.',
  ERR_ARTIFACT_NOT_FOUND: 'No artifact with this id exists in the incident.',
  ERR_ILLEGAL_TRANSITION: 'The incident cannot move from its current state to the requested one.',
  ERR_CLOSE_REFUSED: 'The closure gate refused to close the incident; the details list exactly what is missing.',
  ERR_SIGNOFF_REFUSED: 'A sign-off was refused: the person does not hold the role in the runbook, or the role is unknown.',
  ERR_EXCEPTION_REFUSED: 'An exception was refused: only the IR lead may grant one, with a reason and a future expiry.',
  ERR_INPUT_INVALID: 'A command-line argument or API input is missing or malformed; the message names it.',
  ERR_STORE_LOCKED: 'The embedded data directory is in use by another live Sever process.',
  ERR_STORE_FAILED: 'The store could not be opened or a query failed.',
  ERR_RECORD_INVALID: 'A persisted record failed validation on write or on read (kind, version or shape).',
  ERR_LEDGER_BROKEN: 'The evidence ledger in the store does not verify (hash chain or signature).',
  ERR_BUNDLE_INVALID: 'An evidence bundle failed offline verification; the message names the first bad entry.',
  ERR_BUNDLE_UNREADABLE: 'An evidence bundle file could not be read or parsed.',
  ERR_KEY_INVALID: 'The ledger signing key could not be loaded or is not an Ed25519 key.',
  ERR_VALUE_REQUIRED: 'The operation needs the artifact value (token) but it is no longer held (purged after closure).',
  ERR_LAB_FAILED: 'A lab peer could not be started.',
  ERR_DRILL_FAILED: 'The drill found an artifact that still works after containment, or a step failed.',
  ERR_INTERNAL: 'An unexpected internal failure; please report it with the incident id.',
  ERR_CANONICAL_JSON: 'A value cannot be written as canonical JSON (RFC 8785): a non-finite number, undefined, a function, a lone surrogate, a cycle or a non-plain object; the details name the path.',
  ERR_FILE_WRITE: 'A file (signing key, evidence bundle) could not be written; the message names the path and the system error.',
  ERR_ACTOR_REFUSED: 'The person acting is not known to the runbook, or does not hold the role the action needs (responders contain).',
  ERR_STEP_EXHAUSTED: 'A durable step ran out of retries or passed its deadline without settling; its artifact is failed with this code instead of waiting forever.',
  ERR_CONTAINMENT_INCOMPLETE: 'Containment or verification ended with artifacts still live, unproven, failed or pending; the details list them.',
  ERR_ATTESTATION_INVALID: 'A sign-off, exception, closure or reopen was not signed by the person with one of their registered keys, or its signed statement does not match what it claims; the message says which.',
  ERR_PDF_BROWSER_MISSING: 'Printing a report to PDF needs Chromium, which is not installed; Sever never downloads a browser.',
  ERR_PDF_FAILED: 'Chromium could not be started or could not print the report to PDF; the message gives its error.',
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface SeverErrorOptions {
  /** May the same call succeed if repeated later, unchanged? */
  retryable?: boolean;
  /** Provider-given delay before a retry (e.g. from Retry-After), in milliseconds. */
  retryAfterMs?: number;
  /** Structured, secret-free details (field names, missing items, HTTP status). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class SeverError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: SeverErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SeverError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      details: this.details,
    };
  }
}

export const isSeverError = (e: unknown): e is SeverError => e instanceof SeverError;

/** Wraps anything thrown into a SeverError, keeping SeverErrors as they are. */
export function toSeverError(e: unknown): SeverError {
  if (e instanceof SeverError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new SeverError('ERR_INTERNAL', message, { cause: e });
}
