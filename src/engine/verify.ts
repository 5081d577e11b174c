/**
 * Re-verification on demand: every artifact not yet proved (acknowledged, still live, residual)
 * gets a new verify step, polled until its deadline. Nothing is revoked here.
 */
import { transition, type IncidentState } from '../core/incident-state.ts';
import { getIncident, insertSteps, listArtifacts, listSteps, updateIncident, type NewStepRow } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { settleIncident, waitForSteps, type ProgressFn, type StepsSummary } from './wait.ts';

const UNPROVED = new Set(['revoked', 'still-live', 'residual', 'revoking', 'unproven']);

export interface VerifyOptions {
  /** Told once, before waiting, when the wait will end at the latest (ISO 8601): verify always ends. */
  onDeadline?: (deadlineAt: string) => void;
}

export async function verify(ctx: EngineContext, incidentId: string, actor: string, onProgress?: ProgressFn, opts: VerifyOptions = {}): Promise<StepsSummary> {
  await ctx.runner.start();
  const incident = await getIncident(ctx.db, incidentId);
  const from = incident.state as IncidentState;
  if (from !== 'verifying') transition(from, 'verifying');
  const [arts, steps] = await Promise.all([listArtifacts(ctx.db, incidentId), listSteps(ctx.db, incidentId)]);
  const pending = new Set(steps.filter((s) => s.state === 'pending').map((s) => s.artifactId));
  const now = ctx.clock.now();
  const rows: NewStepRow[] = [];
  for (const a of arts) {
    if (pending.has(a.id) || !UNPROVED.has(a.status)) continue;
    const n = steps.filter((s) => s.artifactId === a.id && s.type === 'verify').length + 1;
    const limits = ctx.limits.get(a.connector);
    const waitMs = a.status === 'residual' && a.expiresAt ? Math.max(0, a.expiresAt - now + 50) : 0;
    rows.push({
      id: ctx.ids.next('stp'), incidentId, artifactId: a.id, type: 'verify', idempotencyKey: `verify:${a.id}:manual:${n}`, state: 'pending', actor,
      deadlineAt: now + waitMs + (limits?.verifyPolicy.deadlineMs ?? 60_000), createdAt: now, updatedAt: now,
    });
  }
  await ctx.db.transaction(async (tx) => {
    await updateIncident(tx, incidentId, { state: 'verifying', updatedAt: now });
    if (from !== 'verifying') await ctx.ledger.append(tx, incidentId, 'incident.state-changed', actor, { from, to: 'verifying' });
    const inserted = await insertSteps(tx, rows);
    const byId = new Map(arts.map((a) => [a.id, a]));
    await ctx.runner.enqueue(tx, 'verify', inserted.map((s) => {
      const a = byId.get(s.artifactId)!;
      return { stepId: s.id, connector: a.connector, startAfterMs: a.status === 'residual' && a.expiresAt ? Math.max(0, a.expiresAt - now + 50) : 0 };
    }));
  });
  const summary = await waitForSteps(ctx, incidentId, onProgress, opts.onDeadline);
  await settleIncident(ctx, incidentId, actor);
  return summary;
}
