/**
 * The payload members the format itself relies on, per entry type. Everything else in a payload
 * is the engine's business (documented in docs/evidence.md as common fields) and is not checked
 * here: these rules are part of the signed format, so they stay minimal and never tighten for
 * existing entry types.
 */
import { z } from 'zod';
import { ARTIFACT_STATUSES } from '../core/model.ts';
import { publicJwkSchema } from './jwk.ts';

const id = z.string().min(1);
const withPublicKey = z.looseObject({ publicKey: publicJwkSchema });
// What was observed is hashed; an observation that failed carries the error instead.
const observation = z.union([
  z.looseObject({ artifactId: id, observedHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (hashObservation)') }),
  z.looseObject({ artifactId: id, observedHash: z.never().optional(), error: z.looseObject({ code: id }) }),
]);
const verdict = z.looseObject({ artifactId: id, verdict: z.enum(ARTIFACT_STATUSES) });

const RULES: Partial<Record<string, z.ZodType>> = {
  // The key that signs the chain is announced in the chain itself (docs/evidence.md, "Keys").
  'incident.opened': withPublicKey,
  'key.announced': withPublicKey,
  // One artifact, or a batch from one discovery pass.
  'artifact.discovered': z.union([z.looseObject({ artifactId: id }), z.looseObject({ artifacts: z.array(z.looseObject({ artifactId: id })).min(1) })]),
  'artifact.added': z.union([z.looseObject({ artifactId: id }), z.looseObject({ artifacts: z.array(z.looseObject({ artifactId: id })).min(1) })]),
  // One observation, or the observations of one batch of polls.
  'verify.observation': z.union([observation, z.looseObject({ observations: z.array(observation).min(1) })]),
  // One verdict, or the verdicts of one batch.
  'artifact.verdict': z.union([verdict, z.looseObject({ verdicts: z.array(verdict).min(1) })]),
  'signoff.recorded': z.looseObject({ role: id, person: id }),
};

/**
 * The first problem with `payload` for an entry of `type`, or `undefined` when it is acceptable.
 *
 * @returns `path` relative to the payload, and a message.
 */
export function payloadProblem(type: string, payload: unknown): { path: PropertyKey[]; message: string } | undefined {
  const rule = RULES[type];
  if (rule === undefined) return undefined;
  const r = rule.safeParse(payload);
  if (r.success) return undefined;
  let issue = r.error.issues[0];
  // A union fails as a whole; report the first alternative's first problem, which names a field.
  while (issue?.code === 'invalid_union') issue = issue.errors[0]?.[0] ?? undefined;
  return { path: issue?.path ?? [], message: issue?.message ?? 'invalid' };
}

/** Artifact ids introduced by an `artifact.discovered` or `artifact.added` payload. */
export function introducedArtifactIds(payload: Record<string, unknown>): string[] {
  if (typeof payload.artifactId === 'string') return [payload.artifactId];
  const list = payload.artifacts;
  if (!Array.isArray(list)) return [];
  return list.flatMap((a: unknown) => (typeof a === 'object' && a !== null && typeof (a as { artifactId?: unknown }).artifactId === 'string' ? [(a as { artifactId: string }).artifactId] : []));
}

/** The `{artifactId, verdict, strength}` of an `artifact.verdict` payload, single or batched (`strength` null when not recorded). */
export function verdictsOf(payload: Record<string, unknown>): Array<{ artifactId: string; verdict: string; strength: string | null }> {
  const one = (v: unknown) => {
    if (typeof v !== 'object' || v === null || typeof (v as { artifactId?: unknown }).artifactId !== 'string') return [];
    const o = v as { artifactId: string; verdict?: unknown; strength?: unknown };
    return [{ artifactId: o.artifactId, verdict: String(o.verdict), strength: typeof o.strength === 'string' ? o.strength : null }];
  };
  return Array.isArray(payload.verdicts) ? payload.verdicts.flatMap(one) : one(payload);
}
