/**
 * The public face of the pure core. Every name is exported explicitly: what is not listed here is
 * internal to `src/core` and may change without notice.
 */
export { ERROR_CATALOGUE, SeverError, isSeverError, toSeverError, type ErrorCode, type SeverErrorOptions } from './errors.ts';
export { frozenClock, iso, randomIds, sequentialIds, systemClock, type Clock, type IdSource } from './clock.ts';
export {
  ARTIFACT_KINDS,
  ARTIFACT_STATUSES,
  PLAN_ACTIONS,
  SUBJECT_TYPES,
  TERMINAL_PROOF,
  TIERS,
  type ArtifactHandle,
  type ArtifactKind,
  type ArtifactStatus,
  type AttributeValue,
  type DiscoveredArtifact,
  type IdentityLink,
  type PlanAction,
  type Subject,
  type SubjectType,
  type Tier,
} from './model.ts';

export { STATES, TRANSITIONS, allowedNext, canTransition, isIncidentState, transition, type IncidentState } from './incident-state.ts';

export { parsePolicy, policySchema, type Policy, type PolicyMatch, type PolicyRule, type ProofPolicy, type ProofRule } from './policy.ts';
export { DEFAULT_RULE_ID, classify, matches, requiredProof, type Classification, type ClassifyInput, type ProofRequirement } from './classify.ts';
export { DEFAULT_POLICY, DEFAULT_PROOF } from './default-policy.ts';
export {
  PROOF_STRENGTHS, atLeast, gradeProof, whatWouldProve,
  type GradedCheck, type Inconsistency, type ProofGrade, type ProofStrength, type UnavailablePath,
} from './proof.ts';
export { matchGlob } from './glob.ts';

export {
  FIXED_ROLES,
  connectorInScope,
  holdsRole,
  isKnownRole,
  knownPeople,
  parseRunbook,
  requiredSignoffs,
  runbookSchema,
  type FixedRole,
  type RoleId,
  type Runbook,
  type RunbookApplication,
} from './runbook.ts';

export { SYSTEM_ACTOR, requireActor, type IncidentAction } from './actor.ts';

export { RESIDUAL_UNKNOWN, buildPlan, type BuildPlanInput, type Plan, type PlanArtifact, type PlanItem } from './plan.ts';

export {
  evaluateClosure,
  type ClosureInput,
  type ClosureVerdict,
  type GateArtifact,
  type GateSignoff,
  type MissingItem,
} from './gate.ts';
export { CLOSURE_CATALOGUE, CLOSURE_CODES, type ClosureCode } from './closure-codes.ts';
export { exceptionProblems, validateException, type ExceptionGrant, type ExceptionProblem } from './exception.ts';
export { roleHolders, validateSignoff } from './signoff.ts';

export {
  ExceptionRecord,
  PlanRecord,
  SignoffRecord,
  defineRecord,
  type Envelope,
  type ExceptionRecordData,
  type RecordDefinition,
  type SignoffRecordData,
} from './records.ts';

export { parseDocument, uniqueField } from './parse-document.ts';
export { describeIssues, formatPath, problemsToText, type FieldProblem } from './zod-issues.ts';
