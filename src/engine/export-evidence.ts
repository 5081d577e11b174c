import type { Entry } from '../ledger/index.ts';
import { buildBundle, type EvidenceBundle } from '../ledger/index.ts';
import { listLedger } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { showIncident } from './view.ts';

/** A self-contained, signed evidence bundle of one incident: the whole chain plus a summary. */
export async function exportEvidence(ctx: EngineContext, incidentId: string): Promise<EvidenceBundle> {
  const view = await showIncident(ctx, incidentId);
  const entries = (await listLedger(ctx.db, incidentId)) as Entry[];
  return buildBundle(entries, {
    state: view.state,
    subject: view.subject,
    openedAt: view.openedAt,
    closedAt: view.closedAt,
    artifacts: view.artifacts.map((a) => ({
      id: a.id, kind: a.kind, connector: a.connector, status: a.status, label: a.label, tier: a.tier, valueHash: a.valueHash,
      ...(a.proof ? { proof: { strength: a.proof.strength, required: a.proof.required, paths: a.proof.paths.map((p) => `${p.path} (${p.strength}): ${p.result}`) } } : {}),
    })),
    signoffs: view.signoffs,
    exceptions: view.exceptions,
    executors: view.executors,
    residualExposure: view.residualExposure,
  }, { clock: ctx.clock, signer: ctx.ledger.signer });
}
