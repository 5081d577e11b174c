/**
 * The one schema, for both drivers (PGlite and PostgreSQL). Migrations are generated from it with
 * drizzle-kit into `drizzle/`. Times are epoch milliseconds (bigint) from the injected clock.
 */
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

export const incidents = pgTable('incidents', {
  id: text('id').primaryKey(),
  recordVersion: integer('record_version').notNull().default(1),
  state: text('state').notNull(),
  subjectType: text('subject_type').notNull(),
  handle: text('handle').notNull(),
  subject: jsonb('subject').notNull(),
  reason: text('reason').notNull().default(''),
  openedBy: text('opened_by').notNull(),
  openedAt: bigint('opened_at', { mode: 'number' }).notNull(),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
  closedAt: bigint('closed_at', { mode: 'number' }),
  containedAt: bigint('contained_at', { mode: 'number' }),
  /** When the compromise began, if known: policy rules may treat what was issued after it differently. */
  compromisedAt: bigint('compromised_at', { mode: 'number' }),
  executors: jsonb('executors').$type<string[]>().notNull().default([]),
  plan: jsonb('plan'),
  ledgerSeq: integer('ledger_seq').notNull().default(0),
  ledgerHead: text('ledger_head'),
});

export const artifacts = pgTable(
  'artifacts',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id').notNull().references(() => incidents.id),
    recordVersion: integer('record_version').notNull().default(1),
    connector: text('connector').notNull(),
    kind: text('kind').notNull(),
    externalId: text('external_id').notNull(),
    label: text('label').notNull(),
    status: text('status').notNull(),
    tier: text('tier'),
    action: text('action'),
    revocable: boolean('revocable').notNull().default(true),
    source: text('source').notNull().default('discovered'),
    subjectId: text('subject_id'),
    issuedAt: bigint('issued_at', { mode: 'number' }),
    expiresAt: bigint('expires_at', { mode: 'number' }),
    dependsOn: jsonb('depends_on').$type<string[]>().notNull().default([]),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
    secretEnc: text('secret_enc'),
    secretHash: text('secret_hash'),
    verdictAt: bigint('verdict_at', { mode: 'number' }),
    /** The proof behind the last verdict: strength achieved and required, the paths, what would prove it. */
    proof: jsonb('proof').$type<Record<string, unknown>>(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
  },
  (t) => [
    uniqueIndex('artifacts_identity_idx').on(t.incidentId, t.connector, t.kind, t.externalId),
    index('artifacts_incident_status_idx').on(t.incidentId, t.status),
  ],
);

export const steps = pgTable(
  'steps',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id').notNull().references(() => incidents.id),
    artifactId: text('artifact_id').notNull().references(() => artifacts.id),
    type: text('type').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    state: text('state').notNull(),
    attempts: integer('attempts').notNull().default(0),
    actor: text('actor').notNull(),
    result: jsonb('result'),
    deadlineAt: bigint('deadline_at', { mode: 'number' }),
    /** Set (for a whole batch) right before the provider is called: a later `already_revoked` after a crash was this step's own call. */
    calledAt: bigint('called_at', { mode: 'number' }),
    /** The provider's acknowledgement (rotation or revocation), recorded per step as soon as it arrives. */
    ack: jsonb('ack').$type<Record<string, unknown>>(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('steps_idempotency_idx').on(t.idempotencyKey), index('steps_incident_state_idx').on(t.incidentId, t.state)],
);

export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    incidentId: text('incident_id').notNull(),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    hash: text('hash').notNull(),
    entry: jsonb('entry').notNull(),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.seq] })],
);

export const signoffs = pgTable(
  'signoffs',
  {
    incidentId: text('incident_id').notNull().references(() => incidents.id),
    role: text('role').notNull(),
    person: text('person').notNull(),
    at: bigint('at', { mode: 'number' }).notNull(),
    record: jsonb('record').notNull(),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.role, t.person] })],
);

export const exceptions = pgTable(
  'exceptions',
  {
    incidentId: text('incident_id').notNull().references(() => incidents.id),
    artifactId: text('artifact_id').notNull().references(() => artifacts.id),
    record: jsonb('record').notNull(),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.artifactId] })],
);

/** Fixed-window rate budget per provider instance, shared by every worker on this database. */
export const rateWindows = pgTable(
  'rate_windows',
  {
    key: text('key').notNull(),
    windowStart: bigint('window_start', { mode: 'number' }).notNull(),
    n: integer('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

export const meta = pgTable('meta', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
});

/**
 * Until when a provider asked not to be called (a 429 with Retry-After, or a rate-limit header at
 * zero), shared by every worker on this database: one worker's 429 stops the others too.
 */
export const ratePauses = pgTable('rate_pauses', {
  key: text('key').primaryKey(),
  until: bigint('until', { mode: 'number' }).notNull(),
});

export const schema = { incidents, artifacts, steps, ledgerEntries, signoffs, exceptions, rateWindows, ratePauses, meta };
