/**
 * Versioned records. Everything Sever persists is an envelope `{ kind, version, …data }`,
 * validated when it is made (on write) and when it is parsed (on read). A reader that meets a
 * version it does not know refuses it rather than guessing.
 */
import { z } from 'zod';
import { SeverError } from './errors.ts';
import { ARTIFACT_KINDS, ARTIFACT_STATUSES, PLAN_ACTIONS, TIERS } from './model.ts';
import { PROOF_STRENGTHS } from './proof.ts';
import type { Plan } from './plan.ts';
import { describeIssues, problemsToText } from './zod-issues.ts';

/** A record: its kind and version, then its data. */
export type Envelope<K extends string, V extends number, T> = { kind: K; version: V } & T;

/** One kind of versioned record, as returned by {@link defineRecord}. */
export interface RecordDefinition<K extends string, V extends number, S extends z.ZodObject> {
  readonly kind: K;
  readonly version: V;
  /** The schema of the data (without `kind` and `version`). */
  readonly schema: S;
  /**
   * Validates a stored value as this record.
   * @throws SeverError `ERR_RECORD_INVALID` naming kind, version and the path of each bad field.
   */
  parse(input: unknown): Envelope<K, V, z.output<S>>;
  /**
   * Wraps data in the envelope and validates it (validate on write).
   * @throws SeverError `ERR_RECORD_INVALID`, as {@link RecordDefinition.parse}.
   */
  make(data: z.input<S>): Envelope<K, V, z.output<S>>;
}

/**
 * Defines a versioned record kind.
 *
 * @param kind The record kind, e.g. `sever.plan`; stored in every envelope.
 * @param version The record version this code writes and reads.
 * @param schema A zod object schema of the data; it must not define `kind` or `version`.
 * @returns `{ kind, version, schema, parse, make }`.
 */
export function defineRecord<K extends string, V extends number, S extends z.ZodObject>(
  kind: K,
  version: V,
  schema: S,
): RecordDefinition<K, V, S> {
  const label = `${kind} v${version}`;
  const envelope = schema.extend({ kind: z.literal(kind), version: z.literal(version) });

  const parse = (input: unknown): Envelope<K, V, z.output<S>> => {
    if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
      const head = input as { kind?: unknown; version?: unknown };
      if (head.kind !== kind) {
        throw invalid(label, `expected a ${kind} record, got kind ${JSON.stringify(head.kind ?? null)}`, [{ path: 'kind', message: `expected "${kind}"` }]);
      }
      if (head.version !== version) {
        throw invalid(label, `unsupported version ${JSON.stringify(head.version ?? null)} (this build reads version ${version})`, [
          { path: 'version', message: `expected ${version}` },
        ]);
      }
    }
    const result = envelope.safeParse(input);
    if (!result.success) {
      const problems = describeIssues(result.error.issues, input);
      throw invalid(label, problemsToText(problems), problems);
    }
    return result.data as Envelope<K, V, z.output<S>>;
  };

  return {
    kind,
    version,
    schema,
    parse,
    make: (data) => parse({ ...(data as object), kind, version }),
  };
}

function invalid(label: string, what: string, problems: { path: string; message: string }[]): SeverError {
  return new SeverError('ERR_RECORD_INVALID', `Invalid ${label} record: ${what}`, { details: { record: label, problems } });
}

const nonEmpty = z.string().trim().min(1);
const isoTime = z.iso.datetime({ offset: true });
const role = z.union([z.enum(['identity-engineering', 'ir-lead']), z.string().regex(/^app-owner:[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected app-owner:<application>')]);

/**
 * What the person signed (v3): the exact statement text, the armored SSH signature and the
 * fingerprint of the registered key that made it. Checked again at the gate and offline.
 */
const attestation = z.strictObject({
  statement: z.string().min(1),
  signature: z.string().min(1),
  keyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'expected an OpenSSH SHA256 fingerprint'),
});

/** The ledger head an attestation saw: it attests to the incident as of that entry. */
const ledgerHead = z.strictObject({ seq: z.number().int().nonnegative(), hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hex digest') });

/**
 * A sign-off: `person` signs for `role` on `incidentId` at `at`, having seen the ledger up to
 * `ledgerHead` (v2), signed by the person with a registered key (v3). A later change to the inventory or to an artifact status, or a reopen, makes it stale.
 */
export const SignoffRecord = defineRecord(
  'sever.signoff',
  3,
  z.strictObject({ incidentId: nonEmpty, role, person: nonEmpty, at: isoTime, note: z.string().optional(), ledgerHead, attestation }),
);

/**
 * An exception: the IR lead accepts an artifact that is not proved dead, until `expiresAt` (v3: signed by the IR lead;
 * bound to the ledger head seen and the artifact's status then; a change of either makes it stale).
 */
export const ExceptionRecord = defineRecord(
  'sever.exception',
  3,
  z.strictObject({
    incidentId: nonEmpty, artifactId: nonEmpty, grantedBy: nonEmpty, reason: nonEmpty, grantedAt: isoTime, expiresAt: isoTime,
    ledgerHead, artifactStatus: z.enum(ARTIFACT_STATUSES), attestation,
  }),
);

const planItem = z.strictObject({
  artifactId: nonEmpty,
  connector: nonEmpty,
  kind: z.enum(ARTIFACT_KINDS),
  tier: z.enum(TIERS),
  action: z.enum(PLAN_ACTIONS),
  ruleId: nonEmpty,
  reason: nonEmpty,
  dependsOn: z.array(z.string()),
  dependents: z.array(z.string()),
  residualUntil: z.string().optional(),
  proof: z.strictObject({ requires: z.enum(PROOF_STRENGTHS), ruleId: nonEmpty }),
});
const counts = <T extends readonly [string, ...string[]]>(keys: T) =>
  z.strictObject(Object.fromEntries(keys.map((k) => [k, z.number().int().nonnegative()])) as { [P in T[number]]: z.ZodNumber });

/** The containment plan, as built by `buildPlan` (v2: each item names the proof it needs). */
export const PlanRecord = defineRecord(
  'sever.plan',
  2,
  z.strictObject({
    incidentId: nonEmpty,
    createdAt: isoTime,
    items: z.array(planItem),
    residualExposure: z.array(z.strictObject({ artifactId: nonEmpty, until: nonEmpty })),
    summary: z.strictObject({ total: z.number().int().nonnegative(), byTier: counts(TIERS), byAction: counts(PLAN_ACTIONS) }),
  }),
);

export type SignoffRecordData = ReturnType<typeof SignoffRecord.parse>;
export type ExceptionRecordData = ReturnType<typeof ExceptionRecord.parse>;

// Compile-time check that the plan schema and the `Plan` interface agree, both ways.
const _planFromRecord = (p: ReturnType<typeof PlanRecord.parse>): Plan => p;
const _recordFromPlan = (p: Plan): z.input<typeof PlanRecord.schema> => p;
void _planFromRecord;
void _recordFromPlan;
