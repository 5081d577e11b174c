import type { ConnectorManifest } from '../contract.ts';
import { relist, replay } from '../shared/strength.ts';

export const DEL = 'redis:DEL (+ index SREM)';
export const EXISTS = 'redis:EXISTS read-back';
export const REPLAY = 'app:cookie replay';

export const redisSessionsManifest: ConnectorManifest = {
  kind: 'redis-sessions',
  version: 1,
  title: 'Application sessions and remember-me state in Redis (express-session / connect-redis)',
  description:
    'Finds a user\'s application sessions through the app\'s per-user index and a SCAN of the session keys (sessions missing from the index are still found), and its remember-me (trusted-browser) tokens; deletes them; proves each dead by reading the key back and by replaying the session cookie (signed as the app signs it) against the application, which must answer 401 and must not sign the browser in again.',
  artifacts: [
    {
      kind: 'app-session',
      discover: 'SMEMBERS {prefix}user_sessions:{user} + SCAN {prefix}sess:* (session JSON .user)',
      revoke: { method: DEL, selective: true },
      verify: [relist(EXISTS), replay(REPLAY)],
      permissions: ['Redis: GET, SCAN, SMEMBERS, DEL, SREM, EXISTS on the app\'s key prefix', 'the app\'s cookie secret (by reference) to replay a session cookie'],
      residue: [
        {
          what: 'a request in flight with resave or rolling sessions can write a just-deleted session back',
          compensatingAction: 'verification replays after the delete and polls until the deadline; a resurrected session is reported still live',
        },
        {
          what: 'a remember-me cookie signs the browser in again with a new session',
          compensatingAction: 'revoke the trusted-browser artifacts of the user in the same incident',
        },
      ],
      expectedDeadByMs: 1_000,
    },
    {
      kind: 'trusted-browser',
      discover: 'SMEMBERS {prefix}user_remember:{user} + SCAN {prefix}remember:* (value = user)',
      revoke: { method: DEL, selective: true },
      verify: [relist(EXISTS), replay(REPLAY)],
      permissions: ['Redis: as above on {prefix}remember:*'],
      residue: [
        {
          what: 'sessions already created from the remember-me cookie',
          compensatingAction: 'revoke the app-session artifacts of the user (discovered together)',
        },
      ],
      expectedDeadByMs: 1_000,
    },
  ],
  limits: { concurrency: 16 },
  verifyPolicy: { pollIntervalMs: 200, deadlineMs: 10_000 },
};
