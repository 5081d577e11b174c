import type { DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { RedisSessionsClient } from './client.ts';

/** The user's sessions (index ∪ scan) and remember-me tokens, by their Redis keys. */
export async function discoverSessions(c: RedisSessionsClient, subject: SubjectRef): Promise<DiscoveredArtifact[]> {
  const p = c.d.prefix;
  return c.with('discover', async (r) => {
    const out: DiscoveredArtifact[] = [];
    const indexed = new Set(await r.sMembers(`${p}user_sessions:${subject.id}`));
    const sids = new Set<string>();
    for (const sid of indexed) if (await r.exists(`${p}sess:${sid}`)) sids.add(sid);
    // The index can miss sessions (written by another code path): scan and read every session.
    for (const key of await c.scan(r, `${p}sess:*`)) {
      const raw = await r.get(key);
      try {
        if (raw && (JSON.parse(raw) as { user?: string }).user === subject.id) sids.add(key.slice(`${p}sess:`.length));
      } catch {
        /* not a JSON session */
      }
    }
    for (const sid of [...sids].sort()) {
      out.push({ kind: 'app-session', externalId: `sess:${sid}`, label: `application session ${sid.slice(0, 8)}… of ${subject.id}${indexed.has(sid) ? '' : ' (missing from the app\'s index)'}`, attributes: { sid, user: subject.id, indexed: indexed.has(sid) } });
    }
    const hashes = new Set(await r.sMembers(`${p}user_remember:${subject.id}`));
    for (const key of await c.scan(r, `${p}remember:*`)) if ((await r.get(key)) === subject.id) hashes.add(key.slice(`${p}remember:`.length));
    for (const h of [...hashes].sort()) {
      if (!(await r.exists(`${p}remember:${h}`))) continue;
      const ttl = await r.pTTL(`${p}remember:${h}`);
      out.push({
        kind: 'trusted-browser', externalId: `remember:${h}`, label: `remember-me token ${h.slice(0, 8)}… of ${subject.id}`, attributes: { tokenHash: h, user: subject.id },
        ...(ttl > 0 ? { expiresAt: new Date(Date.now() + ttl).toISOString() } : {}),
      });
    }
    return out;
  });
}
