/**
 * Containment is never stuck: a step whose batch keeps failing outside the connector contract ends
 * `failed` with ERR_STEP_EXHAUSTED (pg-boss retries, then its dead-letter queue, then a bounded
 * number of re-enqueues); a step whose job is gone gets a new one; and a wait that passes its
 * deadline returns, reporting what is still pending, while a late worker's write changes nothing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { systemClock } from '../../src/core/clock.ts';
import type { Connector } from '../../src/connectors/contract.ts';
import { verifyChain } from '../../src/ledger/index.ts';
import { ackOf, getArtifact, listArtifacts, listLedger, listSteps } from '../../src/store/repo.ts';
import { createMemoryConnector, createMemoryProvider, memoryManifest } from '../../lab/memory/provider.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';
import { DRIVERS } from '../support/databases.ts';

const human = (handle: string) => ({ subject: { type: 'human' as const, handle, identifiers: {} }, actor: 'ida' });

for (const driver of DRIVERS) describe(`never stuck (${driver})`, () => {
  let h: Harness;
  const good = createMemoryProvider(systemClock);
  const bad = createMemoryProvider(systemClock);
  const slow = createMemoryProvider(systemClock, { ignore: new Set(['rt-hang']) });
  const lost = createMemoryProvider(systemClock);
  const acked = createMemoryProvider(systemClock);
  let release: () => void = () => undefined;
  const hanging = new Promise<void>((r) => (release = r));
  let hangingCalls = 0;
  let lateAnswers = 0;

  before(async () => {
    for (let i = 0; i < 3; i++) good.add({ subject: 'alice', kind: 'refresh-token', externalId: `rt-${i}`, revocable: true });
    bad.add({ subject: 'alice', kind: 'refresh-token', externalId: 'rt-x', revocable: true });
    slow.add({ subject: 'bob', kind: 'refresh-token', externalId: 'rt-hang', revocable: true });
    slow.add({ subject: 'bob', kind: 'refresh-token', externalId: 'rt-ok', revocable: true });
    for (let i = 0; i < 5; i++) lost.add({ subject: 'carol', kind: 'refresh-token', externalId: `rt-c${i}`, revocable: true });
    for (let i = 0; i < 2; i++) acked.add({ subject: 'dave', kind: 'refresh-token', externalId: `rt-d${i}`, revocable: true });
    // After its first (immediate) observation, verifying rt-hang never answers until released.
    const slowConnector = createMemoryConnector('memory:slow', slow, systemClock, memoryManifest({ verifyPolicy: { pollIntervalMs: 50, deadlineMs: 400 } }));
    const verifySlow = slowConnector.verify.bind(slowConnector);
    const hangingVerify: Connector = {
      ...slowConnector,
      verify: async (handle) => {
        if (handle.externalId !== 'rt-hang' || ++hangingCalls === 1) return verifySlow(handle);
        await hanging;
        lateAnswers++;
        return verifySlow(handle);
      },
    };
    h = await startHarness(driver, [
      createMemoryConnector('memory:good', good, systemClock),
      // A long verification deadline gives its incident's wait room: that step must end by exhaustion, not by the deadline.
      createMemoryConnector('memory:bad', bad, systemClock, memoryManifest({ verifyPolicy: { pollIntervalMs: 20, deadlineMs: 15_000 } })),
      hangingVerify,
      createMemoryConnector('memory:lost', lost, systemClock),
      createMemoryConnector('memory:acked', acked, systemClock),
    ], systemClock, {
      jobs: { retryLimit: 1, retryDelaySeconds: 0, retryBackoff: false, requeueLimit: 2 },
      deadlineMarginMs: 3_000,
      liveCheckMs: 200,
    });
  });
  after(async () => {
    release();
    await h?.close();
  });

  it('a step whose batch keeps failing outside the connector contract ends failed with ERR_STEP_EXHAUSTED, and contain returns', { timeout: 60_000 }, async () => {
    const id = await h.engine.openIncident(human('alice'));
    await h.engine.discover(id, 'ida');
    await h.engine.plan(id, 'ida');
    const x = (await listArtifacts(h.conn.db, id)).find((a) => a.externalId === 'rt-x')!;
    // A store failure on exactly that step: marking it as calling its provider always fails.
    await h.conn.db.execute(sql.raw(`
      create function never_stuck_fault() returns trigger language plpgsql as $$
      begin raise exception 'injected store failure for %', new.id; end $$`));
    await h.conn.db.execute(sql.raw(`
      create trigger never_stuck_fault before update on steps for each row
        when (new.artifact_id = '${x.id}' and old.called_at is null and new.called_at is not null) execute function never_stuck_fault();`));
    try {
      const s = await h.engine.contain(id, 'eddie');
      assert.equal(s.pendingSteps, 0);
      assert.equal(s.timedOut, undefined, 'it ended by exhausting the step, not by the deadline');
      assert.deepEqual(s.byStatus, { 'verified-dead': 3, failed: 1 });
    } finally {
      await h.conn.db.execute(sql.raw('drop trigger never_stuck_fault on steps'));
      await h.conn.db.execute(sql.raw('drop function never_stuck_fault()'));
    }
    assert.equal(bad.calls.revoke, 0, 'the provider was never called for it');
    const step = (await listSteps(h.conn.db, id)).find((st) => st.artifactId === x.id)!;
    assert.equal(step.state, 'failed');
    const err = (step.result as { error: { code: string; message: string } }).error;
    assert.equal(err.code, 'ERR_STEP_EXHAUSTED');
    assert.match(err.message, /re-enqueued 2 times/);
    const entries = (await listLedger(h.conn.db, id)) as Array<{ type: string; payload: any }>;
    assert.ok(entries.some((e) => e.type === 'revoke.error' && e.payload.errors.some((r: any) => r.artifactId === x.id && r.final && r.error.code === 'ERR_STEP_EXHAUSTED')));
    assert.equal(verifyChain(entries as never, [h.engine.context.ledger.signer.publicJwk]).ok, true);
    const v = await h.engine.show(id);
    assert.ok(v.gate.missing.some((m) => m.code === 'REVOKE_FAILED' && (m as { artifactId?: string }).artifactId === x.id && /ERR_STEP_EXHAUSTED/.test(m.message)), JSON.stringify(v.gate.missing));
  });

  it('a step whose job is gone gets a new one when contain waits', { timeout: 60_000 }, async () => {
    const id = await h.engine.openIncident(human('carol'));
    await h.engine.discover(id, 'ida');
    await h.engine.plan(id, 'ida');
    const runner = h.engine.context.runner;
    const enqueue = runner.enqueue;
    const stepsWithoutJob = runner.stepsWithoutJob;
    let dropped = 0;
    const orphans: string[] = [];
    // The revoke jobs of this contain are lost (as if deleted from the queue); the steps stay.
    runner.enqueue = async (tx, type, jobs) => {
      if (type === 'revoke' && dropped === 0) return void (dropped = jobs.length);
      return enqueue(tx, type, jobs);
    };
    runner.stepsWithoutJob = async (db, incidentId) => {
      const ids = await stepsWithoutJob(db, incidentId);
      if (incidentId === id) orphans.push(...ids);
      return ids;
    };
    try {
      const s = await h.engine.contain(id, 'eddie');
      assert.equal(dropped, 5);
      assert.equal(orphans.length, 5, 'the five steps were found without a job');
      assert.equal(s.timedOut, undefined);
      assert.deepEqual(s.byStatus, { 'verified-dead': 5 });
      assert.equal(lost.calls.revoke, 5);
    } finally {
      runner.enqueue = enqueue;
      runner.stepsWithoutJob = stepsWithoutJob;
    }
  });

  it('a wait that passes its deadline returns with the pending steps reported; a late worker changes nothing', { timeout: 60_000 }, async () => {
    const id = await h.engine.openIncident(human('bob'));
    await h.engine.discover(id, 'ida');
    await h.engine.plan(id, 'ida');
    const told: string[] = [];
    const t0 = Date.now();
    const s = await h.engine.contain(id, 'eddie', undefined, { onDeadline: (at) => told.push(at) });
    const returnedAt = Date.now();
    assert.equal(told.length, 1, 'told the deadline once');
    const deadline = Date.parse(told[0]!);
    assert.ok(deadline > t0 && deadline < t0 + 10_000, told[0]);
    assert.ok(returnedAt >= deadline && returnedAt < deadline + 2_000, `returned ${returnedAt - deadline} ms after the deadline`);
    assert.equal(s.timedOut, true);
    assert.equal(s.deadlineAt, told[0]);
    const hang = (await listArtifacts(h.conn.db, id)).find((a) => a.externalId === 'rt-hang')!;
    assert.deepEqual(s.unsettled?.map((u) => ({ artifactId: u.artifactId, type: u.type, exhausted: u.exhausted })), [{ artifactId: hang.id, type: 'verify', exhausted: true }]);
    assert.deepEqual(s.byStatus, { 'verified-dead': 1, failed: 1 });
    const step = (await listSteps(h.conn.db, id)).find((st) => st.artifactId === hang.id && st.type === 'verify')!;
    assert.equal((step.result as { error: { code: string } }).error.code, 'ERR_STEP_EXHAUSTED');

    // The worker still polling it answers late: its settlement is a no-op.
    release();
    for (let i = 0; i < 100 && lateAnswers === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(lateAnswers, 1, 'the late worker answered');
    await new Promise((r) => setTimeout(r, 300)); // its transaction
    assert.equal((await getArtifact(h.conn.db, hang.id)).status, 'failed');
    const after = (await listSteps(h.conn.db, id)).find((st) => st.id === step.id)!;
    assert.equal(after.state, 'failed');
    assert.equal((after.result as { error: { code: string } }).error.code, 'ERR_STEP_EXHAUSTED');
    const entries = (await listLedger(h.conn.db, id)) as Array<{ type: string; payload: any }>;
    assert.ok(entries.some((e) => e.type === 'artifact.verdict' && e.payload.verdicts.some((v: any) => v.artifactId === hang.id && v.verdict === 'failed')));
    assert.equal(verifyChain(entries as never, [h.engine.context.ledger.signer.publicJwk]).ok, true);
  });

  it('a batch that dies after the provider answered: the redelivery takes the recorded acknowledgement and never calls again', { timeout: 60_000 }, async () => {
    const id = await h.engine.openIncident(human('dave'));
    await h.engine.discover(id, 'ida');
    await h.engine.plan(id, 'ida');
    const d0 = (await listArtifacts(h.conn.db, id)).find((a) => a.externalId === 'rt-d0')!;
    // The transaction that settles rt-d0's revoke step fails once, after the provider answered (a crash there).
    await h.conn.db.execute(sql.raw('create sequence ack_fault_once'));
    await h.conn.db.execute(sql.raw(`
      create function ack_fault() returns trigger language plpgsql as $$
      begin if nextval('ack_fault_once') = 1 then raise exception 'injected failure settling %', new.id; end if; return new; end $$`));
    await h.conn.db.execute(sql.raw(`
      create trigger ack_fault before update on steps for each row
        when (new.artifact_id = '${d0.id}' and new.type = 'revoke' and new.state = 'done') execute function ack_fault()`));
    try {
      const s = await h.engine.contain(id, 'eddie');
      assert.deepEqual(s.byStatus, { 'verified-dead': 2 });
    } finally {
      await h.conn.db.execute(sql.raw('drop trigger ack_fault on steps'));
      await h.conn.db.execute(sql.raw('drop function ack_fault()'));
      await h.conn.db.execute(sql.raw('drop sequence ack_fault_once'));
    }
    assert.equal(acked.calls.revoke, 2, 'one call per artifact: the redelivery did not call again');
    const step = (await listSteps(h.conn.db, id)).find((st) => st.artifactId === d0.id && st.type === 'revoke')!;
    const ack = ackOf(step).revoke!;
    assert.equal(ack.status, 'revoked');
    assert.equal(ack.method, 'memory:delete');
    assert.equal(ack.afterOwnCall, false);
    assert.ok(step.calledAt !== null && ack.at >= step.calledAt);
    assert.match(ack.responseHash, /^[0-9a-f]{64}$/);
    const entries = (await listLedger(h.conn.db, id)) as Array<{ type: string; payload: any }>;
    const responses = entries.filter((e) => e.type === 'revoke.response').flatMap((e) => e.payload.responses);
    assert.equal(responses.length, 2);
    // Both steps were in the batch whose transaction failed: both responses come from their acknowledgements.
    assert.deepEqual(responses.map((r: any) => r.recordedBeforeCrash), [true, true]);
  });
});
