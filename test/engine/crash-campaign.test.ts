/**
 * The crash campaign: a containment of a few hundred artifacts on the embedded store, killed with
 * SIGKILL at random points over and over, then run to completion. The provider lives in this
 * (the test's) process and counts every call, so the kills cannot hide a repeated revocation.
 *
 * The bound checked is at-least-once with one repeat per kill: a revocation is acknowledged to its
 * step (`steps.ack`) before the provider's slot is released, and a redelivered step with an
 * acknowledgement never calls again, so only a call in flight when the process dies (its answer
 * not yet recorded) is made a second time. With concurrency c a kill can cut off c calls; this
 * campaign's connector allows one call at a time, so: revoke calls ≤ artifacts + kills.
 *
 * Seeded: CRASH_SEED=<n> replays a campaign's kill delays (the seed is printed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { DEAD_QUEUE, QUEUES } from '../../src/engine/runner.ts';
import { ackOf, listArtifacts, listLedger, listSteps } from '../../src/store/repo.ts';
import { verifyChain } from '../../src/ledger/index.ts';
import { openCampaignEngine } from '../support/crash-child.ts';
import { startHttpProvider } from '../support/http-provider.ts';
import { tempDir } from '../support/databases.ts';

const CHILD = fileURLToPath(new URL('../support/crash-child.ts', import.meta.url));
const ARTIFACTS = 300;
const KILLS = 20;
/** A restart's first provider call, from its store being open (Sever's own recovery). */
const RESUME_MS = 2_000;
/**
 * The same from process start, module loading included: only a ceiling far below the ~28 s of
 * pg-boss's backoff this guards against, since Node's start-up on a loaded shared 2-core machine
 * varies several-fold (6.3 s seen once under the whole suite); the figure itself is printed.
 */
const START_CEILING_MS = 15_000;

/** mulberry32: a small seeded generator, so a failing campaign can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function startChild(args: string[], compileCache: string) {
  // The compile cache spares each restart part of loading its modules, as it would a deployment.
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_COMPILE_CACHE: compileCache } });
  let stdout = '';
  let stderr = '';
  let storeOpen: (t: number) => void;
  const opened = new Promise<number>((r) => (storeOpen = r));
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    const m = /store-open (\d+)/.exec(stderr);
    if (m) storeOpen(Number(m[1]));
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((r) => child.on('close', (code, signal) => r({ code, signal, stdout, stderr })));
  return { child, done, opened };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

// Each restart is a new Node process: about 3.5 s from start to first call alone and twice that under
// the whole suite (about a quarter of it resolving drizzle-orm's package exports), so 21 runs need minutes.
test(`${KILLS}+ SIGKILLs at random points of a ${ARTIFACTS}-artifact containment: nothing lost, nothing revoked twice, the chain intact, each restart resumed at once`, { timeout: 230_000 }, async () => {
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31);
  const random = seeded(seed);
  console.log(`# crash campaign seed ${seed} (CRASH_SEED=${seed} replays it)`);
  const provider = await startHttpProvider({ subject: 'alice', count: ARTIFACTS, latencyMs: 4 });
  const dir = tempDir('sever-campaign-');
  const key = randomBytes(32).toString('hex');
  const t0 = Date.now();
  try {
    // The incident is opened, discovered and planned here; every containment run is a child.
    const setup = await openCampaignEngine(dir, provider.url, key);
    const id = await setup.engine.openIncident({ subject: { type: 'human', handle: 'alice', identifiers: {} }, actor: 'ida' });
    assert.equal((await setup.engine.discover(id, 'ida')).total, ARTIFACTS);
    await setup.engine.plan(id, 'ida');
    const publicJwk = setup.engine.context.ledger.signer.publicJwk;
    await setup.engine.stop();
    await setup.conn.close();
    const t1 = Date.now();

    const args = [dir, provider.url, id, key];
    const runs: Array<{ resumeMs: number; recoverMs: number; killAfterMs: number | null }> = [];
    for (;;) {
      const started = Date.now();
      const first = provider.nextCall();
      const run = startChild(args, join(dir, 'compile-cache'));
      const resumed = await Promise.race([first, run.done.then(() => undefined)]);
      if (resumed === undefined) {
        // It had nothing left to call: the containment is over.
        const r = await run.done;
        assert.equal(r.code, 0, r.stderr);
        break;
      }
      const entry = { resumeMs: resumed - started, recoverMs: resumed - (await run.opened), killAfterMs: null as number | null };
      runs.push(entry);
      if (runs.filter((x) => x.killAfterMs !== null).length >= KILLS) {
        const r = await run.done;
        assert.equal(r.code, 0, r.stderr);
        break;
      }
      const killAfterMs = Math.floor(random() * 250);
      await new Promise((r) => setTimeout(r, killAfterMs));
      run.child.kill('SIGKILL');
      const r = await run.done;
      if (r.signal !== 'SIGKILL') {
        assert.equal(r.code, 0, r.stderr);
        break;
      }
      entry.killAfterMs = killAfterMs;
    }
    const t2 = Date.now();
    const kills = runs.filter((x) => x.killAfterMs !== null).length;
    console.log(`# ${kills} kills, delays after the run's first call (ms): ${runs.map((x) => x.killAfterMs ?? '-').join(' ')}`);
    console.log(`# start to first call (ms): ${runs.map((x) => x.resumeMs).join(' ')}`);
    console.log(`# store open to first call (ms): ${runs.map((x) => x.recoverMs).join(' ')}`);
    console.log(`# provider calls: revoke ${provider.calls.revoke}, verify ${provider.calls.verify}; setup ${t1 - t0} ms, campaign ${t2 - t1} ms`);
    assert.ok(kills >= KILLS, `only ${kills} kills landed before the containment finished`);

    const check = await openCampaignEngine(dir, provider.url, key);
    try {
      const arts = await listArtifacts(check.conn.db, id);
      // Nothing lost: every artifact proved dead, at the provider and in the store.
      assert.equal(arts.length, ARTIFACTS);
      assert.deepEqual(arts.filter((a) => a.status !== 'verified-dead').map((a) => `${a.externalId}: ${a.status}`), []);
      for (const a of arts) assert.equal(provider.works(a.externalId), false, `${a.externalId} still works`);
      // Nothing revoked twice in effect: each revocation applied exactly once, at most one repeated call per kill.
      for (const a of arts) assert.equal(provider.applied.get(a.externalId), 1, `${a.externalId} applied ${provider.applied.get(a.externalId)} times`);
      assert.ok(provider.calls.revoke <= ARTIFACTS + kills, `${provider.calls.revoke} revoke calls for ${ARTIFACTS} artifacts and ${kills} kills`);
      // One revoke step per artifact, each with its acknowledgement; a repeated call's answer says it followed the step's own call.
      // (A `revoked` may say so too: its batch was marked as calling before a kill cut the batch short.)
      const steps = (await listSteps(check.conn.db, id)).filter((s) => s.type === 'revoke');
      assert.equal(steps.length, ARTIFACTS);
      const acks = steps.map((s) => ackOf(s).revoke);
      assert.ok(acks.every((x) => x !== undefined), 'every revoke step has its acknowledgement');
      const repeated = [...provider.revokeCalls.values()].filter((n) => n > 1).length;
      const again = acks.filter((x) => x!.status === 'already_revoked');
      assert.equal(again.length, repeated, 'an already_revoked acknowledgement for each repeated call');
      assert.ok(again.every((x) => x!.afterOwnCall), 'each is marked afterOwnCall');
      // One recorded response per artifact; some were taken from an acknowledgement a killed run recorded.
      const entries = (await listLedger(check.conn.db, id)) as Array<{ type: string; payload: any }>;
      const responses = new Map<string, number>();
      let reused = 0;
      for (const e of entries.filter((x) => x.type === 'revoke.response')) {
        for (const r of e.payload.responses) {
          responses.set(r.artifactId, (responses.get(r.artifactId) ?? 0) + 1);
          if (r.recordedBeforeCrash) reused++;
        }
      }
      assert.equal(responses.size, ARTIFACTS);
      assert.deepEqual([...responses.values()].filter((n) => n !== 1), [], 'one recorded response per artifact');
      assert.ok(reused > 0, 'some kills fell between an acknowledgement and its batch settling');
      console.log(`# repeated revoke calls ${provider.calls.revoke - ARTIFACTS} (bound: ${kills} kills); responses reused from an acknowledgement recorded before a kill: ${reused}`);
      // The ledger chain is intact.
      const chain = verifyChain(entries as never, [publicJwk]);
      assert.equal(chain.ok, true, JSON.stringify(chain));
      // No restart spent a retry or waited for a backoff: every job a killed run held was put back
      // afresh, ready at once (pg-boss keeps completed jobs, so this sees every job of the campaign).
      const jobs = await check.conn.db.execute(sql`
        select count(*)::int as n, count(*) filter (where retry_count > 0)::int as retried, count(*) filter (where name = ${DEAD_QUEUE})::int as dead
          from pgboss.job where name in (${QUEUES.revoke}, ${QUEUES.verify}, ${DEAD_QUEUE})`);
      const j = (Array.isArray(jobs) ? jobs : (jobs as { rows: unknown[] }).rows)[0] as { n: number; retried: number; dead: number };
      assert.ok(j.n > 0);
      assert.deepEqual({ retried: j.retried, dead: j.dead }, { retried: 0, dead: 0 }, `of ${j.n} jobs`);
    } finally {
      await check.engine.stop();
      await check.conn.close();
    }

    // Each restart resumed at once (it used to wait up to ~28 s for pg-boss's backoff): no job was
    // retried, above, and the time from a restart's store being open (its start-up done) to its
    // first call, Sever's own recovery, is held to RESUME_MS. From process start a restart also
    // pays for Node loading the modules (connector kinds now load on demand: only the configured
    // ones) and PGlite starting (~0.4 s): printed against RESUME_MS (median 1.6 s alone, 2.8 s
    // under the whole suite's load) and held to a ceiling, as CPU time on a shared 2-core machine
    // varies with what else runs on it.
    const restarts = runs.slice(1);
    console.log(`# restarts: median ${median(restarts.map((x) => x.resumeMs))} ms from process start (target ${RESUME_MS}), ${median(restarts.map((x) => x.recoverMs))} ms from store open, to the first call`);
    for (const [i, x] of restarts.entries()) assert.ok(x.recoverMs <= RESUME_MS, `restart ${i + 1}: ${x.recoverMs} ms from store open to its first call`);
    for (const [i, x] of restarts.entries()) assert.ok(x.resumeMs <= START_CEILING_MS, `restart ${i + 1}: ${x.resumeMs} ms from process start to its first call`);
  } finally {
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
