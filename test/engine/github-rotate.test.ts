/**
 * rotate-then-revoke of a GitHub deploy key through the engine, against the GitHub simulator (every
 * request and response checked against GitHub's own description) with a real dependent workload:
 * a deployer that fetches the repository with the private key in a file, as `ssh` would read it.
 * The engine adds the new key and delivers it, waits until GitHub records a fetch with it, and only
 * then deletes the old key; a workload that never moves leaves the old key in place.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { startGithubLab, type GithubLab } from '../../lab/github/start.ts';
import { startDeployKeyWorkload, type DeployKeyWorkload } from '../../lab/github/workload.ts';
import type { Connector } from '../../src/connectors/contract.ts';
import { githubModule, githubSettings } from '../../src/connectors/github/index.ts';
import { generateEd25519 } from '../../src/connectors/github/ssh-key.ts';
import { systemClock } from '../../src/core/clock.ts';
import { DEFAULT_POLICY } from '../../src/core/policy.ts';
import { listLedger } from '../../src/store/repo.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

// The default policy rotates a workload's rotatable deploy key first (rule workload-keys-with-rotation).
const POLICY = DEFAULT_POLICY;

/**
 * One simulator and one engine for both cases (a store takes long to start): each case has its own
 * repository, deployer login and connector instance, the instance carrying the case's adoption deadline.
 */
const CASES = { moves: { adoptionDeadlineMs: 20_000 }, stuck: { adoptionDeadlineMs: 1_500 } } as const;
type Case = keyof typeof CASES;

describe('rotate-then-revoke of a deploy key through the engine (PGlite store, GitHub simulator)', () => {
  let dir: string;
  let lab: GithubLab;
  let h: Harness;
  const workloads: DeployKeyWorkload[] = [];
  const keyFile = (c: Case) => join(dir, `${c}_deploy_key`);
  const old = { moves: generateEd25519('deployer'), stuck: generateEd25519('deployer') };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sever-gh-rtr-'));
    lab = await startGithubLab();
    const connectors = (Object.keys(CASES) as Case[]).map((c): Connector => {
      writeFileSync(keyFile(c), old[c].privateKey, { mode: 0o600 });
      const base = githubModule.create(`github:${c}`, githubSettings.parse({
        baseUrl: lab.baseUrl, org: lab.org, tokenRef: 'env:GH_TOKEN', repos: [c], rotation: { deployKeys: [{ repo: c, title: 'deployer', deliverTo: `file:${keyFile(c)}` }] },
      }), { clock: systemClock, fetch: globalThis.fetch, resolveSecret: async () => lab.adminToken });
      return { ...base, manifest: { ...base.manifest, verifyPolicy: { pollIntervalMs: 100, deadlineMs: 10_000 }, adoptionPolicy: { pollIntervalMs: 100, deadlineMs: CASES[c].adoptionDeadlineMs } } };
    });
    h = await startHarness('pglite', connectors, systemClock, {}, POLICY);
  });
  afterEach(() => assert.deepEqual(lab.violations(), [], 'the simulator saw no request or response outside GitHub\'s description'));
  after(async () => {
    for (const w of workloads) await w.stop();
    await h?.close();
    await lab?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function setup(c: Case) {
    const login = `${c}-deployer`;
    const key = lab.state.deployKey(c, login, true, { publicKey: old[c].publicKey, title: 'deployer' });
    const w = await startDeployKeyWorkload({ state: lab.state, repo: c, keyFile: keyFile(c), everyMs: 30, rereads: c === 'moves' });
    workloads.push(w);
    const id = await h.engine.openIncident({ subject: { type: 'workload', handle: login, identifiers: { [`github:${c}`]: login } }, actor: 'ida' });
    await h.engine.discover(id, 'ida');
    const p = await h.engine.plan(id, 'ida');
    return { w, id, p, key };
  }

  it('delivers a new key first and deletes the old one only once GitHub has seen the workload fetch with the new one; the workload never fails', async () => {
    const { w, id, p, key } = await setup('moves');
    const item = p.items.find((i) => i.kind === 'ssh-public-key')!;
    assert.deepEqual([item.tier, item.action], ['scheduled-rotation', 'rotate-then-revoke']);

    const s = await h.engine.contain(id, 'eddie');
    assert.deepEqual(s.byStatus, { 'verified-dead': 1 });
    assert.equal(key.deleted, true, 'the old key is gone');
    const fresh = lab.state.deployKeys.filter((k) => k.repo === 'moves' && !k.deleted);
    assert.deepEqual(fresh.map((k) => [k.title, k.readOnly, typeof k.lastUsed]), [[`deployer (rotated by sever ${key.id})`, true, 'string']]);
    assert.equal(w.publicKey(), fresh[0]!.key, 'the workload fetches with the new key');
    const ok = w.stats().ok;
    // A loaded machine may take a while for the next fetch: wait for it, up to 5 s.
    for (let t = 0; t < 50 && w.stats().ok <= ok; t++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(w.stats().ok > ok, 'the workload keeps working');
    assert.equal(w.stats().failed, 0, `no fetch ever failed: ${w.stats().lastError}`);

    // The order, as GitHub saw it: the new key added, then (after a fetch with it) the old key deleted.
    const added = lab.log.findIndex((x) => x.method === 'POST' && x.path === '/repos/acme/moves/keys');
    const deleted = lab.log.findIndex((x) => x.method === 'DELETE' && x.path === `/repos/acme/moves/keys/${key.id}`);
    assert.ok(added >= 0 && deleted > added, `added at ${added}, deleted at ${deleted}`);
    const [used, gone] = [fresh[0]!.firstUsedMs, key.deletedMs];
    assert.ok(used !== null && gone !== null && used < gone, `the workload fetched with the new key (${used}) before the old one was deleted (${gone})`);

    // And as the evidence records it.
    const entries = (await listLedger(h.conn.db, id)) as Array<{ seq: number; type: string; payload: any }>;
    const art = item.artifactId;
    const seqOf = (type: string, has: (p: any) => boolean) => entries.find((e) => e.type === type && has(e.payload))?.seq ?? -1;
    const rotated = seqOf('rotate.response', (x) => x.responses.some((r: any) => r.artifactId === art && r.status === 'rotated'));
    const adopted = seqOf('rotate.adoption', (x) => x.observations.some((o: any) => o.artifactId === art && o.adopted === true));
    const revoked = seqOf('revoke.response', (x) => x.responses.some((r: any) => r.artifactId === art));
    assert.ok(rotated >= 0 && rotated < adopted && adopted < revoked, `rotated ${rotated} < adopted ${adopted} < revoked ${revoked}`);
    assert.ok(!JSON.stringify(entries).includes('PRIVATE KEY'), 'no private key in the evidence');
  });

  it('a workload that never re-reads its key: the step fails at the adoption deadline and the old key stays; once it moves, containing again deletes it', async () => {
    const { w, id, p, key } = await setup('stuck');
    const art = p.items.find((i) => i.kind === 'ssh-public-key')!.artifactId;
    const s = await h.engine.contain(id, 'eddie');
    assert.equal(s.byStatus.failed, 1, JSON.stringify(s.byStatus));
    assert.equal(key.deleted, false, 'the old key was not deleted under the workload');
    assert.equal(w.stats().failed, 0, 'and the workload kept working on it');
    const entries = (await listLedger(h.conn.db, id)) as Array<{ type: string; payload: any }>;
    const err = entries.filter((e) => e.type === 'revoke.error').flatMap((e) => e.payload.errors).find((x: any) => x.artifactId === art);
    assert.equal(err?.error.code, 'ERR_ROTATION_NOT_ADOPTED');
    const observed = err.error.details.checks[0].observed;
    assert.deepEqual([observed.newKeyLastUsed, typeof observed.oldKeyLastUsed], [null, 'string'], 'the evidence shows the old key in use and the new one never');

    // The owners fix the deployer (it now re-reads its key file); containing again waits anew.
    await w.stop();
    const fixed = await startDeployKeyWorkload({ state: lab.state, repo: 'stuck', keyFile: keyFile('stuck'), everyMs: 30 });
    workloads.push(fixed);
    const again = await h.engine.contain(id, 'eddie');
    assert.equal(again.byStatus['verified-dead'], 1, JSON.stringify(again.byStatus));
    assert.equal(key.deleted, true);
    assert.equal(lab.log.filter((x) => x.method === 'POST' && x.path === '/repos/acme/stuck/keys').length, 1, 'the same rotated key, not a second one');
    assert.equal(fixed.stats().failed, 0);
    const later = (await listLedger(h.conn.db, id)) as Array<{ type: string; payload: any }>;
    assert.ok(later.some((e) => e.type === 'rotate.response' && e.payload.responses.some((r: any) => r.artifactId === art && r.status === 'already_rotated')), 'the second run found the rotation it had made');
  });
});
