/**
 * The proof column of artifacts: the strength the policy requires (written at plan time) and the
 * grade of the last verdict (written with it). One statement per batch, on both drivers.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from './types.ts';

/** Replaces the proof of each artifact. */
export async function setArtifactProofs(db: DbOrTx, rows: Array<{ id: string; proof: Record<string, unknown> }>): Promise<void> {
  if (rows.length === 0) return;
  await db.execute(sql`update artifacts as a set proof = v.proof from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(id text, proof jsonb) where a.id = v.id`);
}

/** Merges the plan's requirement into each artifact's proof, keeping the last grade. */
export async function setRequiredProofs(db: DbOrTx, rows: Array<{ id: string; required: string; ruleId: string }>): Promise<void> {
  if (rows.length === 0) return;
  await db.execute(sql`update artifacts as a set proof = coalesce(a.proof, '{}'::jsonb) || jsonb_build_object('required', v.required, 'ruleId', v.rule_id)
    from jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ id: r.id, required: r.required, rule_id: r.ruleId })))}::jsonb) as v(id text, required text, rule_id text) where a.id = v.id`);
}
