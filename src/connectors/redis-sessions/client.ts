/**
 * The only code of the redis-sessions connector that talks to Redis and to the application.
 * Redis unreachable → ERR_PROVIDER_UNAVAILABLE (retryable); NOAUTH/WRONGPASS → ERR_PROVIDER_REJECTED.
 */
import { createHmac } from 'node:crypto';
import { createClient } from 'redis';
import { SeverError } from '../../core/errors.ts';

export interface RedisSessionDeps {
  name: string;
  redisUrl(): Promise<string>;
  prefix: string;
  appUrl: string;
  mePath: string;
  cookieName: string;
  rememberCookieName: string;
  cookieSecret(): Promise<string>;
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
}

type Redis = ReturnType<typeof createClient>;

/** express-session's signed cookie value (cookie-signature): s:<sid>.<base64 HMAC-SHA256 without padding>. */
export function signSid(sid: string, secret: string): string {
  return `s:${sid}.${createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '')}`;
}

export class RedisSessionsClient {
  readonly d: RedisSessionDeps;
  constructor(d: RedisSessionDeps) {
    this.d = d;
  }

  async with<T>(what: string, fn: (r: Redis) => Promise<T>): Promise<T> {
    const r = createClient({ url: await this.d.redisUrl(), socket: { connectTimeout: this.d.timeoutMs, reconnectStrategy: false } });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return await fn(r);
    } catch (e) {
      if (e instanceof SeverError) throw e;
      const msg = (e as Error).message ?? String(e);
      if (/NOAUTH|WRONGPASS|NOPERM/.test(msg)) throw new SeverError('ERR_PROVIDER_REJECTED', `${this.d.name}: ${what}: Redis refused Sever's credentials`, { details: { connector: this.d.name, operation: what } });
      throw new SeverError('ERR_PROVIDER_UNAVAILABLE', `${this.d.name}: ${what}: Redis is unreachable (${msg.split('\n')[0]})`, { retryable: true, details: { connector: this.d.name, operation: what }, cause: e });
    } finally {
      if (r.isOpen) await r.quit().catch(() => undefined);
    }
  }

  async scan(r: Redis, pattern: string): Promise<string[]> {
    const out: string[] = [];
    for await (const batch of r.scanIterator({ MATCH: pattern, COUNT: 500 })) out.push(...(Array.isArray(batch) ? batch : [batch]));
    return out;
  }

  /** GET {appUrl}{mePath} with these cookies: the HTTP status. */
  async replay(cookie: string): Promise<number> {
    try {
      const res = await this.d.fetch(`${this.d.appUrl}${this.d.mePath}`, { headers: { cookie }, redirect: 'manual', signal: AbortSignal.timeout(this.d.timeoutMs) });
      await res.arrayBuffer();
      return res.status;
    } catch (e) {
      throw new SeverError('ERR_PROVIDER_UNAVAILABLE', `${this.d.name}: the application at ${this.d.appUrl} is unreachable for the replay`, { retryable: true, details: { connector: this.d.name }, cause: e });
    }
  }
}
