/**
 * Exceptions: the IR lead's signed acceptance that one artifact may stay unproved (residual,
 * still live, failed) until a stated time. Only a person holding `ir-lead` may grant one, with a
 * reason and a future expiry; an exception that has expired no longer counts at the closure gate.
 * Re-exported by `gate.ts`.
 */
import { SeverError } from './errors.ts';
import { holdsRole, type Runbook } from './runbook.ts';

/** An exception as the gate sees it. */
export interface ExceptionGrant {
  artifactId: string;
  /** The person granting it; must hold `ir-lead`. */
  grantedBy: string;
  reason: string;
  /** ISO 8601; must be in the future. */
  expiresAt: string;
}

/** Why an exception does not count. */
export interface ExceptionProblem {
  code: 'EXCEPTION_EXPIRED' | 'EXCEPTION_INVALID';
  message: string;
}

/**
 * Every reason an exception does not (or no longer) count, without throwing.
 *
 * @param runbook The runbook naming the IR leads.
 * @param exception The exception to check.
 * @param now Milliseconds since the epoch.
 * @returns The problems, empty when the exception counts.
 */
export function exceptionProblems(runbook: Runbook, exception: Omit<ExceptionGrant, 'artifactId'>, now: number): ExceptionProblem[] {
  const problems: ExceptionProblem[] = [];
  if (!holdsRole(runbook, 'ir-lead', exception.grantedBy)) {
    problems.push({ code: 'EXCEPTION_INVALID', message: `it was granted by "${exception.grantedBy}", who does not hold ir-lead in the runbook` });
  }
  if (exception.reason.trim() === '') problems.push({ code: 'EXCEPTION_INVALID', message: 'it has no reason' });
  const expires = Date.parse(exception.expiresAt);
  if (Number.isNaN(expires)) {
    problems.push({ code: 'EXCEPTION_INVALID', message: `its expiry "${exception.expiresAt}" is not an ISO 8601 time` });
  } else if (expires <= now) {
    problems.push({ code: 'EXCEPTION_EXPIRED', message: `it expired at ${exception.expiresAt}` });
  }
  return problems;
}

/**
 * Refuses an exception that would not count: call before recording one.
 *
 * @param runbook The runbook naming the IR leads.
 * @param exception The exception to grant.
 * @param now Milliseconds since the epoch.
 * @throws SeverError `ERR_EXCEPTION_REFUSED` listing every problem (`details.problems`).
 */
export function validateException(runbook: Runbook, exception: Omit<ExceptionGrant, 'artifactId'> & { artifactId?: string }, now: number): void {
  const problems = exceptionProblems(runbook, exception, now);
  if (problems.length === 0) return;
  const subject = exception.artifactId === undefined ? 'The exception' : `The exception for artifact "${exception.artifactId}"`;
  throw new SeverError('ERR_EXCEPTION_REFUSED', `${subject} is refused: ${problems.map((p) => p.message).join('; ')}.`, {
    details: { artifactId: exception.artifactId, problems },
  });
}
