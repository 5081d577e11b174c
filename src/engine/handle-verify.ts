/**
 * The verify step, for a batch of jobs: observe each artifact through a path other than the one
 * that revoked it, record the observations' hashes, and either settle a verdict or poll again
 * until the deadline. An acknowledgement is never evidence; a verification through the revoke path
 * is refused as evidence.
 */
import { SeverError, toSeverError } from '../core/errors.ts';
import type { VerifyObservation } from '../connectors/contract.ts';
import { hashObservation } from '../ledger/index.ts';
import { getArtifacts, getSteps, setArtifactStatuses, settleSteps, type ArtifactRow, type StepRow, type StepSettlement } from '../store/repo.ts';
import type { DbOrTx } from '../store/types.ts';
import { toHandle } from './artifact-handle.ts';
import type { EngineContext } from './context.ts';
import { byIncident } from './by-incident.ts';
import { takeBudget } from './rate-budget.ts';
import { retryDelay } from './with-retry.ts';

export interface Poll {
  step: Pick<StepRow, 'id' | 'incidentId' | 'attempts' | 'deadlineAt'>;
  art: ArtifactRow;
  obs?: VerifyObservation;
  observedHash?: string;
  error?: SeverError;
  /** 'proved' settles with a verdict; 'again' polls later; 'deadline' settles as still live. */
  next: 'proved' | 'again' | 'deadline';
  waitMs: number;
}

/** One observation through the connector's independent verification paths; never throws. */
export async function observe(ctx: EngineContext, art: ArtifactRow): Promise<Pick<Poll, 'obs' | 'error'>> {
  const connector = ctx.connectors.get(art.connector);
  if (!connector) return { error: new SeverError('ERR_CONNECTOR_UNKNOWN', `connector ${art.connector} is no longer configured`) };
  try {
    const obs = await ctx.runner.semaphore(art.connector).run(() => connector.verify(toHandle(art, ctx.secrets)));
    const revokeMethod = connector.manifest.artifacts.find((c) => c.kind === art.kind)?.revoke.method;
    const same = obs.checks.find((c) => c.path === revokeMethod);
    if (obs.checks.length === 0 || same) {
      return { error: new SeverError('ERR_VERIFY_SAME_PATH', `${art.connector} verified ${art.kind} ${art.id} ${same ? `through its revoke path (${same.path})` : 'with no check at all'}; not accepted as evidence`) };
    }
    return { obs };
  } catch (e) {
    return { error: toSeverError(e) };
  }
}

/** Decides what one observation means: proved, poll again, or still live at the deadline. */
export function toPoll(ctx: EngineContext, step: Poll['step'], art: ArtifactRow, observed: Pick<Poll, 'obs' | 'error'>, now: number): Poll {
  const { obs, error } = observed;
  const verdict = obs?.verdict;
  const proved = verdict === 'dead' || (verdict === 'expired' && (!art.revocable || (art.expiresAt !== null && art.expiresAt <= now)));
  const observedHash = obs ? hashObservation(obs as never) : undefined;
  const base = { step, art, ...observed, ...(observedHash ? { observedHash } : {}) };
  if (proved) return { ...base, next: 'proved', waitMs: 0 };
  const retryable = obs !== undefined || error?.retryable === true;
  const wait = obs ? ctx.limits.get(art.connector)!.verifyPolicy.pollIntervalMs : retryDelay(ctx, step.attempts + 1, error!);
  // A residual artifact waits for its expiry; everything else polls until its deadline.
  const deadline = step.deadlineAt ?? now;
  const until = art.status === 'residual' && art.expiresAt ? Math.max(now + wait, Math.min(art.expiresAt + 50, deadline)) : now + wait;
  return { ...base, next: retryable && until <= deadline ? 'again' : 'deadline', waitMs: until - now };
}

export function settlementOf(p: Poll): StepSettlement {
  return {
    id: p.step.id,
    state: p.next === 'proved' ? 'done' : p.next === 'again' ? 'pending' : 'failed',
    attempts: p.step.attempts + 1,
    ...(p.next === 'again' ? {} : { result: { verdict: p.obs?.verdict ?? null, observedHash: p.observedHash ?? null } }),
  };
}

/**
 * Records settled polls: observations (hashed) and verdicts in the ledger, artifact statuses, and
 * the next poll of those still waiting. The caller has settled (or created) their steps.
 */
export async function recordPolls(ctx: EngineContext, tx: DbOrTx, polls: Poll[], now: number): Promise<void> {
  const statusOf = (p: Poll) => (p.next === 'proved' ? (p.obs!.verdict === 'dead' ? 'verified-dead' : 'verified-expired') : p.art.status === 'residual' ? 'residual' : 'still-live');
  const verdicts = polls.filter((p) => p.next !== 'again');
  await setArtifactStatuses(tx, verdicts.map((p) => ({ id: p.art.id, status: statusOf(p), ...(p.next === 'proved' ? { verdictAt: now } : {}) })), now);
  for (const [incidentId, group] of byIncident(polls)) {
    const entry = await ctx.ledger.append(tx, incidentId, 'verify.observation', 'sever', {
      observations: group.map((p) => ({
        artifactId: p.art.id, stepId: p.step.id, connector: p.art.connector, kind: p.art.kind, poll: p.step.attempts + 1,
        ...(p.obs ? { verdict: p.obs.verdict, checks: p.obs.checks, observedHash: p.observedHash } : { error: p.error!.toJSON() }),
      })),
    });
    const settledHere = group.filter((p) => p.next !== 'again');
    if (settledHere.length) {
      await ctx.ledger.append(tx, incidentId, 'artifact.verdict', 'sever', {
        verdicts: settledHere.map((p) => ({
          artifactId: p.art.id, connector: p.art.connector, kind: p.art.kind, verdict: statusOf(p), observationSeq: entry.seq,
          ...(p.next === 'proved'
            ? { observedHash: p.observedHash, paths: p.obs!.checks.map((c) => c.path) }
            : { reason: p.obs ? `still ${p.obs.verdict} at the verification deadline` : `verification failed: ${p.error!.code}` }),
        })),
      });
    }
  }
  await ctx.runner.enqueue(tx, 'verify', polls.filter((p) => p.next === 'again').map((p) => ({ stepId: p.step.id, connector: p.art.connector, startAfterMs: p.waitMs })));
}

export async function handleVerifyBatch(ctx: EngineContext, stepIds: string[]): Promise<void> {
  const steps = (await getSteps(ctx.db, stepIds)).filter((s) => s.state === 'pending');
  if (steps.length === 0) return;
  const arts = new Map((await getArtifacts(ctx.db, steps.map((s) => s.artifactId))).map((a) => [a.id, a]));
  const results = await Promise.all(steps.map(async (step) => {
    const art = arts.get(step.artifactId)!;
    const wait = await takeBudget(ctx, art.connector, 1);
    return wait > 0 ? { step, deferMs: wait } : { step, observed: await observe(ctx, art) };
  }));
  const deferred = results.filter((r) => r.deferMs !== undefined).map((r) => ({ step: r.step, waitMs: r.deferMs! }));
  const observed = results.filter((r) => r.observed !== undefined).map((r) => ({ step: r.step, observed: r.observed! }));
  const now = ctx.clock.now();
  const polls = observed.map(({ step, observed: o }) => toPoll(ctx, step, arts.get(step.artifactId)!, o, now));
  await ctx.db.transaction(async (tx) => {
    if (deferred.length) await ctx.runner.enqueue(tx, 'verify', deferred.map((d) => ({ stepId: d.step.id, connector: arts.get(d.step.artifactId)!.connector, startAfterMs: d.waitMs })));
    const settled = await settleSteps(tx, polls.map(settlementOf), now);
    await recordPolls(ctx, tx, polls.filter((p) => settled.has(p.step.id)), now);
  });
}
