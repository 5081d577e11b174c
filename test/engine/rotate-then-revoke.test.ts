/**
 * rotate-then-revoke through the engine, on a real PostgreSQL with a real dependent workload: the
 * plan offers it for a service account's login, the engine issues the new credential, waits until
 * the workload is seen using it, and only then revokes the old login; a workload that never moves
 * leaves the old login live and the closure gate says so.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startLabPostgres, type LabPostgres } from '../../lab/postgres/start.ts';
import { startWorkload, type Workload } from '../../lab/postgres/workload.ts';
import type { Connector } from '../../src/connectors/contract.ts';
import { postgresRolesModule, postgresRolesSettings } from '../../src/connectors/postgres-roles/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { listLedger } from '../../src/store/repo.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

describe('rotate-then-revoke through the engine (PGlite store, real PostgreSQL)', () => {
  let l: LabPostgres;
  let dir: string;
  const open: Array<{ h: Harness; w: Workload }> = [];
  before(async () => {
    l = await startLabPostgres();
    dir = mkdtempSync(join(tmpdir(), 'sever-rtr-'));
  });
  after(async () => {
    for (const { h, w } of open) {
      await w.stop();
      await h.close();
    }
    await l?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function setup(role: string, rereads: boolean, adoptionDeadlineMs: number) {
    const a = await l.admin();
    await a.query(`create role ${role} login password 'old-pw'`);
    await a.end();
    const file = join(dir, `${role}.url`);
    writeFileSync(file, `${l.url(role, 'old-pw')}\n`, { mode: 0o600 });
    const base = postgresRolesModule.create('postgres-roles:lab', postgresRolesSettings.parse({ adminUrlRef: 'env:X', rotation: { deliverTo: `file:${file}` } }), {
      clock: systemClock, fetch: globalThis.fetch, resolveSecret: async () => l.adminUrl,
    });
    const connector: Connector = { ...base, manifest: { ...base.manifest, adoptionPolicy: { pollIntervalMs: 100, deadlineMs: adoptionDeadlineMs } } };
    const h = await startHarness('pglite', [connector], systemClock);
    const w = await startWorkload({ credentialFile: file, applicationName: 'billing-worker', query: 'select 1', everyMs: 50, rereads });
    open.push({ h, w });
    const id = await h.engine.openIncident({ subject: { type: 'service-account', handle: role, identifiers: { 'postgres-roles:lab': role } }, actor: 'ida' });
    await h.engine.discover(id, 'ida');
    // The leaked password, as the responder has it: its death is then proved by a refused login (replay).
    const binding = (await h.engine.show(id)).artifacts.find((x) => x.kind === 'service-account-binding')!;
    await h.engine.amendArtifact(id, { artifactId: binding.id, value: 'old-pw', actor: 'ida' });
    const p = await h.engine.plan(id, 'ida');
    return { h, w, id, p };
  }

  const oldLoginWorks = async (role: string) => {
    const c = new pg.Client({ connectionString: l.url(role, 'old-pw') });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      return false;
    }
  };

  it('moves the workload to a new role first, then kills the old login; the evidence shows the order', async () => {
    const role = `svc_rtr_${process.pid}`;
    const { h, w, id, p } = await setup(role, true, 20_000);
    const binding = p.items.find((i) => i.kind === 'service-account-binding')!;
    assert.deepEqual([binding.tier, binding.action], ['scheduled-rotation', 'rotate-then-revoke']);
    assert.equal(p.items.find((i) => i.kind === 'app-session')!.action, 'revoke', 'the live connection is still cut at once');

    const s = await h.engine.contain(id, 'eddie');
    assert.deepEqual(s.byStatus, { 'verified-dead': 2 });
    assert.equal(w.role(), `${role}_r1`, 'the workload runs on the new role');
    assert.equal(await oldLoginWorks(role), false, 'the old password is dead');
    const ok = w.stats().ok;
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(w.stats().ok > ok, 'the workload keeps working');

    const entries = (await listLedger(h.conn.db, id)) as Array<{ seq: number; type: string; payload: any }>;
    const art = binding.artifactId;
    const seqOf = (type: string, has: (p: any) => boolean) => entries.find((e) => e.type === type && has(e.payload))?.seq ?? -1;
    const rotated = seqOf('rotate.response', (x) => x.responses.some((r: any) => r.artifactId === art && r.status === 'rotated'));
    const adopted = seqOf('rotate.adoption', (x) => x.observations.some((o: any) => o.artifactId === art && o.adopted === true));
    const revoked = seqOf('revoke.response', (x) => x.responses.some((r: any) => r.artifactId === art));
    assert.ok(rotated >= 0 && rotated < adopted && adopted < revoked, `rotated ${rotated} < adopted ${adopted} < revoked ${revoked}`);
    assert.ok(!JSON.stringify(entries).includes('old-pw'), 'no password in the evidence');
  });

  it('a workload that never moves: the step fails at the adoption deadline, the old login stays live, and the gate says so', async () => {
    const role = `svc_stuck_${process.pid}`;
    const { h, w, id, p } = await setup(role, false, 1_500);
    const binding = p.items.find((i) => i.kind === 'service-account-binding')!.artifactId;
    const s = await h.engine.contain(id, 'eddie');
    assert.equal(s.byStatus.failed, 1, JSON.stringify(s.byStatus));
    assert.equal(await oldLoginWorks(role), true, 'the old login was not killed under the workload');
    const entries = (await listLedger(h.conn.db, id)) as Array<{ type: string; payload: any }>;
    const err = entries.filter((e) => e.type === 'revoke.error').flatMap((e) => e.payload.errors).find((x: any) => x.artifactId === binding);
    assert.equal(err?.error.code, 'ERR_ROTATION_NOT_ADOPTED');
    assert.equal(err.error.details.checks[0].observed.oldRoleBackends >= 1, true, 'the evidence shows the workload still on the old role');
    const v = await h.engine.show(id);
    const item = v.gate.missing.find((m) => m.code === 'REVOKE_FAILED' && (m as { artifactId?: string }).artifactId === binding);
    assert.match(item?.message ?? '', /revocation failed permanently \(ERR_ROTATION_NOT_ADOPTED: .*not seen using the new credential/, JSON.stringify(v.gate.missing));
    assert.equal(w.role(), role);

    // The owning team fixes the workload (it now re-reads its secret); containing again waits anew.
    await w.stop();
    const fixed = await startWorkload({ credentialFile: join(dir, `${role}.url`), applicationName: 'billing-worker', query: 'select 1', everyMs: 50 });
    open.push({ h: { close: async () => undefined } as unknown as Harness, w: fixed });
    const again = await h.engine.contain(id, 'eddie');
    assert.equal(again.byStatus['verified-dead'], 2, JSON.stringify(again.byStatus));
    assert.equal(fixed.role(), `${role}_r1`, 'the same rotated role, not a second one');
    assert.equal(await oldLoginWorks(role), false);
    const later = (await listLedger(h.conn.db, id)) as Array<{ type: string; payload: any }>;
    assert.ok(later.some((e) => e.type === 'rotate.response' && e.payload.responses.some((r: any) => r.artifactId === binding && r.status === 'already_rotated')), 'the second run found the rotation it had made');
  });
});
