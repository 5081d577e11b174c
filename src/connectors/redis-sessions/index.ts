/**
 * The `redis-sessions` connector: an application's express-session sessions and remember-me
 * tokens in Redis.
 *
 * ```yaml
 * connectors:
 *   redis-sessions:payroll:
 *     settings:
 *       redisUrlRef: env:PAYROLL_REDIS_URL
 *       prefix: "payroll:"
 *       appUrl: https://payroll.example.com
 *       cookieSecretRef: file:/run/secrets/payroll-session-secret
 * ```
 */
import { z } from 'zod';
import type { Connector, ConnectorModule } from '../contract.ts';
import { secretRef } from '../shared/settings.ts';
import { RedisSessionsClient } from './client.ts';
import { discoverSessions } from './discover.ts';
import { redisSessionsManifest } from './manifest.ts';
import { revokeSession } from './revoke.ts';
import { verifySession } from './verify.ts';

export const redisSessionsSettings = z.strictObject({
  /** redis://… (may hold a password, hence by reference). */
  redisUrlRef: secretRef,
  /** The app's key prefix: sessions at {prefix}sess:{sid}, index {prefix}user_sessions:{user}, remember-me {prefix}remember:{sha256}. */
  prefix: z.string().default(''),
  /** The application's base URL, for cookie replays. */
  appUrl: z.url(),
  mePath: z.string().startsWith('/').default('/me'),
  cookieName: z.string().min(1).default('sid'),
  rememberCookieName: z.string().min(1).default('remember'),
  /** The app's session cookie secret, to sign the replayed cookie as the app does. */
  cookieSecretRef: secretRef,
  timeoutMs: z.number().int().positive().max(120_000).default(5_000),
});

export const redisSessionsModule: ConnectorModule<typeof redisSessionsSettings> = {
  manifest: redisSessionsManifest,
  settingsSchema: redisSessionsSettings,
  create(name, s, deps): Connector {
    const c = new RedisSessionsClient({
      name, redisUrl: () => deps.resolveSecret(s.redisUrlRef), prefix: s.prefix, appUrl: s.appUrl.replace(/\/$/, ''), mePath: s.mePath,
      cookieName: s.cookieName, rememberCookieName: s.rememberCookieName, cookieSecret: () => deps.resolveSecret(s.cookieSecretRef), fetch: deps.fetch, timeoutMs: s.timeoutMs,
    });
    return {
      name, manifest: redisSessionsManifest,
      discover: (subject) => discoverSessions(c, subject),
      revoke: (a) => revokeSession(c, a, typeof a.attributes.user === 'string' ? a.attributes.user : a.subjectId),
      verify: (a) => verifySession(c, a),
    };
  },
};
