import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import { signSid, type RedisSessionsClient } from './client.ts';
import { EXISTS, REPLAY } from './manifest.ts';

/**
 * Session: the key is gone and the signed session cookie, replayed, gets 401. Remember-me: the key
 * is gone and, when the token itself is held (add-artifact), replaying it gets 401.
 */
export async function verifySession(c: RedisSessionsClient, a: ArtifactHandle): Promise<VerifyObservation> {
  const p = c.d.prefix;
  const id = a.externalId.slice(a.externalId.indexOf(':') + 1);
  const key = a.kind === 'app-session' ? `${p}sess:${id}` : `${p}remember:${id}`;
  const exists = await c.with('verify', (r) => r.exists(key));
  const checks: VerifyCheck[] = [{ path: EXISTS, result: exists ? 'live' : 'dead', observed: { exists: exists > 0 } }];
  const cookie = a.kind === 'app-session'
    ? `${c.d.cookieName}=${encodeURIComponent(signSid(id, await c.d.cookieSecret()))}`
    : a.secret !== undefined ? `${c.d.rememberCookieName}=${encodeURIComponent(a.secret)}` : undefined;
  if (cookie) {
    const status = await c.replay(cookie);
    checks.push({ path: REPLAY, result: status === 401 || status === 403 ? 'dead' : 'live', observed: { status } });
  }
  const unavailable = cookie ? [] : [{ path: REPLAY, why: 'the remember-me token is not held, so it cannot be replayed: give it to the artifact with `incident amend <incident> --artifact <artifactId> --value-file <file>`' }];
  return { verdict: checks.some((x) => x.result === 'live') ? 'live' : 'dead', checks, ...(unavailable.length ? { unavailable } : {}) };
}
