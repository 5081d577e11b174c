/**
 * Applies a revocation policy to one artifact: the first rule whose match fits decides the tier and
 * the action; the policy default applies when no rule fits. Re-exported by `policy.ts`.
 *
 * Imports only types from `policy.ts`, so the re-export creates no runtime import cycle.
 */
import { matchGlob } from './glob.ts';
import type { ArtifactKind, AttributeValue, PlanAction, SubjectType, Tier } from './model.ts';
import type { Policy, PolicyMatch } from './policy.ts';
import type { ProofStrength } from './proof.ts';

/** The rule id recorded when the policy's `default` decided; reserved, no rule may use it. */
export const DEFAULT_RULE_ID = 'default';

/** What classification needs to know about an artifact. */
export interface ClassifyInput {
  artifact: {
    kind: ArtifactKind;
    /** Connector instance name, `kind:instance`. */
    connector: string;
    /** `false` when the provider cannot revoke it selectively; absent means revocable. */
    revocable?: boolean;
    /** True when its connector can rotate it first (rotate-then-revoke); absent means it cannot. */
    rotatable?: boolean;
    /** ISO 8601: when the provider says it was issued or enrolled. */
    issuedAt?: string;
    attributes?: Record<string, AttributeValue>;
  };
  subjectType: SubjectType;
  /** ISO 8601: when the incident says the compromise began; absent when unknown. */
  compromisedAt?: string;
}

/** The decision for one artifact, recorded on its plan item. */
export interface Classification {
  tier: Tier;
  action: PlanAction;
  /** The id of the rule that decided, or `default`. */
  ruleId: string;
  reason: string;
}

/** The proof an artifact needs, and the proof rule that decided it (`default` when none fit). */
export interface ProofRequirement {
  requires: ProofStrength;
  ruleId: string;
  reason: string;
}

/**
 * The proof strength `policy` requires for one artifact: the first proof rule whose match fits,
 * else the proof default.
 *
 * @param policy A validated policy.
 * @param input The artifact and the type of its subject.
 */
export function requiredProof(policy: Policy, input: ClassifyInput): ProofRequirement {
  const rule = policy.proof.rules.find((r) => matches(r.match, input));
  if (rule) return { requires: rule.requires, ruleId: rule.id, reason: rule.reason };
  return { requires: policy.proof.default, ruleId: DEFAULT_RULE_ID, reason: 'No proof rule matched; the proof default applies.' };
}

/**
 * Classifies one artifact under `policy`.
 *
 * The action comes from the deciding rule when it names one. Otherwise it is `revoke`, or
 * `await-expiry` when the artifact is not revocable (`revocable === false`). A rule that says
 * `revoke` for an artifact that cannot be revoked is overridden to `await-expiry` and the reason
 * says so: a plan never promises a revocation the provider cannot perform. Likewise a
 * `rotate-then-revoke` for an artifact its connector cannot rotate becomes `revoke`, and says so.
 *
 * @param policy A validated policy (see `parsePolicy`).
 * @param input The artifact and the type of its subject.
 * @returns The tier, action, deciding rule id and reason.
 */
export function classify(policy: Policy, input: ClassifyInput): Classification {
  const revocable = input.artifact.revocable !== false;
  const rule = policy.rules.find((r) => matches(r.match, input));
  const decided = rule
    ? { tier: rule.tier, action: rule.action, ruleId: rule.id, reason: rule.reason }
    : {
        tier: policy.default.tier,
        action: policy.default.action,
        ruleId: DEFAULT_RULE_ID,
        reason: policy.default.reason ?? 'No policy rule matched; the policy default applies.',
      };

  if (revocable && decided.action === 'rotate-then-revoke' && input.artifact.rotatable !== true) {
    return { ...decided, action: 'revoke', reason: sentence(decided.reason, 'Its connector cannot rotate it (no rotation configured), so it is revoked at once: what depends on it stops working.') };
  }
  if (revocable) return { ...decided, action: decided.action ?? 'revoke' };
  // Not revocable: an explicit non-revoke action from a rule stands; anything else waits for expiry.
  if (rule && decided.action !== undefined && decided.action !== 'revoke' && decided.action !== 'rotate-then-revoke') return { ...decided, action: decided.action };
  const why =
    decided.action === 'revoke' || decided.action === 'rotate-then-revoke'
      ? 'The provider cannot revoke this artifact selectively, so it is awaited to expiry instead of revoked.'
      : 'The provider cannot revoke this artifact selectively; it is awaited to expiry.';
  return { ...decided, action: 'await-expiry', reason: sentence(decided.reason, why) };
}

/**
 * Whether a rule's match fits the artifact. All present fields must fit.
 *
 * @param match The rule's match block.
 * @param input The artifact and subject type.
 */
export function matches(match: PolicyMatch, input: ClassifyInput): boolean {
  const { artifact, subjectType } = input;
  if (match.kind !== undefined && !list(match.kind).includes(artifact.kind)) return false;
  if (match.subjectType !== undefined && !list(match.subjectType).includes(subjectType)) return false;
  if (match.connector !== undefined && !list(match.connector).some((g) => matchGlob(g, artifact.connector))) return false;
  if (match.revocable !== undefined && match.revocable !== (artifact.revocable !== false)) return false;
  if (match.issued !== undefined && match.issued !== issuedRelative(artifact.issuedAt, input.compromisedAt)) return false;
  if (match.attributes !== undefined) {
    const attrs = artifact.attributes ?? {};
    for (const [key, want] of Object.entries(match.attributes)) {
      if (!Object.hasOwn(attrs, key) || attrs[key] !== want) return false;
    }
  }
  return true;
}

/**
 * Whether an artifact was issued after the compromise began. Unknown on either side counts as
 * after: an artifact that cannot be shown to predate the compromise is treated as the attacker's.
 */
export function issuedRelative(issuedAt: string | undefined, compromisedAt: string | undefined): 'after-compromise' | 'before-compromise' {
  const issued = issuedAt === undefined ? Number.NaN : Date.parse(issuedAt);
  const since = compromisedAt === undefined ? Number.NaN : Date.parse(compromisedAt);
  return Number.isNaN(issued) || Number.isNaN(since) || issued >= since ? 'after-compromise' : 'before-compromise';
}

/** Joins two sentences, adding the full stop the first may lack. */
const sentence = (a: string, b: string): string => `${/[.!?]$/.test(a.trim()) ? a.trim() : `${a.trim()}.`} ${b}`;

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
