/**
 * The ssh-ca connector against a lab user CA and two real sshd hosts on loopback (Debian
 * openssh-server + openssh-client): the shared conformance suite, then KRL safety, login refusal
 * on every host and the end of sessions opened before the revocation.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startLabSsh, type LabHost, type LabSsh } from '../../lab/ssh/start.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { sshCaModule, sshCaSettings } from '../../src/connectors/ssh-ca/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { ArtifactHandle, DiscoveredArtifact } from '../../src/core/model.ts';
import { runConnectorConformance } from '../conformance/connector-conformance.ts';

const NAME = 'ssh-ca:lab';

function connectorFor(s: LabSsh, hosts: LabHost[], o: { issuanceLog?: string; krlDir?: string } = {}): Connector {
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: async () => '' };
  return sshCaModule.create(NAME, sshCaSettings.parse({
    issuanceLog: o.issuanceLog ?? s.issuanceLog, caPublicKey: s.caPublicKey, timeoutMs: 10_000,
    hosts: hosts.map((h) => ({ name: h.name, krlPath: o.krlDir ? `${o.krlDir}/revoked.krl` : h.krlPath, sshHost: '127.0.0.1', sshPort: h.port, knownHostsPath: h.knownHostsPath, sshdLog: h.logPath })),
  }), deps);
}

const handle = (a: DiscoveredArtifact): ArtifactHandle => ({
  kind: a.kind, externalId: a.externalId, label: a.label, attributes: a.attributes ?? {}, revocable: a.revocable ?? true, ...(a.expiresAt ? { expiresAt: a.expiresAt } : {}),
});

runConnectorConformance({
  name: NAME,
  async setup() {
    const s = await startLabSsh();
    const host = await s.startHost('web');
    const connector = connectorFor(s, [host]);
    return {
      connector,
      subject: { id: 'alice', handle: 'alice' },
      async makeArtifacts() {
        s.issue('alice');
        return (await connector.discover({ id: 'alice', handle: 'alice' })).map(handle);
      },
      // The CA host and the KRL store out of reach (an unmounted share, a host that is down).
      unreachable: () => connectorFor(s, [host], { issuanceLog: '/nonexistent/issued.jsonl', krlDir: '/nonexistent' }),
      badCredentials: () => connectorFor(s, [host]),
      teardown: () => s.close(),
    };
  },
  skips: {
    'a non-revocable artifact is refused with ERR_NOT_REVOCABLE': 'every certificate of the CA can be put in a KRL: no non-revocable kind',
    'bad credentials give a non-retryable coded error': 'the CA log, the KRLs and ssh-keygen are local files and tools: there is no credential to get wrong',
  },
});

describe('ssh-ca against real sshd hosts', () => {
  let s: LabSsh;
  let web: LabHost;
  let db: LabHost;
  let c: Connector;
  before(async () => {
    s = await startLabSsh();
    web = await s.startHost('web');
    db = await s.startHost('db');
    c = connectorFor(s, [web, db]);
  });
  after(() => s?.close());

  it('revokes on every host, keeps every KRL readable, refuses the login, ends open sessions, spares other certificates', async () => {
    const alice = s.issue('alice');
    const bob = s.issue('bob');
    assert.equal(web.login(alice), true);
    assert.equal(db.login(alice), true);
    const shell = await web.openSession(alice);
    const found = (await c.discover({ id: 'alice', handle: 'alice' })).map(handle);
    const a = found.find((x) => x.attributes.serial === alice.serial)!;
    assert.ok(a, 'alice\'s certificate is discovered from the issuance log');
    assert.equal((await c.verify(a)).verdict, 'live');

    const out = await c.revoke(a);
    assert.equal(out.status, 'revoked');
    assert.deepEqual((out.response.body as { hosts: Array<{ krl: string }> }).hosts.map((h) => h.krl), ['updated', 'updated']);
    assert.equal(web.login(alice), false, 'sshd refuses the revoked certificate');
    assert.equal(db.login(alice), false);
    assert.equal(web.login(bob), true, 'another certificate still logs in: the KRL stayed readable and selective');
    for (const h of [web, db]) execFileSync('ssh-keygen', ['-Q', '-l', '-f', h.krlPath]);
    await new Promise((r) => (shell.exitCode !== null ? r(null) : shell.once('exit', r)));
    assert.notEqual(shell.exitCode ?? shell.signalCode, null, 'the session opened before the revocation was ended');

    const v = await c.verify(a);
    assert.equal(v.verdict, 'dead');
    assert.deepEqual([...new Set(v.checks.map((x) => x.path))], ['krl:ssh-keygen -Q per host', 'sshd:certificate login per host', 'host:established sessions of the serial (sshd log + ss)']);
    assert.equal((await c.revoke(a)).status, 'already_revoked');
    assert.deepEqual((await c.discover({ id: 'alice', handle: 'alice' })).filter((x) => x.attributes?.serial === alice.serial), []);
  });

  it('concurrent revocations of several certificates lose none of them (KRL updates are serialized)', async () => {
    const certs = [s.issue('carol'), s.issue('carol'), s.issue('carol'), s.issue('carol')];
    const found = (await c.discover({ id: 'carol', handle: 'carol' })).map(handle);
    assert.equal(found.length, 4);
    const outcomes = await Promise.all(found.map((a) => c.revoke(a)));
    assert.deepEqual(outcomes.map((o) => o.status), ['revoked', 'revoked', 'revoked', 'revoked']);
    for (const cert of certs) assert.equal(web.login(cert), false, `certificate ${cert.serial} is refused`);
    for (const a of found) assert.equal((await c.verify(a)).verdict, 'dead');
  });
});
