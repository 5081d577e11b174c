/**
 * The connector contract. A connector discovers, revokes and verifies the trust artifacts of one
 * provider instance. It never retries, sleeps, stores or schedules: the engine owns all of that.
 * Failures are thrown as `SeverError`s whose `retryable` / `retryAfterMs` tell the engine what to do.
 *
 * Every connector lives in `src/connectors/<kind>/` with the same files:
 * `manifest.ts`, `client.ts` (the only file that talks to the provider), `discover.ts`,
 * `revoke.ts`, `verify.ts`, and `index.ts` exporting a {@link ConnectorModule}.
 * Every connector passes the shared conformance suite in `test/conformance/`.
 */
import type { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import type { ArtifactHandle, ArtifactKind, DiscoveredArtifact, SubjectType } from '../core/model.ts';
import type { ProofStrength } from '../core/proof.ts';

export type { ProofStrength };

/**
 * One independent verification path and how strong its proof is: `replay` (the artifact itself is
 * refused where it is used), `relist` (an independent admin read shows it gone) or `self-report`
 * (the provider's own statement about it, such as RFC 7662 introspection). The policy decides which
 * strength each artifact needs; a weaker path alone leaves it `unproven`.
 */
export interface VerifyPath {
  path: string;
  strength: ProofStrength;
}

/** What survives a revocation of this kind, and what compensates for it. */
export interface Residue {
  what: string;
  compensatingAction: string;
}

/** How one artifact kind is handled by a connector. */
export interface ArtifactCapability {
  kind: ArtifactKind;
  /** How discovery finds it (e.g. "GET /admin/realms/{realm}/users/{id}/sessions"). */
  discover: string;
  revoke: {
    /** The revocation path, e.g. "admin-api:DELETE /sessions/{id}" or "rfc7009". */
    method: string;
    /** False when the provider cannot revoke one artifact of this kind alone. */
    selective: boolean;
    /** What the plan does instead when not selective (e.g. "await expiry", "rotate signing key"). */
    fallback?: string;
  };
  /**
   * Present when the connector can rotate this kind before revoking it (rotate-then-revoke): issue a
   * new credential, hand it to the workloads that depend on the old one, and observe that they use it.
   */
  rotate?: {
    /** How the new credential is issued and delivered, e.g. "sql:CREATE ROLE … IN ROLE (alternating users)". */
    method: string;
    /** How adoption of the new credential is observed (never the rotate method). */
    adoption: string;
  };
  /** The independent verification paths with their strength, none equal to the revoke method. */
  verify: VerifyPath[];
  /** Provider permissions (scopes, roles) needed for discover, revoke and verify. */
  permissions: string[];
  residue: Residue[];
  /** How long after an acknowledged revoke the provider documents or is observed to be dead by. */
  expectedDeadByMs: number;
}

/** Static, checked-at-registration description of a connector kind. */
export interface ConnectorManifest {
  kind: string;
  /** Manifest format version. */
  version: 1;
  title: string;
  description: string;
  artifacts: ArtifactCapability[];
  /**
   * The subject types this connector can discover for. Absent: every type but `integration` (a
   * third-party client's artifacts across all users need a connector that walks them). For any
   * other type the engine does not ask it, and says so in the discovery result and the ledger.
   */
  subjectTypes?: SubjectType[];
  /** Default concurrency and rate budget toward one provider instance; config may lower them. */
  limits: {
    concurrency: number;
    rate?: { limit: number; windowMs: number };
  };
  /** Verification polling: interval between polls and the deadline after the revoke. */
  verifyPolicy: { pollIntervalMs: number; deadlineMs: number };
  /**
   * For kinds with `rotate`: how often adoption of the new credential is polled, and how long after
   * the rotate-then-revoke step starts the dependents have to move before the step fails.
   */
  adoptionPolicy?: { pollIntervalMs: number; deadlineMs: number };
  /**
   * How to point this kind at the provider's real service with the least privileges it needs:
   * rendered as "Pointing it at the real service" on its page. Documentation only: nothing reads it
   * at run time. A test parses every `example` with the kind's settings schema.
   */
  realService?: RealService;
}

/** How to run a connector kind against the provider itself rather than the lab (see `ConnectorManifest.realService`). */
export interface RealService {
  /** The provider's real base URL(s), each with the setting it goes into. */
  baseUrls: string[];
  /** How to create the credential Sever uses, step by step. */
  credential: string[];
  /** Every permission, role, scope or action Sever's credential needs, with what Sever does with it. */
  leastPrivilege: Array<{
    permission: string;
    usedFor: string;
    /**
     * Present when the artifacts' own `permissions` do not name this one, saying why (a test holds
     * every other entry to appear in them, so the two lists cannot drift apart silently).
     */
    notListedPerKind?: string;
  }>;
  /** A provider policy document to apply as is (e.g. an AWS IAM policy), with its code-fence language. */
  policy?: { language: string; text: string };
  /** A `sever.yaml` excerpt: `connectors:` with instances of this kind only (a test parses their settings). */
  example: string;
  /** What differs from the lab, what Sever does not do for you, and what is not verified. */
  notes?: string[];
}

/** Services a connector may use. No storage, no timers. */
export interface ConnectorDeps {
  clock: Clock;
  /** Resolves a credential reference (`env:NAME` / `file:/path`) to its value. Never log the value. */
  resolveSecret(ref: string): Promise<string>;
  fetch: typeof globalThis.fetch;
}

/** The subject as seen by one connector: its id in that provider. */
export interface SubjectRef {
  id: string;
  handle: string;
  /**
   * What kind of subject it is. For `integration` (a third-party OAuth client or app) `id` names
   * the client or app, and discovery finds its grants, tokens and installations across every user
   * of the provider, each artifact naming the user it acts for (`attributes.actsFor`). A connector
   * that cannot discover for a subject type answers no artifacts and says so in its manifest.
   */
  type?: SubjectType;
}

export type RevokeStatus =
  /** The provider acknowledged the revocation (not evidence of death). */
  | 'revoked'
  /** The provider says it was already gone: idempotent success. */
  | 'already_revoked'
  /** The provider queued it (async acknowledgement). */
  | 'accepted';

export interface RevokeOutcome {
  status: RevokeStatus;
  /** The path used, equal to the manifest's revoke.method for this kind. */
  method: string;
  /** Secret-free summary of what was sent and received, hashed into the ledger. */
  request: Record<string, unknown>;
  response: { status?: number; body?: unknown };
}

export type Verdict =
  /** An independent path proved it no longer works. */
  | 'dead'
  /** It still works (or the provider still lists it as active). */
  | 'live'
  /** It could not be revoked, and it is now past its expiry, proved by an independent path. */
  | 'expired';

export interface VerifyCheck {
  /** The path, e.g. "rfc7662-introspection", "refresh-replay", "userinfo", "admin-relist". */
  path: string;
  result: 'dead' | 'live' | 'expired';
  /** Secret-free observation (HTTP status, `active` flag, error code). Hashed into the ledger. */
  observed: Record<string, unknown>;
}

export interface VerifyObservation {
  verdict: Verdict;
  checks: VerifyCheck[];
  /**
   * Declared paths that could not run for this artifact, and what would make them runnable (e.g.
   * "the owning client is unknown: add `--attribute clientId=<client>`"). The closure gate shows
   * them when the paths that did run are too weak for the policy.
   */
  unavailable?: Array<{ path: string; why: string }>;
}

/** What a rotation issued and where it delivered it: secret-free. */
export interface RotateOutcome {
  /** `rotated`: a new credential was issued now; `already_rotated`: an earlier call issued it. */
  status: 'rotated' | 'already_rotated';
  /** Equal to the manifest's rotate.method for this kind. */
  method: string;
  request: Record<string, unknown>;
  response: { body?: unknown };
}

/** Whether the dependents use the rotated credential yet, observed through the adoption path. */
export interface AdoptionObservation {
  adopted: boolean;
  checks: Array<{
    /** The adoption path, e.g. "sql:pg_stat_activity of the new login role". */
    path: string;
    adopted: boolean;
    /** Secret-free observation, hashed into the ledger. */
    observed: Record<string, unknown>;
  }>;
}

/** A configured connector instance (`kind:instance`). */
export interface Connector {
  readonly name: string;
  readonly manifest: ConnectorManifest;
  /** Lists every live artifact of the subject. Repeatable: same provider state, same result. */
  discover(subject: SubjectRef): Promise<DiscoveredArtifact[]>;
  /** Revokes one artifact. Idempotent: a second call answers `already_revoked`, never an error. */
  revoke(artifact: ArtifactHandle): Promise<RevokeOutcome>;
  /** Observes the artifact through a path other than the revoke path. Never mutates the provider. */
  verify(artifact: ArtifactHandle): Promise<VerifyObservation>;
  /**
   * Issues a new credential for the artifact and delivers it to its dependents, leaving the old one
   * working. Idempotent: a second call finds the credential it issued and answers `already_rotated`.
   * Required when the manifest gives a kind `rotate`.
   */
  rotate?(artifact: ArtifactHandle): Promise<RotateOutcome>;
  /** Observes whether the dependents use the rotated credential. Never mutates the provider. */
  adoption?(artifact: ArtifactHandle): Promise<AdoptionObservation>;
}

/** What each connector folder's index.ts exports. */
export interface ConnectorModule<S extends z.ZodType = z.ZodType> {
  manifest: ConnectorManifest;
  /** Schema of the instance's `settings` block in sever.yaml. */
  settingsSchema: S;
  create(name: string, settings: z.infer<S>, deps: ConnectorDeps): Connector;
}
