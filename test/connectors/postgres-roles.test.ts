/**
 * The postgres-roles connector against a private PostgreSQL 15 with password authentication:
 * the shared conformance suite, then a service account with live connections.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startWorkload } from '../../lab/postgres/workload.ts';
import { startLabPostgres, type LabPostgres } from '../../lab/postgres/start.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { postgresRolesModule, postgresRolesSettings } from '../../src/connectors/postgres-roles/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { ArtifactHandle, DiscoveredArtifact } from '../../src/core/model.ts';
import { runConnectorConformance } from '../conformance/connector-conformance.ts';

const NAME = 'postgres-roles:lab';
let n = 0;
const fresh = () => `svc_${process.pid}_${++n}`;

function connectorFor(l: LabPostgres, adminUrl = l.adminUrl): Connector {
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: async () => adminUrl };
  return postgresRolesModule.create(NAME, postgresRolesSettings.parse({ adminUrlRef: 'env:DB_ADMIN', timeoutMs: 3_000 }), deps);
}

const handle = (a: DiscoveredArtifact, secret?: string): ArtifactHandle => ({
  kind: a.kind, externalId: a.externalId, label: a.label, attributes: a.attributes ?? {}, revocable: a.revocable ?? true, ...(secret ? { secret } : {}),
});

async function connectAs(l: LabPostgres, role: string, password: string, app: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: l.url(role, password), application_name: app });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

runConnectorConformance({
  name: NAME,
  async setup() {
    const l = await startLabPostgres();
    const connector = connectorFor(l);
    const role = fresh();
    const open: pg.Client[] = [];
    return {
      connector,
      subject: { id: role, handle: role },
      async makeArtifacts() {
        const a = await l.admin();
        await a.query(`drop role if exists ${role}`).catch(() => undefined);
        await a.query(`create role ${role} login password 'leaked-pw'`);
        await a.end();
        open.push(await connectAs(l, role, 'leaked-pw', 'billing-worker'));
        const found = await connector.discover({ id: role, handle: role });
        return found.map((x) => handle(x, x.kind === 'service-account-binding' ? 'leaked-pw' : undefined));
      },
      unreachable: () => connectorFor(l, `postgres://postgres:x@127.0.0.1:1/postgres`),
      badCredentials: () => connectorFor(l, l.adminUrl.replace(/:[^:@/]+@/, ':wrong-password@')),
      async teardown() {
        for (const c of open) await c.end().catch(() => undefined);
        await l.close();
      },
    };
  },
  skips: { 'a non-revocable artifact is refused with ERR_NOT_REVOCABLE': 'a role\'s login and its connections can always be ended: no non-revocable kind' },
});

describe('postgres-roles against a real PostgreSQL', () => {
  let l: LabPostgres;
  let c: Connector;
  before(async () => {
    l = await startLabPostgres();
    c = connectorFor(l);
  });
  after(() => l?.close());

  it('disables the role and ends every live connection, also one opened after discovery; the old password no longer logs in; another role is untouched', async () => {
    const [svc, other] = [fresh(), fresh()];
    const a = await l.admin();
    await a.query(`create role ${svc} login password 'old-pw'`);
    await a.query(`create role ${other} login password 'other-pw'`);
    await a.end();
    const live = await connectAs(l, svc, 'old-pw', 'billing-worker');
    const bystander = await connectAs(l, other, 'other-pw', 'reports');
    const found = await c.discover({ id: svc, handle: svc });
    assert.deepEqual(found.map((x) => x.kind).sort(), ['app-session', 'service-account-binding']);
    const login = handle(found.find((x) => x.kind === 'service-account-binding')!, 'old-pw');
    const conn = handle(found.find((x) => x.kind === 'app-session')!);
    assert.equal(conn.attributes.applicationName, 'billing-worker');

    // The attacker reconnects after discovery: a connection no artifact describes.
    const late = await connectAs(l, svc, 'old-pw', 'psql');
    assert.equal((await c.verify(conn)).verdict, 'live');
    const out = await c.revoke(login);
    assert.equal(out.status, 'revoked');
    // NOLOGIN alone would leave open connections alive (the residue): the revoke ends them all.
    assert.equal((out.response.body as { backendsTerminated: number }).backendsTerminated, 2);
    await assert.rejects(live.query('select 1'), 'the discovered connection is gone');
    await assert.rejects(late.query('select 1'), 'the connection opened after discovery is gone too');
    assert.equal((await c.verify(conn)).verdict, 'dead');
    assert.equal((await c.revoke(conn)).status, 'already_revoked');
    const v = await c.verify(login);
    assert.equal(v.verdict, 'dead');
    assert.deepEqual(v.checks.map((x) => [x.path, x.result]), [['sql:pg_roles read-back', 'dead'], ['login:old-password', 'dead'], ['sql:pg_stat_activity read-back', 'dead']]);
    assert.equal((await c.revoke(login)).status, 'already_revoked');
    assert.equal((await bystander.query('select 1 as x')).rows[0].x, 1, 'the other role keeps working');
    await bystander.end();
  });
});

describe('postgres-roles rotate-then-revoke against a real PostgreSQL and a workload', () => {
  let l: LabPostgres;
  let dir: string;
  before(async () => {
    l = await startLabPostgres();
    dir = mkdtempSync(join(tmpdir(), 'sever-pg-rotate-'));
  });
  after(async () => {
    await l?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rotating = (file: string) => {
    const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: async () => l.adminUrl };
    return postgresRolesModule.create(NAME, postgresRolesSettings.parse({ adminUrlRef: 'env:DB_ADMIN', timeoutMs: 3_000, rotation: { deliverTo: `file:${file}` } }), deps);
  };
  async function serviceAccount(): Promise<{ svc: string; file: string }> {
    const svc = fresh();
    const a = await l.admin();
    await a.query(`create role ${svc} login password 'old-pw'`);
    // The workload's data belongs to the old role: the rotated role must still reach it.
    await a.query(`create table ${svc}_invoices (id int)`);
    await a.query(`alter table ${svc}_invoices owner to ${svc}`);
    await a.end();
    const file = join(dir, `${svc}.url`);
    writeFileSync(file, `${l.url(svc, 'old-pw')}\n`, { mode: 0o600 });
    return { svc, file };
  }

  it('issues a new role to the workload, sees it adopted, then kills the old login; the workload never stops and keeps its privileges', async () => {
    const { svc, file } = await serviceAccount();
    const c = rotating(file);
    const w = await startWorkload({ credentialFile: file, applicationName: 'billing-worker', query: `insert into ${svc}_invoices values (1)`, everyMs: 50 });
    try {
      const found = await c.discover({ id: svc, handle: svc });
      const login = handle(found.find((x) => x.kind === 'service-account-binding')!, 'old-pw');
      assert.equal(login.attributes.rotatable, true, 'a configured delivery makes the login rotatable');
      const before = await c.adoption!(login);
      assert.deepEqual([before.adopted, before.checks[0]!.observed.newRole], [false, null]);

      const r = await c.rotate!(login);
      assert.equal(r.status, 'rotated');
      const newRole = (r.response.body as { newRole: string }).newRole;
      assert.equal(newRole, `${svc}_r1`);
      assert.ok(!JSON.stringify(r).includes(readFileSync(file, 'utf8').trim().split(':')[2]!.split('@')[0]!), 'the new password is not in the outcome');
      assert.equal(statSync(file).mode & 0o777, 0o600, 'the delivered secret is readable by its owner only');
      assert.equal((await c.rotate!(login)).status, 'already_rotated', 'a second call issues nothing new');

      await w.waitForRole(newRole, 10_000);
      const adopted = await c.adoption!(login);
      assert.equal(adopted.adopted, true, JSON.stringify(adopted));
      assert.deepEqual(adopted.checks[0]!.observed.applications, ['billing-worker']);
      assert.equal((await c.verify(login)).verdict, 'live', 'the old login still works until it is revoked');

      assert.equal((await c.revoke(login)).status, 'revoked');
      assert.equal((await c.verify(login)).verdict, 'dead');
      const okBefore = w.stats().ok;
      await new Promise((r) => setTimeout(r, 300));
      const s = w.stats();
      assert.ok(s.ok > okBefore, `the workload keeps writing as the new role: ${JSON.stringify(s)}`);
      assert.equal(s.failed, 0, `the workload never failed a query: ${JSON.stringify(s)}`);
      const a = await l.admin();
      const owner = await a.query(`select count(*)::int as n from ${svc}_invoices`);
      assert.ok(owner.rows[0].n > 0);
      await a.end();
      const asNew = new pg.Client({ connectionString: readFileSync(file, 'utf8').trim() });
      await asNew.connect();
      assert.equal((await asNew.query('select current_user as u')).rows[0].u, svc, 'the new login acts as the old role (SET ROLE): ownership and privileges unchanged');
      await asNew.end();
    } finally {
      await w.stop();
    }
  });

  it('a workload that never re-reads its secret is not adopted, and the old login is left alone', async () => {
    const { svc, file } = await serviceAccount();
    const c = rotating(file);
    const w = await startWorkload({ credentialFile: file, applicationName: 'legacy-batch', query: 'select 1', everyMs: 50, rereads: false });
    try {
      const login = handle((await c.discover({ id: svc, handle: svc })).find((x) => x.kind === 'service-account-binding')!, 'old-pw');
      await c.rotate!(login);
      await new Promise((r) => setTimeout(r, 300));
      const o = await c.adoption!(login);
      assert.equal(o.adopted, false);
      assert.equal(o.checks[0]!.observed.oldRoleBackends, 1, 'the workload is still on the old role');
      assert.equal(w.role(), svc);
    } finally {
      await w.stop();
    }
  });

  it('a rotation whose delivery was lost gets a new password delivered; a later compromise of the new role rotates to the next one', async () => {
    const { svc, file } = await serviceAccount();
    const c = rotating(file);
    const login = handle((await c.discover({ id: svc, handle: svc })).find((x) => x.kind === 'service-account-binding')!, 'old-pw');
    await c.rotate!(login);
    // The process died after creating the role, before the file was replaced.
    writeFileSync(file, `${l.url(svc, 'old-pw')}\n`);
    const again = await c.rotate!(login);
    assert.deepEqual([again.status, (again.response.body as { passwordReset?: boolean }).passwordReset], ['rotated', true]);
    const url = readFileSync(file, 'utf8').trim();
    assert.equal(decodeURIComponent(new URL(url).username), `${svc}_r1`);
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    await probe.end();

    const next = rotating(join(dir, `${svc}-r1.url`));
    const r1 = handle((await next.discover({ id: `${svc}_r1`, handle: `${svc}_r1` })).find((x) => x.kind === 'service-account-binding')!);
    assert.equal(((await next.rotate!(r1)).response.body as { newRole: string }).newRole, `${svc}_r2`);
  });

  it('without a delivery configured the login is not rotatable and rotate is refused with a coded error', async () => {
    const { svc } = await serviceAccount();
    const c = connectorFor(l);
    const login = handle((await c.discover({ id: svc, handle: svc })).find((x) => x.kind === 'service-account-binding')!);
    assert.equal(login.attributes.rotatable, undefined);
    await assert.rejects(c.rotate!(login), { code: 'ERR_CONNECTOR_CONFIG' });
    assert.throws(() => postgresRolesSettings.parse({ adminUrlRef: 'env:X', rotation: { deliverTo: 'vault:secret/x' } }), /file:\/absolute\/path/);
  });
});
