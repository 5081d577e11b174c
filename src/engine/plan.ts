import { iso } from '../core/clock.ts';
import { transition, type IncidentState } from '../core/incident-state.ts';
import { buildPlan, type Plan } from '../core/plan.ts';
import { getIncident, listArtifacts, setArtifactPlan, updateIncident } from '../store/repo.ts';
import type { EngineContext } from './context.ts';

const REPLANNABLE = new Set(['discovered', 'planned', 'still-live', 'failed', 'residual']);

/**
 * Whether the plan may rotate this artifact before revoking it: its connector's manifest rotates
 * the kind (createEngine has checked it then has rotate and adoption), and discovery marked it
 * rotatable (the instance knows where to deliver a new credential).
 */
function canRotate(ctx: EngineContext, connector: string, kind: string, attributes: unknown): boolean {
  const cap = ctx.connectors.get(connector)?.manifest.artifacts.find((x) => x.kind === kind);
  return !!cap?.rotate && (attributes as Record<string, unknown> | null)?.rotatable === true;
}

/**
 * Classifies every artifact by the policy and records the plan. Artifacts already proven dead keep
 * their status; the plan still lists them so the evidence shows the whole picture.
 */
export async function plan(ctx: EngineContext, incidentId: string, actor: string): Promise<Plan> {
  const incident = await getIncident(ctx.db, incidentId);
  const from = incident.state as IncidentState;
  if (from !== 'planned') transition(from, 'planned');
  const arts = await listArtifacts(ctx.db, incidentId);
  const now = ctx.clock.now();
  const p = buildPlan({
    incidentId,
    subjectType: incident.subjectType as never,
    artifacts: arts.map((a) => ({
      id: a.id, connector: a.connector, kind: a.kind as never, externalId: a.externalId, revocable: a.revocable, rotatable: canRotate(ctx, a.connector, a.kind, a.attributes),
      dependsOn: a.dependsOn, attributes: a.attributes as never, ...(a.expiresAt ? { expiresAt: iso(a.expiresAt) } : {}),
    })),
    policy: ctx.policy,
    now,
  });
  await ctx.db.transaction(async (tx) => {
    const byId = new Map(arts.map((a) => [a.id, a]));
    await setArtifactPlan(tx, p.items.map((item) => {
      const status = byId.get(item.artifactId)!.status;
      return { id: item.artifactId, tier: item.tier, action: item.action, status: REPLANNABLE.has(status) ? 'planned' : status };
    }), now);
    await updateIncident(tx, incidentId, { state: 'planned', plan: p, updatedAt: now });
    if (from !== 'planned') await ctx.ledger.append(tx, incidentId, 'incident.state-changed', actor, { from, to: 'planned' });
    await ctx.ledger.append(tx, incidentId, 'plan.created', actor, { plan: p });
  });
  return p;
}
