/**
 * `incident contain` and `incident verify` exit 0 only when every artifact the run touched is
 * proved dead or expired and no step is pending; otherwise exit 1, still one JSON document (the
 * summary with `complete: false` and `incomplete` counts) and a human line naming what is not
 * proved. The engine is a stand-in returning the summaries a real run can end with.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StepsSummary } from '../../src/engine/wait.ts';
import { runMain, withFake } from './support.ts';

const summary = (byStatus: Record<string, number>, pendingSteps = 0): StepsSummary => ({ byStatus, pendingSteps, total: Object.values(byStatus).reduce((a, b) => a + b, 0) });

function engineReturning(s: StepsSummary, calls: any[] = []) {
  return {
    contain: async (id: string, actor: string, onProgress: unknown, opts: any) => {
      calls.push({ op: 'contain', id, actor, opts });
      opts?.onDeadline?.('2031-02-03T04:05:06.000Z');
      return s;
    },
    verify: async (id: string, actor: string, onProgress: unknown, opts: any) => {
      calls.push({ op: 'verify', id, actor, opts });
      opts?.onDeadline?.('2031-02-03T04:05:06.000Z');
      return s;
    },
  };
}

describe('contain and verify outcomes', () => {
  it('everything proved dead or expired: exit 0, complete', async () => {
    for (const op of ['contain', 'verify']) {
      const r = await runMain(['incident', op, 'inc_1', '--as', 'eddie', '--json'], withFake(engineReturning(summary({ 'verified-dead': 3, 'verified-expired': 1 }))));
      assert.equal(r.code, 0, r.stderr);
      const doc = r.json();
      assert.equal(doc.complete, true);
      assert.deepEqual(doc.incomplete, {});
      assert.deepEqual(doc.byStatus, { 'verified-dead': 3, 'verified-expired': 1 });
    }
  });

  it('anything live, unproven, failed, residual, acknowledged only or pending: exit 1, one JSON document listing it', async () => {
    const cases: Array<[Record<string, number>, number, Record<string, number>]> = [
      [{ 'verified-dead': 2, 'still-live': 1 }, 0, { 'still-live': 1 }],
      [{ 'verified-dead': 2, unproven: 2 }, 0, { unproven: 2 }],
      [{ failed: 1 }, 0, { failed: 1 }],
      [{ residual: 1, 'verified-dead': 1 }, 0, { residual: 1 }],
      [{ revoked: 1 }, 0, { revoked: 1 }],
      [{ 'verified-dead': 1 }, 2, { 'pending-steps': 2 }],
    ];
    for (const op of ['contain', 'verify']) {
      for (const [byStatus, pending, incomplete] of cases) {
        const r = await runMain(['incident', op, 'inc_1', '--as', 'eddie', '--json'], withFake(engineReturning(summary(byStatus, pending))));
        assert.equal(r.code, 1, `${op} ${JSON.stringify(byStatus)}`);
        assert.equal(r.stderr, '');
        const doc = r.json();
        assert.equal(doc.complete, false);
        assert.deepEqual(doc.incomplete, incomplete);
        assert.equal(doc.pendingSteps, pending);
      }
    }
  });

  it('human output names what is not proved and where to look', async () => {
    const r = await runMain(['incident', 'contain', 'inc_1', '--as', 'eddie'], withFake(engineReturning(summary({ 'verified-dead': 4, 'still-live': 1, unproven: 2 }, 1))));
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^contained inc_1: 4 verified-dead, 1 still-live, 2 unproven\n$/);
    assert.match(r.stderr, /error ERR_CONTAINMENT_INCOMPLETE: not proved dead: 1 still-live, 2 unproven, 1 step\(s\) still pending; see `sever incident show inc_1`/);
  });

  it('artifacts --tier left planned do not count; without --tier a planned artifact is not contained', async () => {
    const calls: any[] = [];
    const tiered = await runMain(['incident', 'contain', 'inc_1', '--as', 'eddie', '--tier', 'immediate', '--json'], withFake(engineReturning(summary({ 'verified-dead': 2, planned: 5 }), calls)));
    assert.equal(tiered.code, 0);
    assert.deepEqual(calls[0].opts.tiers, ['immediate']);
    const all = await runMain(['incident', 'contain', 'inc_1', '--as', 'eddie', '--json'], withFake(engineReturning(summary({ 'verified-dead': 2, planned: 5 }))));
    assert.equal(all.code, 1);
    assert.deepEqual(all.json().incomplete, { planned: 5 });
    const verify = await runMain(['incident', 'verify', 'inc_1', '--as', 'eddie', '--json'], withFake(engineReturning(summary({ 'verified-dead': 2, planned: 5 }))));
    assert.equal(verify.code, 0, 'verify proves what containment touched');
  });

  it('the engine\'s deadline becomes a note on stderr, never in --json output', async () => {
    for (const op of ['contain', 'verify']) {
      const calls: any[] = [];
      const human = await runMain(['incident', op, 'inc_1', '--as', 'eddie'], withFake(engineReturning(summary({ 'verified-dead': 1 }), calls)));
      assert.equal(typeof calls[0].opts.onDeadline, 'function', `${op} passes onDeadline`);
      assert.match(human.stderr, /inc_1 waits until 2031-02-03T04:05:06\.000Z at the latest/);
      const json = await runMain(['incident', op, 'inc_1', '--as', 'eddie', '--json'], withFake(engineReturning(summary({ 'verified-dead': 1 }))));
      assert.equal(json.stderr, '');
      assert.equal(json.json().complete, true);
    }
  });
});
