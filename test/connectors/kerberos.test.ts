/**
 * The kerberos connector against a real MIT KDC (Debian krb5-kdc, krb5-admin-server, krb5-user) in
 * a private realm on loopback: the shared conformance suite, then the residue the issue asks to
 * show honestly: a TGT issued before the disable still obtains service tickets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLabKerberos, type LabKerberos } from '../../lab/kerberos/start.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { kerberosModule, kerberosSettings } from '../../src/connectors/kerberos/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { ArtifactHandle, DiscoveredArtifact } from '../../src/core/model.ts';
import { runConnectorConformance } from '../conformance/connector-conformance.ts';

const NAME = 'kerberos:lab';
let n = 0;
const fresh = () => `user${process.pid}x${++n}`;

function connectorFor(k: LabKerberos, o: { krb5Config?: string; realm?: string; kadminCommandBroken?: boolean } = {}): Connector {
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: async () => '' };
  const settings = kerberosSettings.parse({
    realm: o.realm ?? k.realm, krb5Config: o.krb5Config ?? k.krb5Config, kdcProfile: o.kadminCommandBroken ? '/nonexistent/kdc.conf' : k.kdcProfile,
    kadmin: 'local', kdcLog: k.kdcLog, timeoutMs: 5_000,
  });
  return kerberosModule.create(NAME, settings, deps);
}

const handle = (a: DiscoveredArtifact, secret?: string): ArtifactHandle => ({
  kind: a.kind, externalId: a.externalId, label: a.label, attributes: a.attributes ?? {}, revocable: a.revocable ?? true,
  ...(a.expiresAt ? { expiresAt: a.expiresAt } : {}), ...(secret ? { secret } : {}),
});

runConnectorConformance({
  name: NAME,
  async setup() {
    const k = await startLabKerberos();
    const connector = connectorFor(k);
    const uid = fresh();
    return {
      connector,
      subject: { id: uid, handle: uid },
      async makeArtifacts() {
        await k.addPrincipal(uid, 'phished-pw');
        const found = await connector.discover({ id: uid, handle: uid });
        return found.filter((a) => a.kind === 'directory-account').map((a) => handle(a, 'phished-pw'));
      },
      async makeNonRevocable() {
        if (!(await connector.discover({ id: uid, handle: uid })).length) await k.addPrincipal(uid, 'phished-pw');
        const r = await k.kinit(uid, 'phished-pw');
        assert.ok(r.ok);
        const tgt = (await connector.discover({ id: uid, handle: uid })).find((a) => a.kind === 'access-token');
        assert.ok(tgt, 'the issued TGT is discovered from the KDC log');
        return handle(tgt);
      },
      unreachable: () => connectorFor(k, { kadminCommandBroken: true }),
      badCredentials: () => connectorFor(k, { realm: 'OTHER.TEST' }),
      teardown: () => k.close(),
    };
  },
  skips: {
    'bad credentials give a non-retryable coded error':
      'the lab uses kadmin.local, which authenticates by file access on the KDC host: there is no credential to get wrong (remote kadmin with a keytab is supported, not exercised here)',
  },
});

describe('kerberos connector against a real KDC', () => {
  let k: LabKerberos;
  let c: Connector;
  before(async () => {
    k = await startLabKerberos();
    c = connectorFor(k);
    await k.addPrincipal('host/app.sever.test');
    await k.addPrincipal('host/db.sever.test');
  });
  after(() => k?.close());

  it('disables and re-keys the principal: a new kinit fails; an earlier TGT is residual exposure, cut only by a krbtgt rotation', async () => {
    const uid = fresh();
    await k.addPrincipal(uid, 'old-pw');
    const stolen = await k.kinit(uid, 'old-pw');
    assert.ok(stolen.ok, 'the attacker holds a TGT');
    const found = await c.discover({ id: uid, handle: uid });
    const account = found.find((a) => a.kind === 'directory-account')!;
    const tgt = found.find((a) => a.kind === 'access-token')!;
    assert.ok(account && tgt);
    assert.equal(tgt.revocable, false);
    assert.match(String(tgt.attributes?.collateral), /every ticket of every principal/);
    assert.ok(Date.parse(tgt.expiresAt!) > Date.now() + 9 * 3600_000, 'exposure window: the realm max_life (10 h)');

    assert.equal((await c.revoke(handle(account, 'old-pw'))).status, 'revoked');
    const obs = await c.verify(handle(account, 'old-pw'));
    assert.equal(obs.verdict, 'dead');
    assert.equal((await k.kinit(uid, 'old-pw')).ok, false, 'the real KDC refuses a new kinit');

    // The residue, observed for real: the stolen TGT still gets a service ticket, and verify says so.
    assert.equal(await k.serviceTicket(stolen.ccache, 'host/app.sever.test'), true);
    await assert.rejects(c.revoke(handle(tgt)), { code: 'ERR_NOT_REVOCABLE' });
    assert.equal((await c.verify(handle(tgt))).verdict, 'live');

    // The fallback, realm-wide: rotating krbtgt ends it (and every other ticket), and verify proves it.
    await k.kadmin(`cpw -randkey krbtgt/${k.realm}`);
    assert.equal(await k.serviceTicket(stolen.ccache, 'host/db.sever.test'), false, 'a new service ticket is refused (the cached one for app lives on: service tickets are residue too)');
    const after = await c.verify(handle(tgt));
    assert.equal(after.verdict, 'dead');
    // Only the rotation speaks: an end time not yet reached is no evidence either way, and is not reported as live.
    assert.deepEqual(after.checks.map((x) => [x.path, x.result]), [['kadmin:getprinc krbtgt (key version)', 'dead']]);
  });
});
