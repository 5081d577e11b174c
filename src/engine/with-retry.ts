import { SeverError, toSeverError } from '../core/errors.ts';
import type { EngineContext } from './context.ts';

/** The backoff delay for attempt n (1-based), honouring a provider's Retry-After when given. */
export function retryDelay(ctx: Pick<EngineContext, 'tuning'>, attempt: number, err: SeverError): number {
  if (err.retryAfterMs !== undefined) return err.retryAfterMs;
  const { baseMs, factor, maxMs } = ctx.tuning.retry;
  return Math.min(maxMs, baseMs * factor ** (attempt - 1));
}

/**
 * For in-process calls (discovery) only; revocation and verification retry through durable jobs.
 * Retries retryable SeverErrors by policy.
 */
export async function withRetry<T>(ctx: Pick<EngineContext, 'tuning'>, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const err = toSeverError(e);
      if (!err.retryable || attempt >= ctx.tuning.retry.maxAttempts) throw err;
      await new Promise((r) => setTimeout(r, retryDelay(ctx, attempt, err)));
    }
  }
}
