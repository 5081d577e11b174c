/**
 * Containment: record every revoke intent (with its idempotency key) and its job in one
 * transaction, then let the workers revoke and verify until every step is settled. Running it
 * again after a crash dispatches nothing twice: artifacts with a pending step keep it.
 */
import { SeverError } from '../core/errors.ts';
import { transition, type IncidentState } from '../core/incident-state.ts';
import { TIERS, type Tier } from '../core/model.ts';
import { getIncident, listArtifacts, listSteps, updateArtifacts, updateIncident, insertSteps, type ArtifactRow, type NewStepRow } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { plan } from './plan.ts';
import { revokeAllowanceMs, settleIncident, startWorkers, waitForSteps, type ProgressFn, type StepsSummary } from './wait.ts';

const NEEDS_REVOKE = new Set(['planned', 'still-live', 'failed']);

export interface ContainOptions {
  /**
   * Only these tiers of the plan (e.g. `immediate` now, `scheduled-rotation` once its owners
   * agree); the others stay planned and the closure gate keeps listing them. Default: every tier.
   */
  tiers?: Tier[];
  /** Told once, before waiting, when the wait will end at the latest (ISO 8601): contain always ends. */
  onDeadline?: (deadlineAt: string) => void;
}

export async function contain(ctx: EngineContext, incidentId: string, actor: string, onProgress?: ProgressFn, opts: ContainOptions = {}): Promise<StepsSummary> {
  for (const t of opts.tiers ?? []) {
    if (!TIERS.includes(t)) throw new SeverError('ERR_INPUT_INVALID', `--tier ${String(t)}: expected one of ${TIERS.join(', ')}`, { details: { field: 'tier' } });
  }
  const only = opts.tiers?.length ? new Set<string>(opts.tiers) : undefined;
  if ((await listArtifacts(ctx.db, incidentId)).some((a) => a.status === 'discovered')) await plan(ctx, incidentId, actor);
  await ctx.runner.start(ctx.tuning.jobs);
  // Work left by an earlier run (a crash) resumes while this one records its intents.
  await startWorkers(ctx);
  const incident = await getIncident(ctx.db, incidentId);
  const from = incident.state as IncidentState;
  if (from !== 'containing') transition(from, 'containing');
  const [arts, allSteps] = await Promise.all([listArtifacts(ctx.db, incidentId), listSteps(ctx.db, incidentId)]);
  const pendingFor = new Set(allSteps.filter((s) => s.state === 'pending').map((s) => s.artifactId));
  const countFor = new Map<string, number>();
  for (const s of allSteps) countFor.set(`${s.type}:${s.artifactId}`, (countFor.get(`${s.type}:${s.artifactId}`) ?? 0) + 1);
  const now = ctx.clock.now();

  const chosen = arts.filter((a) => !pendingFor.has(a.id) && a.action && (!only || only.has(a.tier ?? '')));
  const revocation = (a: ArtifactRow) => (a.action === 'revoke' || a.action === 'rotate-then-revoke') && a.revocable && NEEDS_REVOKE.has(a.status);
  // Every revoke step has a deadline, so that the wait has one: generous enough for the provider's
  // rate budget and concurrency over this run's revocations, and every retry (wait.ts).
  const revoking = new Map<string, number>();
  for (const a of chosen.filter(revocation)) revoking.set(a.connector, (revoking.get(a.connector) ?? 0) + 1);
  const revokes: NewStepRow[] = [];
  const verifies: Array<{ row: NewStepRow; startAfterMs: number; art: ArtifactRow }> = [];
  const residual: string[] = [];
  for (const a of chosen) {
    const n = countFor.get(`revoke:${a.id}`) ?? 0;
    if (revocation(a)) {
      // rotate-then-revoke: the step's deadline is the dependents' time to adopt the new credential (rotate-first.ts).
      const deadlineAt = a.action === 'rotate-then-revoke' ? now + (ctx.limits.get(a.connector)?.adoptionPolicy.deadlineMs ?? 0) : now + revokeAllowanceMs(ctx, a.connector, revoking.get(a.connector) ?? 1);
      revokes.push({ id: ctx.ids.next('stp'), incidentId, artifactId: a.id, type: 'revoke', idempotencyKey: `revoke:${a.id}:${n + 1}`, state: 'pending', actor, deadlineAt, createdAt: now, updatedAt: now });
    } else if ((a.action === 'await-expiry' || (a.action === 'revoke' && !a.revocable)) && (a.status === 'planned' || a.status === 'residual')) {
      residual.push(a.id);
      verifies.push(verifyStep(ctx, a, actor, now, countFor, a.expiresAt ? Math.max(0, a.expiresAt - now + 50) : 0));
    } else if (a.action === 'validate' && a.status === 'planned') {
      verifies.push(verifyStep(ctx, a, actor, now, countFor, 0));
    }
  }

  await ctx.db.transaction(async (tx) => {
    // Executors are counted by deeds (steps whose provider call changed state), not by who ran contain.
    await updateIncident(tx, incidentId, { state: 'containing', updatedAt: now, containedAt: incident.containedAt ?? now });
    if (from !== 'containing') await ctx.ledger.append(tx, incidentId, 'incident.state-changed', actor, { from, to: 'containing', ...(only ? { tiers: [...only] } : {}) });
    const inserted = await insertSteps(tx, revokes);
    const insertedVerifies = await insertSteps(tx, verifies.map((v) => v.row));
    if (residual.length > 0) await updateArtifacts(tx, residual, { status: 'residual', updatedAt: now });
    if (inserted.length > 0 || insertedVerifies.length > 0) {
      const byId = new Map(arts.map((a) => [a.id, a]));
      await ctx.ledger.append(tx, incidentId, 'revoke.intent', actor, {
        ...(only ? { tiers: [...only] } : {}),
        revoke: inserted.map((s) => {
          const a = byId.get(s.artifactId)!;
          const cap = ctx.connectors.get(a.connector)?.manifest.artifacts.find((c) => c.kind === a.kind);
          const rotation = a.action === 'rotate-then-revoke' ? { rotateFirst: cap?.rotate ?? null, adoptBy: s.deadlineAt ? new Date(s.deadlineAt).toISOString() : null } : {};
          return { artifactId: s.artifactId, stepId: s.id, idempotencyKey: s.idempotencyKey, connector: a.connector, kind: a.kind, method: cap?.revoke.method ?? null, ...rotation };
        }),
        awaitExpiry: verifies.filter((v) => residual.includes(v.art.id)).map((v) => ({ artifactId: v.art.id, until: v.art.expiresAt, stepId: v.row.id })),
        validate: verifies.filter((v) => !residual.includes(v.art.id)).map((v) => ({ artifactId: v.art.id, stepId: v.row.id })),
      });
      await updateArtifacts(tx, inserted.map((s) => s.artifactId), { status: 'revoking', updatedAt: now });
      const byArt = new Map(arts.map((a) => [a.id, a.connector]));
      await ctx.runner.enqueue(tx, 'revoke', inserted.map((s) => ({ stepId: s.id, connector: byArt.get(s.artifactId)! })));
      const ids = new Set(insertedVerifies.map((s) => s.id));
      await ctx.runner.enqueue(tx, 'verify', verifies.filter((v) => ids.has(v.row.id!)).map((v) => ({ stepId: v.row.id!, connector: v.art.connector, startAfterMs: v.startAfterMs })));
    }
  });
  const summary = await waitForSteps(ctx, incidentId, onProgress, opts.onDeadline);
  await settleIncident(ctx, incidentId, actor);
  return summary;
}

function verifyStep(ctx: EngineContext, a: ArtifactRow, actor: string, now: number, countFor: Map<string, number>, startAfterMs: number) {
  const n = (countFor.get(`verify:${a.id}`) ?? 0) + 1;
  const limits = ctx.limits.get(a.connector);
  // A residual artifact is proved after its expiry; a delayed job may start late, so its deadline is generous.
  const deadline = now + startAfterMs + Math.max(limits?.verifyPolicy.deadlineMs ?? 60_000, startAfterMs > 0 ? 30_000 : 0);
  return {
    art: a,
    startAfterMs,
    row: { id: ctx.ids.next('stp'), incidentId: a.incidentId, artifactId: a.id, type: 'verify', idempotencyKey: `verify:${a.id}:standalone:${n}`, state: 'pending', actor, deadlineAt: deadline, createdAt: now, updatedAt: now } satisfies NewStepRow,
  };
}
