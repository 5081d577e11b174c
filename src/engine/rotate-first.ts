/**
 * The first half of rotate-then-revoke, run by the revoke step of an artifact whose plan action is
 * `rotate-then-revoke`: issue a new credential and deliver it to the dependents (once; the
 * connector's rotate is idempotent), then observe whether the dependents use it. Only when they do
 * may the revocation of the old credential go ahead; until the step's deadline (the adoption
 * deadline set when the intent was recorded) the step is polled again; after it, the step fails
 * with ERR_ROTATION_NOT_ADOPTED and the old credential is left live for people to decide.
 */
import { SeverError } from '../core/errors.ts';
import type { ArtifactHandle } from '../core/model.ts';
import type { AdoptionObservation, Connector, RotateOutcome } from '../connectors/contract.ts';
import { recordStepAck, type ArtifactRow, type StepRow } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { takeBudget } from './rate-budget.ts';

export interface RotationPhase {
  /** The dependents use the new credential: revoke the old one now. */
  ready: boolean;
  /** What rotate answered, when it was called in this attempt. */
  rotation?: RotateOutcome;
  /** The latest adoption observation, when one was made in this attempt. */
  adoption?: AdoptionObservation;
  /** Poll again after this long (adoption not seen yet, or the rate budget is spent). */
  deferMs?: number;
  error?: SeverError;
}

/**
 * `afterOwnCall`: an earlier delivery of this step had already marked it as calling its provider.
 * The rotation's acknowledgement is recorded on the step as soon as it arrives.
 */
export async function rotateFirst(ctx: EngineContext, step: StepRow, art: ArtifactRow, connector: Connector, handle: ArtifactHandle, afterOwnCall: boolean): Promise<RotationPhase> {
  const cap = connector.manifest.artifacts.find((c) => c.kind === art.kind)?.rotate;
  if (!cap || !connector.rotate || !connector.adoption) {
    return { ready: false, error: new SeverError('ERR_CONNECTOR_MANIFEST', `${art.connector} cannot rotate ${art.kind}; re-plan it with the action revoke`, { details: { connector: art.connector, kind: art.kind } }) };
  }
  const out: RotationPhase = { ready: false };
  if (art.status !== 'rotating') {
    const wait = await takeBudget(ctx, art.connector, 1);
    if (wait > 0) return { ready: false, deferMs: wait };
    out.rotation = await connector.rotate(handle);
    if (out.rotation.method !== cap.method) {
      throw new SeverError('ERR_PROVIDER_RESPONSE', `${art.connector} rotated ${art.kind} through ${out.rotation.method}, not its manifest's ${cap.method}`, { details: { connector: art.connector } });
    }
    const r = out.rotation;
    await recordStepAck(ctx.db, step.id, 'rotate', { status: r.status, method: r.method, at: ctx.clock.now(), afterOwnCall }).catch((e: unknown) => {
      // Not recorded: the step is tried again, and the connector's rotate is idempotent.
      throw new SeverError('ERR_STORE_FAILED', `could not record the rotation of ${art.label}: ${(e as Error).message}`, { retryable: true, cause: e });
    });
  }
  const wait = await takeBudget(ctx, art.connector, 1);
  if (wait > 0) return { ...out, deferMs: wait };
  const adoption = await connector.adoption(handle);
  if (adoption.checks.length === 0 || adoption.checks.some((c) => c.path === cap.method)) {
    throw new SeverError('ERR_VERIFY_SAME_PATH', `${art.connector} observed the adoption of ${art.kind} ${art.id} ${adoption.checks.length ? `through its rotate path (${cap.method})` : 'with no check at all'}; not accepted`, { details: { connector: art.connector } });
  }
  out.adoption = adoption;
  if (adoption.adopted) return { ...out, ready: true };
  if (step.deadlineAt !== null && ctx.clock.now() >= step.deadlineAt) {
    return {
      ...out,
      error: new SeverError(
        'ERR_ROTATION_NOT_ADOPTED',
        `${art.label}: the dependents were not seen using the new credential by ${new Date(step.deadlineAt).toISOString()}; the old credential was left live. Run contain again to wait longer, or re-plan it with the action revoke.`,
        { details: { artifactId: art.id, connector: art.connector, adoptBy: new Date(step.deadlineAt).toISOString(), checks: adoption.checks } },
      ),
    };
  }
  return { ...out, deferMs: ctx.limits.get(art.connector)!.adoptionPolicy.pollIntervalMs };
}
