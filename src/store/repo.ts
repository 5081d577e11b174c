/**
 * Queries the engine uses, written once against drizzle's Postgres core so they run unchanged on
 * PGlite and PostgreSQL. Every function takes the database or a transaction.
 */
import { and, asc, desc, eq, getTableColumns, getTableName, inArray, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { SeverError } from '../core/errors.ts';
import { artifacts, exceptions, incidents, ledgerEntries, meta, rateWindows, ratePauses, signoffs, steps } from './schema.ts';
import type { DbOrTx } from './types.ts';

export type IncidentRow = typeof incidents.$inferSelect;
export type ArtifactRow = typeof artifacts.$inferSelect;
export type StepRow = typeof steps.$inferSelect;
export type NewArtifactRow = typeof artifacts.$inferInsert;
export type NewStepRow = typeof steps.$inferInsert;

export async function insertIncident(db: DbOrTx, row: typeof incidents.$inferInsert): Promise<void> {
  await db.insert(incidents).values(row);
}

/** The rows of a raw `db.execute`: PGlite's driver answers an array, node-postgres a result with `rows`. */
export const rowsOf = <T>(res: unknown): T[] => (Array.isArray(res) ? res : (res as { rows: T[] }).rows) as T[];

export async function getIncident(db: DbOrTx, id: string, forUpdate = false): Promise<IncidentRow> {
  const q = db.select().from(incidents).where(eq(incidents.id, id));
  const [row] = forUpdate ? await q.for('update') : await q;
  if (!row) throw new SeverError('ERR_INCIDENT_NOT_FOUND', `no incident ${id}`, { details: { incidentId: id } });
  return row;
}

/** Locks the incident's row for the transaction (its ledger chain's head), reading only its id. */
export async function lockIncident(db: DbOrTx, id: string): Promise<void> {
  const [row] = await db.select({ id: incidents.id }).from(incidents).where(eq(incidents.id, id)).for('update');
  if (!row) throw new SeverError('ERR_INCIDENT_NOT_FOUND', `no incident ${id}`, { details: { incidentId: id } });
}

export async function listIncidents(db: DbOrTx): Promise<IncidentRow[]> {
  return db.select().from(incidents).orderBy(desc(incidents.openedAt));
}

export async function updateIncident(db: DbOrTx, id: string, patch: Partial<typeof incidents.$inferInsert>): Promise<void> {
  await db.update(incidents).set(patch).where(eq(incidents.id, id));
}

/**
 * Inserts many rows with one JSON parameter (jsonb_to_recordset): several times cheaper than
 * thousands of bind parameters, on PGlite above all. Conflicting rows are skipped; returns the
 * ids inserted. Missing values take the column's default.
 */
async function bulkInsert<T extends PgTable>(db: DbOrTx, table: T, rows: Array<T['$inferInsert']>): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const cols = Object.entries(getTableColumns(table));
  const json = JSON.stringify(
    rows.map((r) => {
      const o: Record<string, unknown> = {};
      for (const [key, col] of cols) {
        const v = (r as Record<string, unknown>)[key];
        o[col.name] = v === undefined ? (col.hasDefault ? (col.default ?? null) : null) : v;
      }
      return o;
    }),
  );
  const names = sql.raw(cols.map(([, c]) => `"${c.name}"`).join(', '));
  const types = sql.raw(cols.map(([, c]) => `"${c.name}" ${c.getSQLType()}`).join(', '));
  const res = await db.execute<{ id: string }>(
    sql`insert into ${sql.raw(`"${getTableName(table)}"`)} (${names}) select ${names} from jsonb_to_recordset(${json}::jsonb) as v(${types}) on conflict do nothing returning id`,
  );
  const list = rowsOf<{ id: string }>(res);
  return new Set(list.map((r) => r.id));
}

/** Inserts artifacts not yet known (same incident, connector, kind, externalId); returns those inserted. */
export async function insertArtifacts(db: DbOrTx, rows: NewArtifactRow[]): Promise<NewArtifactRow[]> {
  const ids = await bulkInsert(db, artifacts, rows);
  return rows.filter((r) => ids.has(r.id));
}

export async function listArtifacts(db: DbOrTx, incidentId: string): Promise<ArtifactRow[]> {
  return db.select().from(artifacts).where(eq(artifacts.incidentId, incidentId)).orderBy(asc(artifacts.createdAt), asc(artifacts.id));
}

export async function getArtifact(db: DbOrTx, id: string): Promise<ArtifactRow> {
  const [row] = await db.select().from(artifacts).where(eq(artifacts.id, id));
  if (!row) throw new SeverError('ERR_ARTIFACT_NOT_FOUND', `no artifact ${id}`, { details: { artifactId: id } });
  return row;
}

export async function updateArtifact(db: DbOrTx, id: string, patch: Partial<NewArtifactRow>): Promise<void> {
  await db.update(artifacts).set(patch).where(eq(artifacts.id, id));
}

export async function updateArtifacts(db: DbOrTx, ids: string[], patch: Partial<NewArtifactRow>): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) await db.update(artifacts).set(patch).where(inArray(artifacts.id, ids.slice(i, i + 1000)));
}

/** Records step intents; an existing idempotency key is left as it is. Returns the steps inserted. */
export async function insertSteps(db: DbOrTx, rows: NewStepRow[]): Promise<NewStepRow[]> {
  const ids = await bulkInsert(db, steps, rows);
  return rows.filter((r) => ids.has(r.id));
}

export async function getStep(db: DbOrTx, id: string): Promise<StepRow | undefined> {
  const [row] = await db.select().from(steps).where(eq(steps.id, id));
  return row;
}

export async function getStepByKey(db: DbOrTx, key: string): Promise<StepRow | undefined> {
  const [row] = await db.select().from(steps).where(eq(steps.idempotencyKey, key));
  return row;
}

export async function updateStep(db: DbOrTx, id: string, patch: Partial<NewStepRow>): Promise<void> {
  await db.update(steps).set(patch).where(eq(steps.id, id));
}

export async function listSteps(db: DbOrTx, incidentId: string, state?: string): Promise<StepRow[]> {
  const where = state ? and(eq(steps.incidentId, incidentId), eq(steps.state, state)) : eq(steps.incidentId, incidentId);
  return db.select().from(steps).where(where).orderBy(asc(steps.createdAt));
}

export async function countOpenSteps(db: DbOrTx, incidentId: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(steps)
    .where(and(eq(steps.incidentId, incidentId), eq(steps.state, 'pending')));
  return r?.n ?? 0;
}

export async function insertLedgerEntry(db: DbOrTx, row: typeof ledgerEntries.$inferInsert): Promise<void> {
  await db.insert(ledgerEntries).values(row);
}

export async function listLedger(db: DbOrTx, incidentId: string): Promise<unknown[]> {
  const rows = await db.select({ entry: ledgerEntries.entry }).from(ledgerEntries).where(eq(ledgerEntries.incidentId, incidentId)).orderBy(asc(ledgerEntries.seq));
  return rows.map((r) => r.entry);
}

export async function lastLedgerEntry(db: DbOrTx, incidentId: string): Promise<unknown | undefined> {
  const [r] = await db.select({ entry: ledgerEntries.entry }).from(ledgerEntries).where(eq(ledgerEntries.incidentId, incidentId)).orderBy(desc(ledgerEntries.seq)).limit(1);
  return r?.entry;
}

export async function upsertSignoff(db: DbOrTx, row: typeof signoffs.$inferInsert): Promise<void> {
  await db.insert(signoffs).values(row).onConflictDoUpdate({ target: [signoffs.incidentId, signoffs.role, signoffs.person], set: { at: row.at, record: row.record } });
}

export async function listSignoffs(db: DbOrTx, incidentId: string): Promise<(typeof signoffs.$inferSelect)[]> {
  return db.select().from(signoffs).where(eq(signoffs.incidentId, incidentId)).orderBy(asc(signoffs.at));
}

export async function deleteSignoffs(db: DbOrTx, incidentId: string): Promise<void> {
  await db.delete(signoffs).where(eq(signoffs.incidentId, incidentId));
}

export async function upsertException(db: DbOrTx, row: typeof exceptions.$inferInsert): Promise<void> {
  await db.insert(exceptions).values(row).onConflictDoUpdate({ target: [exceptions.incidentId, exceptions.artifactId], set: { record: row.record } });
}

export async function listExceptions(db: DbOrTx, incidentId: string): Promise<(typeof exceptions.$inferSelect)[]> {
  return db.select().from(exceptions).where(eq(exceptions.incidentId, incidentId));
}

/**
 * Takes one unit of a fixed-window rate budget. Returns 0 when taken, otherwise the milliseconds
 * until the next window. One row per (key, window) shared by every worker on the database.
 */
export async function takeRateBudget(db: DbOrTx, key: string, limit: number, windowMs: number, now: number): Promise<number> {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const rows = await db
    .insert(rateWindows)
    .values({ key, windowStart, n: 1 })
    .onConflictDoUpdate({ target: [rateWindows.key, rateWindows.windowStart], set: { n: sql`${rateWindows.n} + 1` }, setWhere: sql`${rateWindows.n} < ${limit}` })
    .returning({ n: rateWindows.n });
  return rows.length === 1 ? 0 : windowStart + windowMs - now;
}

export async function getMeta<T>(db: DbOrTx, key: string): Promise<T | undefined> {
  const [r] = await db.select().from(meta).where(eq(meta.key, key));
  return r?.value as T | undefined;
}

export async function setMeta(db: DbOrTx, key: string, value: unknown): Promise<void> {
  await db.insert(meta).values({ key, value }).onConflictDoUpdate({ target: meta.key, set: { value } });
}

/** Settles a pending step; false when another delivery already settled it (then do nothing more). */
export async function settleStep(db: DbOrTx, id: string, patch: Partial<NewStepRow>): Promise<boolean> {
  const rows = await db.update(steps).set(patch).where(and(eq(steps.id, id), eq(steps.state, 'pending'))).returning({ id: steps.id });
  return rows.length === 1;
}

export async function getSteps(db: DbOrTx, ids: string[]): Promise<StepRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(steps).where(inArray(steps.id, ids));
}

export async function getArtifacts(db: DbOrTx, ids: string[]): Promise<ArtifactRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(artifacts).where(inArray(artifacts.id, [...new Set(ids)]));
}

export interface StepSettlement {
  id: string;
  /** 'pending' keeps the step open (a retry or another poll), 'done' or 'failed' closes it. */
  state: 'pending' | 'done' | 'failed';
  attempts: number;
  result?: unknown;
}

/**
 * Settles many pending steps in one statement. Returns the ids actually settled: a step another
 * delivery already settled is left alone, and the caller must then do nothing more for it.
 */
export async function settleSteps(db: DbOrTx, rows: StepSettlement[], now: number): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const json = JSON.stringify(rows.map((r) => ({ id: r.id, state: r.state, attempts: r.attempts, result: r.result ?? null })));
  const res = await db.execute<{ id: string }>(sql`
    update steps s set state = v.state, attempts = v.attempts, result = coalesce(v.result, s.result), updated_at = ${now}
    from jsonb_to_recordset(${json}::jsonb) as v(id text, state text, attempts int, result jsonb)
    where s.id = v.id and s.state = 'pending'
    returning s.id`);
  const list = rowsOf<{ id: string }>(res);
  return new Set(list.map((r) => r.id));
}

/** Sets each artifact's status (and verdict time) in one statement. */
export async function setArtifactStatuses(db: DbOrTx, rows: Array<{ id: string; status: string; verdictAt?: number }>, now: number): Promise<void> {
  if (rows.length === 0) return;
  const json = JSON.stringify(rows.map((r) => ({ id: r.id, status: r.status, verdict_at: r.verdictAt ?? null })));
  await db.execute(sql`
    update artifacts a set status = v.status, verdict_at = coalesce(v.verdict_at, a.verdict_at), updated_at = ${now}
    from jsonb_to_recordset(${json}::jsonb) as v(id text, status text, verdict_at bigint)
    where a.id = v.id`);
}

/**
 * Takes up to `want` units of a fixed-window rate budget at once. Returns how many were granted
 * and, when fewer than wanted, the milliseconds until the next window.
 */
export async function takeRateBudgetN(db: DbOrTx, key: string, limit: number, windowMs: number, now: number, want: number): Promise<{ granted: number; waitMs: number; pausedUntil: number }> {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  type Row = { before: number; after: number; paused_until: string | number | null };
  const take = async () => {
    // A pause another worker learned from the provider comes back with the grant, in the same statement.
    const res = await db.execute<Row>(sql`
      update rate_windows r set n = greatest(old.n, least(${limit}::int, old.n + ${want}::int))
      from (select n from rate_windows where key = ${key} and window_start = ${windowStart}::bigint for update) old
      where r.key = ${key} and r.window_start = ${windowStart}::bigint
      returning old.n::int as before, r.n::int as after, (select until from rate_pauses p where p.key = ${key}) as paused_until`);
    return rowsOf<Row>(res)[0];
  };
  // The window's row exists for every call but its first: one statement per call, not two.
  let row = await take();
  if (!row) {
    await db.insert(rateWindows).values({ key, windowStart, n: 0 }).onConflictDoNothing();
    row = (await take())!;
  }
  const granted = row.after - row.before;
  return { granted, waitMs: granted < want ? windowStart + windowMs - now : 0, pausedUntil: Number(row.paused_until ?? 0) };
}

/** Records that a provider asked not to be called until `until` (every worker reads it at its next refill). */
export async function pauseRateKey(db: DbOrTx, key: string, until: number): Promise<void> {
  await db.insert(ratePauses).values({ key, until }).onConflictDoUpdate({ target: ratePauses.key, set: { until: sql`greatest(${ratePauses.until}, excluded.until)` } });
}

/** Records each artifact's tier, action and status from a plan in one statement. */
export async function setArtifactPlan(db: DbOrTx, rows: Array<{ id: string; tier: string; action: string; status: string }>, now: number): Promise<void> {
  if (rows.length === 0) return;
  const json = JSON.stringify(rows);
  await db.execute(sql`
    update artifacts a set tier = v.tier, action = v.action, status = v.status, updated_at = ${now}
    from jsonb_to_recordset(${json}::jsonb) as v(id text, tier text, action text, status text)
    where a.id = v.id`);
}

/**
 * Artifact counts by status and the number of pending steps, without reading the rows, in ONE
 * statement: one snapshot. Read in two, a batch settled between them (a worker elsewhere, on
 * PostgreSQL) showed its artifacts still `revoking` next to no pending step, and the wait that
 * stops at zero pending steps reported that stale picture as the outcome.
 */
export async function countByStatus(db: DbOrTx, incidentId: string): Promise<{ byStatus: Record<string, number>; total: number; pendingSteps: number }> {
  const res = await db.execute<{ status: string | null; n: number; pending: number }>(sql`
    select c.status, coalesce(c.n, 0)::int as n, p.pending::int as pending
      from (select count(*) as pending from steps where incident_id = ${incidentId} and state = 'pending') p
      left join (select status, count(*) as n from artifacts where incident_id = ${incidentId} group by status) c on true`);
  const rows = rowsOf<{ status: string | null; n: number; pending: number }>(res);
  const byStatus: Record<string, number> = {};
  let total = 0;
  for (const r of rows) {
    if (r.status === null) continue;
    byStatus[r.status] = r.n;
    total += r.n;
  }
  return { byStatus, total, pendingSteps: rows[0]?.pending ?? 0 };
}

/** The last entry's chain fields, without reading its payload. */
export async function ledgerHead(db: DbOrTx, incidentId: string): Promise<{ incidentId: string; seq: number; hash: string; at: string; keyId: string; type: string } | undefined> {
  const [r] = await db
    .select({ seq: ledgerEntries.seq, hash: ledgerEntries.hash, type: ledgerEntries.type, at: sql<string>`${ledgerEntries.entry}->>'at'`, keyId: sql<string>`${ledgerEntries.entry}->>'keyId'` })
    .from(ledgerEntries).where(eq(ledgerEntries.incidentId, incidentId)).orderBy(desc(ledgerEntries.seq)).limit(1);
  return r ? { incidentId, ...r } : undefined;
}

/**
 * What a provider answered for a step, recorded on the step (`steps.ack`) the moment it arrives,
 * before anything else happens to the step. This shape is a contract: the executors of an
 * incident are read from it. `afterOwnCall` is true when an earlier delivery of the same step had
 * already marked it as calling (`calledAt`) before this call: an `already_revoked` then most likely
 * answers that earlier call, which a crash cut off.
 */
export interface RevokeAck {
  status: 'revoked' | 'accepted' | 'already_revoked';
  method: string;
  at: number;
  request: object;
  response: { status?: number; body?: unknown };
  responseHash: string;
  afterOwnCall: boolean;
}

export interface RotateAck {
  status: 'rotated' | 'already_rotated';
  method: string;
  at: number;
  afterOwnCall: boolean;
}

export interface StepAck {
  revoke?: RevokeAck;
  rotate?: RotateAck;
}

export const ackOf = (s: Pick<StepRow, 'ack'>): StepAck => (s.ack ?? {}) as StepAck;

/** Marks steps as about to call their provider, in one statement; a step marked before keeps its time. */
export async function markStepsCalled(db: DbOrTx, ids: string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`update steps set called_at = ${now} where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)) and called_at is null`);
}

/** Takes the mark back from steps that did not call after all (deferred before the call); one statement. */
export async function unmarkStepsCalled(db: DbOrTx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`update steps set called_at = null where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)) and ack is null`);
}

/** Records one acknowledgement of a step (one statement). The first one recorded stays: it is the call that did it. */
export async function recordStepAck(db: DbOrTx, id: string, part: 'revoke' | 'rotate', ack: RevokeAck | RotateAck): Promise<void> {
  await db.execute(sql`
    update steps set ack = coalesce(ack, '{}'::jsonb) || jsonb_build_object(${part}::text, ${JSON.stringify(ack)}::jsonb)
     where id = ${id} and not (coalesce(ack, '{}'::jsonb) ? ${part}::text)`);
}

/** How many times a pending step was re-enqueued because its job died (kept in its result until it settles). */
export const requeuesOf = (s: Pick<StepRow, 'result'>): number => {
  const n = (s.result as { requeues?: unknown } | null)?.requeues;
  return typeof n === 'number' ? n : 0;
};

/** Counts one more re-enqueue of each step still pending; returns the ids counted. */
export async function countRequeues(db: DbOrTx, ids: string[], now: number): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await db.execute<{ id: string }>(sql`
    update steps set result = jsonb_set(coalesce(result, '{}'::jsonb), '{requeues}', to_jsonb(coalesce((result->>'requeues')::int, 0) + 1)), updated_at = ${now}
     where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)) and state = 'pending'
     returning id`);
  return new Set(rowsOf<{ id: string }>(res).map((r) => r.id));
}
