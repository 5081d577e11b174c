/**
 * The verify step, for a batch of jobs: observe each artifact through a path other than the one
 * that revoked it, record the observations' hashes, and either settle a verdict or poll again
 * until the deadline. An acknowledgement is never evidence; a verification through the revoke path
 * is refused as evidence.
 */
import { SeverError, toSeverError } from '../core/errors.ts';
import { gradeProof, PROOF_STRENGTHS, whatWouldProve, type ProofGrade, type ProofStrength } from '../core/proof.ts';
import type { VerifyObservation } from '../connectors/contract.ts';
import { hashObservation } from '../ledger/index.ts';
import { getArtifacts, getSteps, setArtifactStatuses, settleSteps, type ArtifactRow, type StepRow, type StepSettlement } from '../store/repo.ts';
import { setArtifactProofs } from '../store/proof.ts';
import type { DbOrTx } from '../store/types.ts';
import { toHandle } from './artifact-handle.ts';
import type { EngineContext } from './context.ts';
import { byIncident } from './by-incident.ts';
import { learnFromProvider, takeBudget } from './rate-budget.ts';
import { retryDelay } from './with-retry.ts';

export interface Poll {
  step: Pick<StepRow, 'id' | 'incidentId' | 'attempts' | 'deadlineAt'>;
  art: ArtifactRow;
  obs?: VerifyObservation;
  observedHash?: string;
  error?: SeverError;
  /** The observation graded against the proof the policy requires for the artifact. */
  grade?: ProofGrade;
  /**
   * 'proved' settles with a verdict; 'again' polls later; 'deadline' settles as still live;
   * 'unproven' settles at once: every path that ran said dead, none strong enough, and polling
   * cannot make a stronger path runnable.
   */
  next: 'proved' | 'again' | 'deadline' | 'unproven';
  waitMs: number;
}

/** The proof the policy requires for an artifact, recorded at plan time; the strongest when unknown (the gate refuses when in doubt). */
export function requiredOf(art: ArtifactRow): ProofStrength {
  const r = (art.proof as { required?: unknown } | null)?.required;
  return typeof r === 'string' && (PROOF_STRENGTHS as readonly string[]).includes(r) ? (r as ProofStrength) : 'replay';
}

/** Grades an observation with the strengths the connector's manifest gives its paths (undeclared paths count as self-report). */
export function gradeObservation(ctx: EngineContext, art: ArtifactRow, obs: VerifyObservation): ProofGrade {
  const cap = ctx.connectors.get(art.connector)?.manifest.artifacts.find((c) => c.kind === art.kind);
  const strengthOf = (path: string): ProofStrength => cap?.verify.find((v) => v.path === path)?.strength ?? 'self-report';
  return gradeProof(
    obs.checks.map((c) => ({ path: c.path, strength: strengthOf(c.path), result: c.result })),
    requiredOf(art),
    // Connectors do not know Sever's ids: fill them into the commands they suggest.
    (obs.unavailable ?? []).map((u) => ({ path: u.path, strength: strengthOf(u.path), why: u.why.replaceAll('<incident>', art.incidentId).replaceAll('<artifactId>', art.id) })),
    obs.verdict === 'live',
  );
}

/** One observation through the connector's independent verification paths; never throws. */
export async function observe(ctx: EngineContext, art: ArtifactRow): Promise<Pick<Poll, 'obs' | 'error'>> {
  const connector = ctx.connectors.get(art.connector);
  if (!connector) return { error: new SeverError('ERR_CONNECTOR_UNKNOWN', `connector ${art.connector} is no longer configured`) };
  try {
    const obs = await ctx.runner.semaphore(art.connector).run(() => connector.verify(toHandle(art, ctx.secrets)));
    const revokeMethod = connector.manifest.artifacts.find((c) => c.kind === art.kind)?.revoke.method;
    const same = obs.checks.find((c) => c.path === revokeMethod);
    // No check at all is evidence of nothing; it is accepted only with the paths that would prove it named.
    if ((obs.checks.length === 0 && !obs.unavailable?.length) || same) {
      return { error: new SeverError('ERR_VERIFY_SAME_PATH', `${art.connector} verified ${art.kind} ${art.id} ${same ? `through its revoke path (${same.path})` : 'with no check at all'}; not accepted as evidence`) };
    }
    return { obs };
  } catch (e) {
    const error = toSeverError(e);
    learnFromProvider(ctx, art.connector, error);
    return { error };
  }
}

/** Decides what one observation means: proved, poll again, or still live at the deadline. */
export function toPoll(ctx: EngineContext, step: Poll['step'], art: ArtifactRow, observed: Pick<Poll, 'obs' | 'error'>, now: number): Poll {
  const { obs, error } = observed;
  const grade = obs ? gradeObservation(ctx, art, obs) : undefined;
  const verdict = grade?.verdict;
  const proved = verdict === 'dead' || (verdict === 'expired' && (!art.revocable || (art.expiresAt !== null && art.expiresAt <= now)));
  const observedHash = obs ? hashObservation(obs as never) : undefined;
  const base = { step, art, ...observed, ...(grade ? { grade } : {}), ...(observedHash ? { observedHash } : {}) };
  if (proved) return { ...base, next: 'proved', waitMs: 0 };
  if (verdict === 'unproven') return { ...base, next: 'unproven', waitMs: 0 };
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
    state: p.next === 'proved' || p.next === 'unproven' ? 'done' : p.next === 'again' ? 'pending' : 'failed',
    attempts: p.step.attempts + 1,
    ...(p.next === 'again' ? {} : { result: { verdict: p.grade?.verdict ?? p.obs?.verdict ?? null, strength: p.grade?.strength ?? null, required: p.grade?.required ?? null, observedHash: p.observedHash ?? null } }),
  };
}

/**
 * Records settled polls: observations (hashed) and verdicts in the ledger, artifact statuses, and
 * the next poll of those still waiting. The caller has settled (or created) their steps.
 */
export async function recordPolls(ctx: EngineContext, tx: DbOrTx, polls: Poll[], now: number): Promise<void> {
  const statusOf = (p: Poll) =>
    p.next === 'proved' ? (p.grade!.verdict === 'dead' ? 'verified-dead' : 'verified-expired') : p.next === 'unproven' ? 'unproven' : p.art.status === 'residual' ? 'residual' : 'still-live';
  const verdicts = polls.filter((p) => p.next !== 'again');
  await setArtifactStatuses(tx, verdicts.map((p) => ({ id: p.art.id, status: statusOf(p), ...(p.next === 'proved' ? { verdictAt: now } : {}) })), now);
  await setArtifactProofs(tx, verdicts.map((p) => ({ id: p.art.id, proof: proofRecord(ctx, p, statusOf(p), now) })));
  for (const [incidentId, group] of byIncident(polls)) {
    const entry = await ctx.ledger.append(tx, incidentId, 'verify.observation', 'sever', {
      observations: group.map((p) => ({
        artifactId: p.art.id, stepId: p.step.id, connector: p.art.connector, kind: p.art.kind, poll: p.step.attempts + 1,
        ...(p.obs
          ? {
              verdict: p.obs.verdict, checks: gradedChecks(ctx, p), observedHash: p.observedHash,
              grade: { verdict: p.grade!.verdict, strength: p.grade!.strength, required: p.grade!.required },
              ...(p.obs.unavailable?.length ? { unavailable: p.obs.unavailable } : {}),
              ...(p.grade!.inconsistency ? { providerFault: p.grade!.inconsistency } : {}),
            }
          : { error: p.error!.toJSON() }),
      })),
    });
    const faults = group.filter((p) => p.grade?.inconsistency);
    if (faults.length) {
      await ctx.ledger.append(tx, incidentId, 'provider.fault', 'sever', {
        note: "the provider's own verification paths contradict each other: report it to the provider; the artifact is treated as live",
        faults: faults.map((p) => ({ artifactId: p.art.id, connector: p.art.connector, kind: p.art.kind, observationSeq: entry.seq, ...p.grade!.inconsistency! })),
      });
    }
    const settledHere = group.filter((p) => p.next !== 'again');
    if (settledHere.length) {
      await ctx.ledger.append(tx, incidentId, 'artifact.verdict', 'sever', {
        verdicts: settledHere.map((p) => ({
          artifactId: p.art.id, connector: p.art.connector, kind: p.art.kind, verdict: statusOf(p), observationSeq: entry.seq,
          ...(p.grade ? { strength: p.grade.strength, required: p.grade.required } : {}),
          ...(p.next === 'proved'
            ? { observedHash: p.observedHash, paths: p.obs!.checks.map((c) => c.path) }
            : p.next === 'unproven'
              ? { observedHash: p.observedHash, paths: p.obs!.checks.map((c) => c.path), reason: whatWouldProve(p.grade!), wanting: p.grade!.wanting ?? [] }
              : {
                  reason: p.obs ? `still ${p.grade?.verdict ?? p.obs.verdict} at the verification deadline` : `verification failed: ${p.error!.code}`,
                  ...(p.grade?.inconsistency ? { providerFault: p.grade.inconsistency.message } : {}),
                }),
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

/** The checks of an observation with the strength of each path (what the ledger records). */
function gradedChecks(ctx: EngineContext, p: Poll) {
  const cap = ctx.connectors.get(p.art.connector)?.manifest.artifacts.find((c) => c.kind === p.art.kind);
  return p.obs!.checks.map((c) => ({ ...c, strength: cap?.verify.find((v) => v.path === c.path)?.strength ?? 'self-report' }));
}

/** What `artifacts.proof` holds after a verdict: the grade, the paths that ran, what would prove it. */
function proofRecord(ctx: EngineContext, p: Poll, status: string, now: number): Record<string, unknown> {
  const prior = (p.art.proof as Record<string, unknown> | null) ?? {};
  return {
    ...(prior.ruleId !== undefined ? { ruleId: prior.ruleId } : {}),
    required: p.grade?.required ?? requiredOf(p.art),
    strength: p.grade?.strength ?? null,
    status,
    at: now,
    paths: p.obs ? gradedChecks(ctx, p).map((c) => ({ path: c.path, strength: c.strength, result: c.result })) : [],
    ...(p.grade?.wanting?.length ? { wanting: p.grade.wanting } : {}),
    ...(p.grade?.inconsistency ? { inconsistency: p.grade.inconsistency } : {}),
    ...(p.error ? { error: p.error.code } : {}),
  };
}
