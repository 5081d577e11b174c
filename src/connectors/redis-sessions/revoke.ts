import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { RedisSessionsClient } from './client.ts';
import { DEL } from './manifest.ts';

export async function revokeSession(c: RedisSessionsClient, a: ArtifactHandle, user: string | undefined): Promise<RevokeOutcome> {
  const p = c.d.prefix;
  const [type, id] = [a.kind, a.externalId.slice(a.externalId.indexOf(':') + 1)];
  const key = type === 'app-session' ? `${p}sess:${id}` : `${p}remember:${id}`;
  const deleted = await c.with('revoke', async (r) => {
    const n = await r.del(key);
    if (user) await r.sRem(type === 'app-session' ? `${p}user_sessions:${user}` : `${p}user_remember:${user}`, id);
    return n;
  });
  return { status: deleted > 0 ? 'revoked' : 'already_revoked', method: DEL, request: { key: key.replace(id, `${id.slice(0, 8)}…`) }, response: { body: { deleted } } };
}
