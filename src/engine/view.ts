import { iso } from '../core/clock.ts';
import { evaluateClosure } from '../core/gate.ts';
import { requiredSignoffs } from '../core/runbook.ts';
import { countOpenSteps, getIncident, listArtifacts, listIncidents } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { closureInput } from './gate-input.ts';

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
  /** The proof behind its status: strength reached and required, the paths that ran (null before any verdict). */
  proof: ProofView | null;
}

export interface ProofView {
  required: string | null;
  strength: string | null;
  paths: Array<{ path: string; strength: string; result: string }>;
  wanting?: Array<{ path: string; strength: string; why: string }>;
  providerFault?: string;
}

function proofView(p: unknown): ProofView | null {
  if (p === null || typeof p !== 'object') return null;
  const o = p as Record<string, any>;
  return {
    required: typeof o.required === 'string' ? o.required : null,
    strength: typeof o.strength === 'string' ? o.strength : null,
    paths: Array.isArray(o.paths) ? o.paths : [],
    ...(Array.isArray(o.wanting) && o.wanting.length ? { wanting: o.wanting } : {}),
    ...(o.inconsistency?.message ? { providerFault: String(o.inconsistency.message) } : {}),
  };
}

export interface IncidentView {
  id: string;
  state: string;
  subject: unknown;
  reason: string;
  openedBy: string;
  openedAt: string;
  /** When the compromise began, if the incident says. */
  compromisedAt: string | null;
  closedAt: string | null;
  executors: string[];
  artifacts: ArtifactView[];
  counts: Record<string, number>;
  residualExposure: Array<{ artifactId: string; label: string; until: string | null }>;
  requiredSignoffs: string[];
  /** Each sign-off with the ledger head it saw; `stale` when the incident changed since. */
  signoffs: Array<{ role: string; person: string; at: string; ledgerSeq: number | null; stale: boolean }>;
  exceptions: unknown[];
  pendingSteps: number;
  /** What the closure gate would say for the IR lead closing now. */
  gate: { ok: boolean; missing: Array<{ code: string; message: string }> };
  ledger: { entries: number; head: string | null };
}

export async function showIncident(ctx: EngineContext, incidentId: string): Promise<IncidentView> {
  const incident = await getIncident(ctx.db, incidentId);
  const [arts, pendingSteps] = await Promise.all([
    listArtifacts(ctx.db, incidentId), countOpenSteps(ctx.db, incidentId),
  ]);
  const counts: Record<string, number> = {};
  for (const a of arts) counts[a.status] = (counts[a.status] ?? 0) + 1;
  const connectors = [...new Set(arts.map((a) => a.connector))];
  const irLead = ctx.runbook.roles['ir-lead']?.[0] ?? 'ir-lead';
  const input = await closureInput(ctx, ctx.db, incident, irLead, arts);
  const gate = evaluateClosure(input);
  const staleSignoff = (seq: number | undefined) => seq === undefined || seq < input.materialSeq;
  return {
    id: incident.id, state: incident.state, subject: incident.subject, reason: incident.reason, openedBy: incident.openedBy,
    openedAt: iso(incident.openedAt), compromisedAt: incident.compromisedAt !== null ? iso(incident.compromisedAt) : null, closedAt: incident.closedAt ? iso(incident.closedAt) : null, executors: input.executors,
    artifacts: arts.map((a) => ({
      id: a.id, connector: a.connector, kind: a.kind, externalId: a.externalId, label: a.label, status: a.status, tier: a.tier, action: a.action,
      revocable: a.revocable, source: a.source, expiresAt: a.expiresAt ? iso(a.expiresAt) : null, dependsOn: a.dependsOn,
      valueHeld: a.secretEnc !== null, valueHash: a.secretHash, proof: proofView(a.proof),
    })),
    counts,
    residualExposure: arts.filter((a) => a.status === 'residual').map((a) => ({ artifactId: a.id, label: a.label, until: a.expiresAt ? iso(a.expiresAt) : null })),
    requiredSignoffs: requiredSignoffs(ctx.runbook, connectors),
    signoffs: input.signoffs.map((s) => ({ role: s.role, person: s.person, at: s.at, ledgerSeq: s.ledgerSeq ?? null, stale: staleSignoff(s.ledgerSeq) })),
    exceptions: input.records.exceptions,
    pendingSteps,
    gate: incident.state === 'remediated' ? { ok: true, missing: [] } : gate.ok ? { ok: true, missing: [] } : { ok: false, missing: gate.missing.map((m) => ({ ...m })) },
    ledger: { entries: incident.ledgerSeq, head: incident.ledgerHead },
  };
}

export async function listIncidentViews(ctx: EngineContext) {
  const rows = await listIncidents(ctx.db);
  return rows.map((r) => ({ id: r.id, state: r.state, subject: r.handle, subjectType: r.subjectType, openedAt: iso(r.openedAt), closedAt: r.closedAt ? iso(r.closedAt) : null, reason: r.reason }));
}
