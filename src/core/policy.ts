/**
 * Revocation policy as code: which tier and action each artifact gets. A policy is an ordered list
 * of rules; the first rule whose `match` fits the artifact wins, and `default` applies when none
 * does. See `docs/policy.md` for the format and the reasoning behind {@link DEFAULT_POLICY}.
 *
 * This file is the face of the feature: applying a policy (`classify`, in `classify.ts`) and the
 * built-in policy (`default-policy.ts`) live in their own files and are re-exported here.
 */
import { z } from 'zod';
import { ARTIFACT_KINDS, PLAN_ACTIONS, SUBJECT_TYPES, TIERS } from './model.ts';
import type { ArtifactKind, PlanAction, SubjectType, Tier } from './model.ts';
import { DEFAULT_RULE_ID } from './classify.ts';
import { PROOF_STRENGTHS, type ProofStrength } from './proof.ts';
import { parseDocument, uniqueField } from './parse-document.ts';

export { classify, matches, requiredProof, DEFAULT_RULE_ID, type Classification, type ClassifyInput, type ProofRequirement } from './classify.ts';
export { DEFAULT_POLICY, DEFAULT_PROOF } from './default-policy.ts';
import { DEFAULT_PROOF } from './default-policy.ts';

/** Which artifacts a rule applies to. Every field present must fit; an empty match fits anything. */
export interface PolicyMatch {
  kind?: ArtifactKind | ArtifactKind[];
  subjectType?: SubjectType | SubjectType[];
  /** Connector instance name or glob (`keycloak:*`), or a list of them. */
  connector?: string | string[];
  /** `false` fits artifacts the provider cannot revoke selectively. */
  revocable?: boolean;
  /** Every listed attribute must be present with exactly this value. */
  attributes?: Record<string, string | number | boolean>;
  /**
   * When it was issued relative to the incident's compromise time (`incident open --compromised-at`).
   * An artifact whose issue time, or an incident whose compromise time, is unknown counts as
   * `after-compromise`: what cannot be shown to predate the compromise is treated as the attacker's.
   */
  issued?: 'after-compromise' | 'before-compromise';
}

export interface PolicyRule {
  /** Unique within the policy; recorded on every plan item the rule decides. `default` is reserved. */
  id: string;
  match: PolicyMatch;
  tier: Tier;
  /** When absent: `revoke`, or `await-expiry` for an artifact that is not revocable. */
  action?: PlanAction;
  /** Why: copied onto the plan item, read by the people who sign off. */
  reason: string;
}

/** How strong the proof of one kind of artifact must be before it counts as verified dead. */
export interface ProofRule {
  /** Unique within `proof.rules`; recorded on the plan item. */
  id: string;
  match: PolicyMatch;
  requires: ProofStrength;
  reason: string;
}

export interface ProofPolicy {
  /** Ordered: the first rule whose match fits decides; `default` otherwise. */
  rules: ProofRule[];
  default: ProofStrength;
}

export interface Policy {
  version: 1;
  rules: PolicyRule[];
  /** Applies when no rule matches. A non-revocable artifact still gets `await-expiry`. */
  default: { tier: Tier; action: PlanAction; reason?: string };
  /** The proof each artifact needs (see `proof.ts`); when a policy omits it, the default policy's applies. */
  proof: ProofPolicy;
}

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]);
const nonEmpty = z.string().trim().min(1);

const matchSchema = z.strictObject({
  kind: oneOrMany(z.enum(ARTIFACT_KINDS)).optional(),
  subjectType: oneOrMany(z.enum(SUBJECT_TYPES)).optional(),
  connector: oneOrMany(nonEmpty).optional(),
  revocable: z.boolean().optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  issued: z.enum(['after-compromise', 'before-compromise']).optional(),
});

const ruleSchema = z.strictObject({
  id: nonEmpty.refine((id) => id !== DEFAULT_RULE_ID, { message: `"${DEFAULT_RULE_ID}" is reserved for the policy default` }),
  match: matchSchema,
  tier: z.enum(TIERS),
  action: z.enum(PLAN_ACTIONS).optional(),
  reason: nonEmpty,
});

const proofSchema = z
  .strictObject({
    rules: z.array(z.strictObject({ id: nonEmpty, match: matchSchema, requires: z.enum(PROOF_STRENGTHS), reason: nonEmpty })).default([]),
    default: z.enum(PROOF_STRENGTHS),
  })
  .superRefine(...uniqueField('rules', 'id', 'proof rule id'));

/** The zod schema of a {@link Policy}; unknown fields, kinds, tiers and actions are rejected. */
export const policySchema = z
  .strictObject({
    version: z.literal(1),
    rules: z.array(ruleSchema),
    default: z.strictObject({ tier: z.enum(TIERS), action: z.enum(PLAN_ACTIONS), reason: nonEmpty.optional() }),
    proof: proofSchema.default(() => structuredClone(DEFAULT_PROOF)),
  })
  .superRefine(...uniqueField('rules', 'id', 'rule id'));

// Compile-time check that the schema and the documented interface agree.
const _schemaMatchesInterface = (p: z.output<typeof policySchema>): Policy => p;
void _schemaMatchesInterface;

/**
 * Reads and validates a revocation policy.
 *
 * @param input The policy as YAML text, or as an already-parsed object.
 * @returns The validated {@link Policy}.
 * @throws SeverError `ERR_POLICY_INVALID` naming the path of each bad field, e.g.
 *   `rules[2].tier: expected one of immediate, scheduled-rotation, post-incident-validation (got "urgent")`.
 */
export function parsePolicy(input: unknown): Policy {
  return parseDocument(input, policySchema, 'ERR_POLICY_INVALID', 'policy');
}
