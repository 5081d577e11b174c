/**
 * The pure domain vocabulary: subjects, artifacts, tiers, statuses. No I/O here.
 */

/** `integration`: a third-party OAuth client or app whose grants, tokens and installations span many users. */
export const SUBJECT_TYPES = ['human', 'service-account', 'workload', 'ai-agent', 'integration'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

export const ARTIFACT_KINDS = [
  'idp-session',
  'app-session',
  'refresh-token',
  'offline-token',
  'access-token',
  'oauth-grant',
  'api-key',
  'ssh-certificate',
  'device-registration',
  'trusted-browser',
  'service-account-binding',
  'delegated-tool-grant',
  'signing-key',
  // A directory account's password (LDAP, Kerberos, a cloud console login): the credential others bind with.
  'directory-account',
  // An enrolled second factor or authenticator (Okta factor, Entra authentication method, AWS MFA device).
  'mfa-factor',
  // A public key registered to authenticate (IAM SSH key, GitHub SSH or deploy key); Sever never holds the private half.
  'ssh-public-key',
  // An app-specific password or one-time backup codes.
  'app-password',
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** Revocation priority, decided by policy. */
export const TIERS = ['immediate', 'scheduled-rotation', 'post-incident-validation'] as const;
export type Tier = (typeof TIERS)[number];

/**
 * A subject: the identity under investigation. `identifiers` maps a connector instance name
 * (`kind:instance`) to the subject's id in that provider; discovery follows identity links and
 * adds to it.
 */
export interface Subject {
  type: SubjectType;
  /** A stable human-readable handle, e.g. "alice@example.com" or "svc-billing". */
  handle: string;
  identifiers: Record<string, string>;
}

/** A pointer from one provider's record to the same identity in another provider. */
export interface IdentityLink {
  connector: string;
  identifier: string;
  /** What the link matched on: `email`, `upn`, `login`, `saml-nameid`, or another attribute name. */
  via?: string;
}

/**
 * Explicit identity links from sever.yaml (`identities:`): for a subject handle, its identifier in
 * each connector, for when matching by email, UPN, login or SAML NameID is ambiguous. They win over
 * links that discovery finds, and a disagreement is recorded.
 */
export interface IdentityMapping {
  /** The subject handle (as given to `incident open --subject`), or one of its aliases. */
  subject: string;
  aliases?: string[];
  links: Record<string, string>;
}

export type AttributeValue = string | number | boolean | null;

/**
 * What a connector returns for each live trust artifact it finds. `secret` is the artifact's value
 * (a token) when the provider exposes it and a later revoke or verify needs it; Sever holds it
 * encrypted at rest only while needed and records only its hash as evidence.
 */
export interface DiscoveredArtifact {
  kind: ArtifactKind;
  /** The provider's own id for the artifact (session id, grant id, token id); unique per connector+kind. */
  externalId: string;
  /** Secret-free, human-readable description. */
  label: string;
  issuedAt?: string;
  expiresAt?: string;
  /** externalIds (same connector) of artifacts this one depends on, e.g. a token's grant. */
  dependsOn?: string[];
  attributes?: Record<string, AttributeValue>;
  /** False when the provider cannot revoke this artifact selectively (e.g. a JWT access token). */
  revocable?: boolean;
  secret?: string;
  links?: IdentityLink[];
}

/** What the engine hands to a connector's revoke and verify: the artifact, with its secret if held. */
export interface ArtifactHandle {
  kind: ArtifactKind;
  externalId: string;
  label: string;
  issuedAt?: string;
  expiresAt?: string;
  attributes: Record<string, AttributeValue>;
  revocable: boolean;
  secret?: string;
  /** The subject identifier in this connector's provider. */
  subjectId?: string;
}

/** Per-artifact lifecycle within an incident. */
export const ARTIFACT_STATUSES = [
  'discovered', // found, not yet planned
  'planned', // tier and action decided
  'revoking', // a revoke intent is recorded; the call may or may not have happened
  'rotating', // rotate-then-revoke: a new credential is issued, its dependents have not moved to it yet
  'revoked', // provider acknowledged (NOT evidence)
  'verified-dead', // an independent path proved it dead
  'verified-expired', // it could not be revoked, and an independent path proved it expired
  'residual', // cannot be revoked selectively; live until it expires (residual exposure)
  'still-live', // verification deadline passed and it still works
  'unproven', // every path that ran says dead, but none as strong as the policy requires (the gate says what would prove it)
  'failed', // revoke failed permanently
] as const;
export type ArtifactStatus = (typeof ARTIFACT_STATUSES)[number];

export const TERMINAL_PROOF: readonly ArtifactStatus[] = ['verified-dead', 'verified-expired'];

/** Action a plan assigns to an artifact. */
export const PLAN_ACTIONS = ['revoke', 'await-expiry', 'validate', 'rotate-then-revoke'] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];
