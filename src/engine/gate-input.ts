/**
 * What the closure gate needs to know about an incident, built the same way for `show` and for
 * `close`: each artifact with its proof (and for a failed one the error that ended its last step,
 * so the refusal says why), the sign-offs and exceptions with what they were bound to, the last
 * material ledger entry, and the executors by deeds.
 */
import { iso } from '../core/clock.ts';
import type { ClosureInput, GateArtifact, GateException, GateSignoff } from '../core/gate.ts';
import type { IncidentState } from '../core/incident-state.ts';
import { listArtifacts, listExceptions, listSignoffs, listSteps, type ArtifactRow, type IncidentRow } from '../store/repo.ts';
import { executorsOf, lastDiscoveryFailures, lastMaterialSeq, lastReopenSeq } from '../store/attestation.ts';
import type { DbOrTx } from '../store/types.ts';
import type { EngineContext } from './context.ts';
import { checkAttestation, type SignedAttestation } from '../ledger/attestation.ts';
import { keysOf } from './attest.ts';

/**
 * Whether a stored attestation still verifies with a key the runbook registers for `person` now,
 * and says what its record says (the same person, and for a sign-off the same role).
 */
function recheck(ctx: EngineContext, record: unknown, person: string, role?: string): { verified: boolean; unverifiedReason?: string } {
  const att = (record as { attestation?: SignedAttestation } | null)?.attestation;
  if (!att) return { verified: false, unverifiedReason: 'it carries no signature (a typed name)' };
  const c = checkAttestation(att, keysOf(ctx.runbook));
  if ('code' in c) return { verified: false, unverifiedReason: c.message };
  if (c.parsed.person !== person || (role !== undefined && c.parsed.role !== role)) return { verified: false, unverifiedReason: 'the signed statement names another person or role than the record' };
  return { verified: true };
}

export async function gateArtifacts(db: DbOrTx, incidentId: string, arts: ArtifactRow[]): Promise<GateArtifact[]> {
  const failures = new Map<string, { code: string; message: string; step?: 'revoke' | 'verify' }>();
  if (arts.some((a) => a.status === 'failed')) {
    for (const s of await listSteps(db, incidentId, 'failed')) {
      const e = (s.result as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      if (typeof e?.code === 'string') failures.set(s.artifactId, { code: e.code, message: typeof e.message === 'string' ? e.message : '', step: s.type === 'verify' ? 'verify' : 'revoke' });
    }
  }
  return arts.map((a) => {
    const proof = a.proof as (GateArtifact['proof'] & { status?: string }) | null;
    return {
      id: a.id, label: a.label, connector: a.connector, kind: a.kind as never, status: a.status as never,
      ...(a.expiresAt ? { expiresAt: iso(a.expiresAt) } : {}),
      ...(a.status === 'failed' && failures.has(a.id) ? { failure: failures.get(a.id)! } : {}),
      ...(proof && proof.required ? { proof: { strength: proof.strength ?? null, required: proof.required, ...(proof.wanting ? { wanting: proof.wanting } : {}), ...(proof.inconsistency ? { inconsistency: proof.inconsistency } : {}) } } : {}),
    };
  });
}

interface BoundRecord {
  ledgerHead?: { seq?: unknown };
  artifactStatus?: unknown;
}

const seqOf = (r: BoundRecord): number | undefined => (typeof r.ledgerHead?.seq === 'number' ? r.ledgerHead.seq : undefined);

/** Everything the gate needs, read in the caller's transaction (or from the database for `show`). */
/** The gate's input, and the stored sign-off and exception records it was read from (for the ledger and the view). */
export type ClosureInputWithRecords = ClosureInput & { records: { exceptions: unknown[]; signoffs: unknown[] } };

export async function closureInput(ctx: EngineContext, db: DbOrTx, incident: IncidentRow, closer: string, arts?: ArtifactRow[]): Promise<ClosureInputWithRecords> {
  const id = incident.id;
  const artifacts = arts ?? (await listArtifacts(db, id));
  const [exc, sigs, materialSeq, reopenedSeq, executors, discoveryFailures] = await Promise.all([
    listExceptions(db, id), listSignoffs(db, id), lastMaterialSeq(db, id), lastReopenSeq(db, id), executorsOf(db, id), lastDiscoveryFailures(db, id),
  ]);
  const exceptions: GateException[] = exc.map((e) => {
    const r = e.record as BoundRecord & GateException;
    const seq = seqOf(r);
    return {
      ...recheck(ctx, r, r.grantedBy),
      artifactId: r.artifactId, grantedBy: r.grantedBy, reason: r.reason, expiresAt: r.expiresAt,
      ...(typeof r.artifactStatus === 'string' ? { artifactStatus: r.artifactStatus } : {}), ...(seq !== undefined ? { ledgerSeq: seq } : {}),
    };
  });
  const signoffs: GateSignoff[] = sigs.map((s) => {
    const seq = seqOf(s.record as BoundRecord);
    return { role: s.role, person: s.person, at: iso(s.at), ...(seq !== undefined ? { ledgerSeq: seq } : {}), ...recheck(ctx, s.record, s.person, s.role) };
  });
  return {
    incident: { state: incident.state as IncidentState },
    artifacts: await gateArtifacts(db, id, artifacts),
    exceptions, signoffs, materialSeq, reopenedSeq, discoveryFailures,
    runbook: ctx.runbook,
    incidentConnectors: [...new Set(artifacts.map((a) => a.connector))],
    executors, closer, now: ctx.clock.now(),
    records: { exceptions: exc.map((e) => e.record), signoffs: sigs.map((s) => s.record) },
  };
}
