import { SeverError, toSeverError } from '../core/errors.ts';
import { sleep, type EngineContext } from './context.ts';

/** The backoff delay for attempt n (1-based), honouring a provider's Retry-After when given. */
export function retryDelay(ctx: Pick<EngineContext, 'tuning'>, attempt: number, err: SeverError): number {
  if (err.retryAfterMs !== undefined) return err.retryAfterMs;
  const { baseMs, factor, maxMs } = ctx.tuning.retry;
  return Math.min(maxMs, baseMs * factor ** (attempt - 1));
}

/** The longest a step can spend in backoff between its attempts (every retry of it at its full delay). */
export function retryBudgetMs(ctx: Pick<EngineContext, 'tuning'>): number {
  let total = 0;
  for (let attempt = 1; attempt < ctx.tuning.retry.maxAttempts; attempt++) {
    const { baseMs, factor, maxMs } = ctx.tuning.retry;
    total += Math.min(maxMs, baseMs * factor ** (attempt - 1));
  }
  return total;
}

/**
 * For in-process calls (discovery) only; revocation and verification retry through durable jobs.
 * Retries retryable SeverErrors by policy.
 */
export async function withRetry<T>(ctx: Pick<EngineContext, 'tuning' | 'clock'>, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const err = toSeverError(e);
      if (!err.retryable || attempt >= ctx.tuning.retry.maxAttempts) throw err;
      await sleep(ctx, retryDelay(ctx, attempt, err));
    }
  }
}
