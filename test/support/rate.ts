/**
 * What a fixed-window budget guarantees, checked from both sides: the shared counter never grants
 * more than the limit in a window, and a provider measuring calls over any sliding interval of
 * the window's length sees at most twice the limit (a burst at a window boundary), never more.
 */
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/store/types.ts';

export async function assertRateBudgetHeld(db: Db, connector: string, limit: number, windowMs: number, callTimes: number[], unitsPerCall: number): Promise<void> {
  const res = await db.execute<{ n: number }>(sql`select n from rate_windows where key = ${`connector:${connector}`}`);
  const rows = (Array.isArray(res) ? res : (res as { rows: { n: number }[] }).rows) as { n: number }[];
  assert.ok(rows.length > 1, 'the work spanned several windows');
  for (const r of rows) assert.ok(r.n <= limit, `a window granted ${r.n} units, over the limit ${limit}`);
  const perWindow = Math.floor(limit / unitsPerCall);
  const t = [...callTimes].sort((a, b) => a - b);
  for (let i = 0; i + 2 * perWindow < t.length; i++) {
    assert.ok(t[i + 2 * perWindow]! - t[i]! >= windowMs, `more than ${2 * perWindow} calls within ${windowMs} ms at call ${i}`);
  }
}
