import { iso } from '../core/clock.ts';
import { transition, type IncidentState } from '../core/incident-state.ts';
import { buildPlan, type Plan } from '../core/plan.ts';
import { atLeast, PROOF_STRENGTHS, type ProofStrength } from '../core/proof.ts';
import { getIncident, listArtifacts, setArtifactPlan, updateIncident } from '../store/repo.ts';
import { setRequiredProofs } from '../store/proof.ts';
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
    ...(incident.compromisedAt !== null ? { compromisedAt: iso(incident.compromisedAt) } : {}),
    artifacts: arts.map((a) => ({
      id: a.id, connector: a.connector, kind: a.kind as never, externalId: a.externalId, revocable: a.revocable, rotatable: canRotate(ctx, a.connector, a.kind, a.attributes),
      dependsOn: a.dependsOn, attributes: a.attributes as never, ...(a.expiresAt ? { expiresAt: iso(a.expiresAt) } : {}), ...(a.issuedAt ? { issuedAt: iso(a.issuedAt) } : {}),
    })),
    policy: ctx.policy,
    now,
  });
  await ctx.db.transaction(async (tx) => {
    const byId = new Map(arts.map((a) => [a.id, a]));
    await setArtifactPlan(tx, p.items.map((item) => {
      const a = byId.get(item.artifactId)!;
      const status = REPLANNABLE.has(a.status) ? 'planned' : weakerThanRequired(a.status, a.proof, item.proof.requires) ? 'unproven' : a.status;
      return { id: item.artifactId, tier: item.tier, action: item.action, status };
    }), now);
    await setRequiredProofs(tx, p.items.map((item) => ({ id: item.artifactId, required: item.proof.requires, ruleId: item.proof.ruleId })));
    await updateIncident(tx, incidentId, { state: 'planned', plan: p, updatedAt: now });
    if (from !== 'planned') await ctx.ledger.append(tx, incidentId, 'incident.state-changed', actor, { from, to: 'planned' });
    await ctx.ledger.append(tx, incidentId, 'plan.created', actor, { plan: p });
  });
  return p;
}

/**
 * A proved artifact whose recorded proof is weaker than what the policy now requires (the policy
 * changed, or the artifact's proof rule did) is no longer proved: it becomes unproven until a
 * stronger verification runs.
 */
function weakerThanRequired(status: string, proof: unknown, required: ProofStrength): boolean {
  if (status !== 'verified-dead' && status !== 'verified-expired') return false;
  const strength = (proof as { strength?: unknown } | null)?.strength;
  if (typeof strength !== 'string' || !(PROOF_STRENGTHS as readonly string[]).includes(strength)) return false;
  return !atLeast(strength as ProofStrength, required);
}
