import { iso } from '../core/clock.ts';
import { evaluateClosure } from '../core/gate.ts';
import type { IncidentState } from '../core/incident-state.ts';
import { requiredSignoffs } from '../core/runbook.ts';
import { countOpenSteps, getIncident, listArtifacts, listExceptions, listIncidents, listSignoffs } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { gateArtifacts } from './gate-input.ts';

export interface ArtifactView {
  id: string;
  connector: string;
  kind: string;
  externalId: string;
  label: string;
  status: string;
  tier: string | null;
  action: string | null;
  revocable: boolean;
  source: string;
  expiresAt: string | null;
  dependsOn: string[];
  valueHeld: boolean;
  valueHash: string | null;
}

export interface IncidentView {
  id: string;
  state: string;
  subject: unknown;
  reason: string;
  openedBy: string;
  openedAt: string;
  closedAt: string | null;
  executors: string[];
  artifacts: ArtifactView[];
  counts: Record<string, number>;
  residualExposure: Array<{ artifactId: string; label: string; until: string | null }>;
  requiredSignoffs: string[];
  signoffs: Array<{ role: string; person: string; at: string }>;
  exceptions: unknown[];
  pendingSteps: number;
  /** What the closure gate would say for the IR lead closing now. */
  gate: { ok: boolean; missing: Array<{ code: string; message: string }> };
  ledger: { entries: number; head: string | null };
}

export async function showIncident(ctx: EngineContext, incidentId: string): Promise<IncidentView> {
  const incident = await getIncident(ctx.db, incidentId);
  const [arts, sigs, exc, pendingSteps] = await Promise.all([
    listArtifacts(ctx.db, incidentId), listSignoffs(ctx.db, incidentId), listExceptions(ctx.db, incidentId), countOpenSteps(ctx.db, incidentId),
  ]);
  const counts: Record<string, number> = {};
  for (const a of arts) counts[a.status] = (counts[a.status] ?? 0) + 1;
  const connectors = [...new Set(arts.map((a) => a.connector))];
  const irLead = ctx.runbook.roles['ir-lead']?.[0] ?? 'ir-lead';
  const gate = evaluateClosure({
    incident: { state: incident.state as IncidentState },
    artifacts: await gateArtifacts(ctx.db, incidentId, arts),
    exceptions: exc.map((e) => e.record as never),
    signoffs: sigs.map((s) => ({ role: s.role as never, person: s.person, at: iso(s.at) })),
    runbook: ctx.runbook, incidentConnectors: connectors, executors: incident.executors, closer: irLead, now: ctx.clock.now(),
  });
  return {
    id: incident.id, state: incident.state, subject: incident.subject, reason: incident.reason, openedBy: incident.openedBy,
    openedAt: iso(incident.openedAt), closedAt: incident.closedAt ? iso(incident.closedAt) : null, executors: incident.executors,
    artifacts: arts.map((a) => ({
      id: a.id, connector: a.connector, kind: a.kind, externalId: a.externalId, label: a.label, status: a.status, tier: a.tier, action: a.action,
      revocable: a.revocable, source: a.source, expiresAt: a.expiresAt ? iso(a.expiresAt) : null, dependsOn: a.dependsOn,
      valueHeld: a.secretEnc !== null, valueHash: a.secretHash,
    })),
    counts,
    residualExposure: arts.filter((a) => a.status === 'residual').map((a) => ({ artifactId: a.id, label: a.label, until: a.expiresAt ? iso(a.expiresAt) : null })),
    requiredSignoffs: requiredSignoffs(ctx.runbook, connectors),
    signoffs: sigs.map((s) => ({ role: s.role, person: s.person, at: iso(s.at) })),
    exceptions: exc.map((e) => e.record),
    pendingSteps,
    gate: incident.state === 'remediated' ? { ok: true, missing: [] } : gate.ok ? { ok: true, missing: [] } : { ok: false, missing: gate.missing.map((m) => ({ ...m })) },
    ledger: { entries: incident.ledgerSeq, head: incident.ledgerHead },
  };
}

export async function listIncidentViews(ctx: EngineContext) {
  const rows = await listIncidents(ctx.db);
  return rows.map((r) => ({ id: r.id, state: r.state, subject: r.handle, subjectType: r.subjectType, openedAt: iso(r.openedAt), closedAt: r.closedAt ? iso(r.closedAt) : null, reason: r.reason }));
}
