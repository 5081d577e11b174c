/**
 * Builds the containment plan of an incident: every artifact classified by the policy, ordered so
 * the most urgent tier comes first and, within a tier, parents (a grant) come before the artifacts
 * that depend on them (its tokens). The plan is a versioned record (`sever.plan` v2) and states its
 * residual exposure: artifacts that stay usable until they expire.
 */
import { classify, requiredProof } from './classify.ts';
import { iso } from './clock.ts';
import { SeverError } from './errors.ts';
import { PLAN_ACTIONS, TIERS } from './model.ts';
import type { ArtifactKind, AttributeValue, PlanAction, SubjectType, Tier } from './model.ts';
import type { Policy } from './policy.ts';
import type { ProofStrength } from './proof.ts';
import { PlanRecord } from './records.ts';

/** An artifact as the planner sees it. */
export interface PlanArtifact {
  /** Sever's artifact id (unique in the incident). */
  id: string;
  connector: string;
  kind: ArtifactKind;
  externalId: string;
  revocable: boolean;
  /** True when its connector can rotate it before revoking it (see `rotate-then-revoke`). */
  rotatable?: boolean;
  /** Artifact ids (in this incident) this artifact depends on, e.g. a token's grant. */
  dependsOn: string[];
  /** ISO 8601. */
  expiresAt?: string;
  /** ISO 8601: when it was issued or enrolled. */
  issuedAt?: string;
  attributes: Record<string, AttributeValue>;
}

export interface BuildPlanInput {
  incidentId: string;
  subjectType: SubjectType;
  /** ISO 8601: when the compromise began, if known (policy `issued` matches compare to it). */
  compromisedAt?: string;
  artifacts: PlanArtifact[];
  policy: Policy;
  /** Milliseconds since the epoch; becomes `createdAt`. */
  now: number;
}

/** Sentinel for `residualUntil` when an artifact cannot be revoked and its expiry is not known. */
export const RESIDUAL_UNKNOWN = 'unknown';

export interface PlanItem {
  artifactId: string;
  connector: string;
  kind: ArtifactKind;
  tier: Tier;
  action: PlanAction;
  ruleId: string;
  reason: string;
  /** Artifact ids this one depends on. */
  dependsOn: string[];
  /** Artifact ids that depend on this one. */
  dependents: string[];
  /** For `await-expiry`: the ISO time the exposure ends, or `unknown`. */
  residualUntil?: string;
  /** The proof it needs before it counts as verified dead, and the proof rule that decided it. */
  proof: { requires: ProofStrength; ruleId: string };
}

export interface Plan {
  kind: 'sever.plan';
  version: 2;
  incidentId: string;
  /** ISO 8601. */
  createdAt: string;
  items: PlanItem[];
  /** Every `await-expiry` item, in plan order: live until `until` (ISO, or `unknown`). */
  residualExposure: { artifactId: string; until: string }[];
  summary: { total: number; byTier: Record<Tier, number>; byAction: Record<PlanAction, number> };
}

/**
 * Classifies and orders every artifact of an incident.
 *
 * Order: `immediate`, then `scheduled-rotation`, then `post-incident-validation`; within a tier, an
 * artifact comes after the artifacts of the same tier it depends on, and otherwise keeps its input
 * order. A dependency cycle (which a provider should never report) does not block the plan: the
 * earliest artifact in input order breaks it.
 *
 * @param input The incident, its subject type, its artifacts, the policy and the current time.
 * @returns A validated `sever.plan` v2 record.
 * @throws SeverError `ERR_INPUT_INVALID` when two artifacts share an id or an artifact depends on
 *   an id that is not in the list.
 */
export function buildPlan(input: BuildPlanInput): Plan {
  const { artifacts, policy, subjectType } = input;
  const when = input.compromisedAt === undefined ? {} : { compromisedAt: input.compromisedAt };
  checkArtifacts(artifacts);

  const parentsOf = new Map(artifacts.map((a) => [a.id, [...new Set(a.dependsOn)]]));
  const dependents = new Map<string, string[]>(artifacts.map((a) => [a.id, []]));
  for (const a of artifacts) for (const parent of parentsOf.get(a.id) ?? []) dependents.get(parent)?.push(a.id);

  const items = artifacts.map((a): PlanItem => {
    const c = classify(policy, { artifact: a, subjectType, ...when });
    const proof = requiredProof(policy, { artifact: a, subjectType, ...when });
    const item: PlanItem = {
      artifactId: a.id,
      connector: a.connector,
      kind: a.kind,
      tier: c.tier,
      action: c.action,
      ruleId: c.ruleId,
      reason: c.reason,
      dependsOn: parentsOf.get(a.id) ?? [],
      dependents: dependents.get(a.id) ?? [],
      proof: { requires: proof.requires, ruleId: proof.ruleId },
    };
    if (c.action !== 'await-expiry') return item;
    if (a.expiresAt !== undefined) return { ...item, residualUntil: a.expiresAt };
    return {
      ...item,
      residualUntil: RESIDUAL_UNKNOWN,
      reason: `${item.reason} Its expiry is unknown, so the exposure is unbounded: closing needs an exception from the IR lead.`,
    };
  });

  const ordered = TIERS.flatMap((tier) => orderWithinTier(items.filter((i) => i.tier === tier)));
  return PlanRecord.make({
    incidentId: input.incidentId,
    createdAt: iso(input.now),
    items: ordered,
    residualExposure: ordered
      .filter((i) => i.residualUntil !== undefined)
      .map((i) => ({ artifactId: i.artifactId, until: i.residualUntil ?? RESIDUAL_UNKNOWN })),
    summary: summarize(ordered),
  });
}

function checkArtifacts(artifacts: readonly PlanArtifact[]): void {
  const byId = new Map<string, PlanArtifact>();
  for (const a of artifacts) {
    if (byId.has(a.id)) throw new SeverError('ERR_INPUT_INVALID', `Artifact id "${a.id}" appears twice in the plan input.`, { details: { artifactId: a.id } });
    byId.set(a.id, a);
  }
  for (const a of artifacts) {
    const unknown = a.dependsOn.filter((d) => !byId.has(d));
    if (unknown.length > 0) {
      throw new SeverError('ERR_INPUT_INVALID', `Artifact "${a.id}" depends on ${unknown.map((u) => `"${u}"`).join(', ')}, which is not in the incident.`, {
        details: { artifactId: a.id, unknown },
      });
    }
  }
}

/**
 * Parents before dependents, input order otherwise: Kahn's algorithm, always taking the earliest
 * ready item. On a cycle nothing is ready, so the earliest remaining item breaks it.
 */
function orderWithinTier(items: readonly PlanItem[]): PlanItem[] {
  const index = new Map(items.map((item, i) => [item.artifactId, i]));
  const blockers = items.map((item) => new Set(item.dependsOn.filter((d) => index.has(d) && d !== item.artifactId)).size);
  const children = items.map((item) => item.dependents.flatMap((d) => (index.has(d) && d !== item.artifactId ? [index.get(d) as number] : [])));
  const ready: number[] = [];
  blockers.forEach((n, i) => n === 0 && ready.push(i));
  const done = new Array<boolean>(items.length).fill(false);
  const out: PlanItem[] = [];
  let scan = 0;
  while (out.length < items.length) {
    let i = ready.shift();
    if (i === undefined) {
      while (done[scan]) scan += 1;
      i = scan;
    }
    if (done[i]) continue;
    done[i] = true;
    out.push(items[i] as PlanItem);
    for (const c of children[i] ?? []) {
      blockers[c] = (blockers[c] ?? 0) - 1;
      if (blockers[c] === 0 && !done[c]) insertSorted(ready, c);
    }
  }
  return out;
}

function insertSorted(list: number[], value: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, value);
}

function summarize(items: readonly PlanItem[]): Plan['summary'] {
  const byTier = Object.fromEntries(TIERS.map((t) => [t, 0])) as Record<Tier, number>;
  const byAction = Object.fromEntries(PLAN_ACTIONS.map((a) => [a, 0])) as Record<PlanAction, number>;
  for (const i of items) {
    byTier[i.tier] += 1;
    byAction[i.action] += 1;
  }
  return { total: items.length, byTier, byAction };
}
