/**
 * What the closure gate needs to bind attestations to deeds and to the ledger: the people whose
 * runs changed provider state, the last entry that changed what a sign-off attests to, and the
 * last reopen. One statement each, on both drivers.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from './types.ts';

const rowsOf = <T>(res: unknown): T[] => (Array.isArray(res) ? res : (res as { rows: T[] }).rows) as T[];

/**
 * Ledger entry types that change nothing a sign-off attests to: attestations themselves and the
 * refusals of the gate, and the runbook being recorded (attestations are checked against the
 * runbook in force whenever the gate runs). Everything else (inventory, plan, revocations, verdicts, exceptions,
 * alerts, reopen) is material; `incident.state-changed` is material unless it only moves the
 * incident to `awaiting-signoff` (derived from what is already recorded).
 */
export const NON_MATERIAL_TYPES = ['signoff.recorded', 'signoff.refused', 'close.refused', 'exception.refused', 'runbook.recorded'] as const;

/** The seq of the last material ledger entry of the incident (-1 when there is none). */
export async function lastMaterialSeq(db: DbOrTx, incidentId: string): Promise<number> {
  const res = await db.execute(sql`select coalesce(max(seq), -1)::int as seq from ledger_entries
    where incident_id = ${incidentId}
      and type not in (${sql.join(NON_MATERIAL_TYPES.map((t) => sql`${t}`), sql`, `)})
      and not (type = 'incident.state-changed' and entry->'payload'->>'to' = 'awaiting-signoff')`);
  return rowsOf<{ seq: number }>(res)[0]?.seq ?? -1;
}

/** The connectors the last completed discovery could not ask (the `discovery.completed` entry of the whole pass). */
export async function lastDiscoveryFailures(db: DbOrTx, incidentId: string): Promise<Array<{ connector: string; code: string; message: string }>> {
  const res = await db.execute(sql`select entry->'payload'->'connectors' as connectors from ledger_entries
    where incident_id = ${incidentId} and type = 'discovery.completed' and entry->'payload' ? 'total' order by seq desc limit 1`);
  const connectors = (rowsOf<{ connectors: unknown }>(res)[0]?.connectors ?? {}) as Record<string, { error?: { code?: unknown; message?: unknown } }>;
  return Object.entries(connectors).flatMap(([connector, c]) => (c?.error && typeof c.error.code === 'string' ? [{ connector, code: c.error.code, message: String(c.error.message ?? '') }] : []));
}

/** The seq of the last `incident.reopened` entry (-1 when never reopened). */
export async function lastReopenSeq(db: DbOrTx, incidentId: string): Promise<number> {
  const res = await db.execute(sql`select coalesce(max(seq), -1)::int as seq from ledger_entries where incident_id = ${incidentId} and type = 'incident.reopened'`);
  return rowsOf<{ seq: number }>(res)[0]?.seq ?? -1;
}

/**
 * The executors by deeds: the actors of steps whose provider call changed state. A revocation the
 * provider acknowledged as done (`revoked`) or queued (`accepted`), a rotation that issued a new
 * credential (`rotated`); an `already_…` answer counts only when it follows the same step's own
 * earlier call that a crash cut off (`afterOwnCall`). A run that changed nothing adds nobody.
 */
export async function executorsOf(db: DbOrTx, incidentId: string): Promise<string[]> {
  const res = await db.execute(sql`select distinct actor from steps
    where incident_id = ${incidentId} and type = 'revoke' and ack is not null and (
      ack->'revoke'->>'status' in ('revoked', 'accepted')
      or (ack->'revoke'->>'status' = 'already_revoked' and (ack->'revoke'->>'afterOwnCall')::boolean)
      or ack->'rotate'->>'status' = 'rotated'
      or (ack->'rotate'->>'status' = 'already_rotated' and (ack->'rotate'->>'afterOwnCall')::boolean)
    ) order by actor`);
  return rowsOf<{ actor: string }>(res).map((r) => r.actor);
}

/** The hash of entry `seq` of the incident's chain, or undefined when there is no such entry. */
export async function ledgerHashAt(db: DbOrTx, incidentId: string, seq: number): Promise<string | undefined> {
  const res = await db.execute(sql`select hash from ledger_entries where incident_id = ${incidentId} and seq = ${seq}`);
  return rowsOf<{ hash: string }>(res)[0]?.hash;
}

/** The hash of the runbook last recorded in the incident's ledger (`incident.opened` or `runbook.recorded`). */
export async function lastRunbookHash(db: DbOrTx, incidentId: string): Promise<string | undefined> {
  const res = await db.execute(sql`select entry->'payload'->>'runbookHash' as h from ledger_entries
    where incident_id = ${incidentId} and type in ('incident.opened', 'runbook.recorded') and entry->'payload' ? 'runbookHash' order by seq desc limit 1`);
  return rowsOf<{ h: string | null }>(res)[0]?.h ?? undefined;
}
