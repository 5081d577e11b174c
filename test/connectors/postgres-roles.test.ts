/**
 * The postgres-roles connector against a private PostgreSQL 15 with password authentication:
 * the shared conformance suite, then a service account with live connections.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
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

  it('disables the role and ends its live connections; the old password no longer logs in; another role is untouched', async () => {
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

    assert.equal((await c.revoke(login)).status, 'revoked');
    // NOLOGIN alone leaves the open connection alive (the residue): it still answers queries.
    assert.equal((await live.query('select 1 as x')).rows[0].x, 1);
    assert.equal((await c.verify(conn)).verdict, 'live');
    assert.equal((await c.revoke(conn)).status, 'revoked');
    await assert.rejects(live.query('select 1'), 'the terminated connection is gone');
    assert.equal((await c.verify(conn)).verdict, 'dead');
    const v = await c.verify(login);
    assert.equal(v.verdict, 'dead');
    assert.deepEqual(v.checks.map((x) => [x.path, x.result]), [['sql:pg_roles read-back', 'dead'], ['login:old-password', 'dead']]);
    assert.equal((await bystander.query('select 1 as x')).rows[0].x, 1, 'the other role keeps working');
    await bystander.end();
  });
});
