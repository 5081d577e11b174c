/**
 * The ldap connector against a real OpenLDAP slapd (Debian slapd + ldap-utils) on loopback:
 * the shared conformance suite, then its specific behaviours.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLabLdap, type LabLdap } from '../../lab/ldap/start.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { ldapModule, ldapSettings } from '../../src/connectors/ldap/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { ArtifactHandle } from '../../src/core/model.ts';
import { runConnectorConformance } from '../conformance/connector-conformance.ts';

const NAME = 'ldap:lab';
let n = 0;
const freshUid = () => `user${process.pid}x${++n}`;

function connectorFor(l: LabLdap, o: { url?: string; password?: string } = {}): Connector {
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: async () => o.password ?? l.adminPassword };
  return ldapModule.create(NAME, ldapSettings.parse({ url: o.url ?? l.url, bindDn: l.adminDn, bindPasswordRef: 'env:LDAP_ADMIN', base: l.peopleDn, timeoutMs: 2_000 }), deps);
}

/** The account as discovery finds it, plus the compromised password as `add-artifact --value-file` would hold it. */
async function account(c: Connector, uid: string, password: string): Promise<ArtifactHandle> {
  const [a] = await c.discover({ id: uid, handle: uid });
  assert.ok(a, `discovered ${uid}`);
  return { kind: a.kind, externalId: a.externalId, label: a.label, attributes: a.attributes ?? {}, revocable: true, secret: password };
}

runConnectorConformance({
  name: NAME,
  async setup() {
    const l = await startLabLdap();
    const connector = connectorFor(l);
    const uid = freshUid();
    return {
      connector,
      subject: { id: uid, handle: uid },
      async makeArtifacts() {
        await l.addUser(uid, 'phished-password');
        return [await account(connector, uid, 'phished-password')];
      },
      unreachable: () => connectorFor(l, { url: 'ldap://127.0.0.1:1' }),
      badCredentials: () => connectorFor(l, { password: 'wrong' }),
      teardown: () => l.close(),
    };
  },
  skips: { 'a non-revocable artifact is refused with ERR_NOT_REVOCABLE': 'every directory account can be locked and reset: the connector has no non-revocable kind' },
});

describe('ldap connector against a real slapd', () => {
  let l: LabLdap;
  let c: Connector;
  before(async () => {
    l = await startLabLdap();
    c = connectorFor(l);
  });
  after(() => l?.close());

  it('locks and resets only the subject: the old password no longer binds, another user still does', async () => {
    const [alice, bob] = [freshUid(), freshUid()];
    await l.addUser(alice, 'alice-old');
    await l.addUser(bob, 'bob-pw');
    const a = await account(c, alice, 'alice-old');
    assert.equal((await c.verify(a)).verdict, 'live');
    assert.equal((await c.revoke(a)).status, 'revoked');
    assert.equal(await l.canBind(alice, 'alice-old'), false, 'the real directory refuses the old password');
    assert.equal(await l.canBind(bob, 'bob-pw'), true, 'bob is untouched');
    const obs = await c.verify(a);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((x) => [x.path, x.result]), [['ldap-read:entry', 'dead'], ['ldap-bind:old-password', 'dead']]);
    assert.deepEqual(await c.discover({ id: alice, handle: alice }), [], 'a locked account is no longer a live artifact');
  });

  it('without the old password, the read-back alone decides; a lock without a reset is not enough', async () => {
    const uid = freshUid();
    await l.addUser(uid, 'pw-1');
    const a = await account(c, uid, 'pw-1');
    const { secret: _drop, ...noSecret } = a;
    assert.deepEqual((await c.verify(noSecret)).checks.map((x) => x.path), ['ldap-read:entry']);
    assert.equal((await c.verify(noSecret)).verdict, 'live');
    // Someone re-adds the entry with the same password (unlocked): still live.
    await l.addUser(uid, 'pw-1');
    assert.equal((await c.verify(noSecret)).verdict, 'live');
  });

  it('unknown subjects are not an error; an unreachable directory is retryable', async () => {
    assert.deepEqual(await c.discover({ id: 'nobody-here', handle: 'nobody' }), []);
    await assert.rejects(connectorFor(l, { url: 'ldap://127.0.0.1:1' }).discover({ id: 'x', handle: 'x' }), (e: { code?: string; retryable?: boolean }) => e.code === 'ERR_PROVIDER_UNAVAILABLE' && e.retryable === true);
  });
});
