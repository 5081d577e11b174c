/**
 * What the closure gate needs to know about an incident's artifacts, built the same way for
 * `show` and for `close`: each artifact, and for a failed one the error that ended its last step,
 * so the refusal says why (ERR_ROTATION_NOT_ADOPTED reads differently from a provider's 403).
 */
import { iso } from '../core/clock.ts';
import type { GateArtifact } from '../core/gate.ts';
import { listSteps, type ArtifactRow } from '../store/repo.ts';
import type { DbOrTx } from '../store/types.ts';

export async function gateArtifacts(db: DbOrTx, incidentId: string, arts: ArtifactRow[]): Promise<GateArtifact[]> {
  const failures = new Map<string, { code: string; message: string }>();
  if (arts.some((a) => a.status === 'failed')) {
    for (const s of await listSteps(db, incidentId, 'failed')) {
      const e = (s.result as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      if (typeof e?.code === 'string') failures.set(s.artifactId, { code: e.code, message: typeof e.message === 'string' ? e.message : '' });
    }
  }
  return arts.map((a) => ({
    id: a.id, label: a.label, connector: a.connector, kind: a.kind as never, status: a.status as never,
    ...(a.expiresAt ? { expiresAt: iso(a.expiresAt) } : {}),
    ...(a.status === 'failed' && failures.has(a.id) ? { failure: failures.get(a.id)! } : {}),
  }));
}
