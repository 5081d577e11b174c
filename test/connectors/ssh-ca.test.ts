/**
 * The ssh-ca connector against a lab user CA and real sshd hosts on loopback (Debian
 * openssh-server + openssh-client): the shared conformance suite, then revocation on every host
 * with KRLs that stay readable, refused logins, sessions (and what they left running) ended, a
 * KRL that sshd does not enforce never passing as dead, the key residue, and coded errors.
 */
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../lab/net.ts';
import { startLabSsh, type IssuedCert, type LabHost, type LabSsh } from '../../lab/ssh/start.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { sshCaModule, sshCaSettings } from '../../src/connectors/ssh-ca/index.ts';
import { firstLost, parseKrlDump } from '../../src/connectors/ssh-ca/krl.ts';
import { KRL_QUERY, LOGIN, SESSIONS } from '../../src/connectors/ssh-ca/manifest.ts';
import type { HostRevocation } from '../../src/connectors/ssh-ca/revoke.ts';
import { connectionsOf, sessionTargets } from '../../src/connectors/ssh-ca/sessions.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { ArtifactHandle } from '../../src/core/model.ts';
import { assertCoded, rejection, runConnectorConformance, toHandle } from '../conformance/connector-conformance.ts';

const NAME = 'ssh-ca:lab';
const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: async () => '' };

type HostSetting = { name: string; krlPath: string; sshHost?: string; sshPort: number; knownHostsPath?: string; sshdLog?: string };
const hostSetting = (h: LabHost): HostSetting => ({ name: h.name, krlPath: h.krlPath, sshHost: '127.0.0.1', sshPort: h.port, knownHostsPath: h.knownHostsPath, sshdLog: h.logPath });

function connectorFor(s: LabSsh, hosts: HostSetting[], o: { issuanceLog?: string; privateKeys?: boolean; revokeKey?: boolean } = {}): Connector {
  return sshCaModule.create(NAME, sshCaSettings.parse({
    issuanceLog: o.issuanceLog ?? s.issuanceLog, caPublicKey: s.caPublicKey, hosts, timeoutMs: 10_000,
    ...(o.revokeKey === undefined ? {} : { revokeKey: o.revokeKey }),
    loginProbe: o.privateKeys === false ? {} : { privateKeyPath: s.privateKeyPath },
  }), deps);
}

async function handleOf(c: Connector, subject: string, cert: IssuedCert): Promise<ArtifactHandle> {
  const found = await c.discover({ id: subject, handle: subject });
  const d = found.find((x) => x.attributes?.serial === cert.serial);
  assert.ok(d, `certificate ${cert.keyId} is discovered (found ${found.map((x) => x.externalId).join(', ') || 'nothing'})`);
  return toHandle(d, subject);
}


/** PIDs of processes whose command line is exactly `cmdline`. */
function processesWith(cmdline: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() === cmdline) out.push(Number(pid));
    } catch {
      // gone
    }
  }
  return out;
}

/** The backgrounded command execs after the shell echoes READY: wait until it shows up. */
async function processesWithin(cmdline: string, ms: number): Promise<number[]> {
  const until = Date.now() + ms;
  for (;;) {
    const found = processesWith(cmdline);
    if (found.length || Date.now() > until) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const exited = (p: ChildProcess, ms: number) =>
  p.exitCode !== null || p.signalCode !== null ? Promise.resolve(true)
    : new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      p.once('exit', () => (clearTimeout(t), resolve(true)));
    });

runConnectorConformance({
  name: NAME,
  async setup() {
    const s = await startLabSsh();
    const host = await s.startHost('web');
    const connector = connectorFor(s, [hostSetting(host)]);
    const closed = await freePort();
    return {
      connector,
      subject: { id: 'alice', handle: 'alice' },
      async makeArtifacts() {
        s.issue('alice');
        return (await connector.discover({ id: 'alice', handle: 'alice' })).map((d) => toHandle(d, 'alice'));
      },
      // The CA's share unmounted, the host's KRL folder gone, nothing listening where sshd was.
      unreachable: () => connectorFor(s, [{ name: 'web', krlPath: '/nonexistent/revoked.krl', sshPort: closed, knownHostsPath: host.knownHostsPath }], { issuanceLog: '/nonexistent/issued.jsonl' }),
      badCredentials: () => connectorFor(s, [hostSetting(host)]),
      teardown: () => s.close(),
    };
  },
  skips: {
    'a non-revocable artifact is refused with ERR_NOT_REVOCABLE': 'every certificate of the CA can be put in a KRL (serial-0 ones by key): no non-revocable kind',
    'bad credentials give a non-retryable coded error': 'the connector holds no credential: it reads the issuance log, writes KRL files and offers the subject\'s own certificate to sshd; a host key that does not match known_hosts (the nearest thing) is tested below',
  },
});

describe('ssh-ca against real sshd hosts', () => {
  let s: LabSsh;
  let web: LabHost;
  let db: LabHost;
  let c: Connector;
  let scratch: string;
  const marker = `600.${process.pid}${Date.now() % 1000}`;
  before(async () => {
    s = await startLabSsh();
    [web, db] = await Promise.all([s.startHost('web'), s.startHost('db')]);
    c = connectorFor(s, [hostSetting(web), hostSetting(db)]);
    scratch = mkdtempSync(join(tmpdir(), 'sever-ssh-test-'));
  });
  after(async () => {
    for (const pid of processesWith(`sleep ${marker}`)) process.kill(pid, 'SIGKILL');
    await s?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('revokes on every host: logins refused, every KRL readable and selective, the open session and what it left running ended', async () => {
    const alice = s.issue('alice');
    const bob = s.issue('bob');
    assert.equal(web.login(alice), true, 'alice logs in before');
    assert.equal(db.login(alice), true);
    const shell = await web.openSession(alice, `nohup sleep ${marker} >/dev/null 2>&1 &`);
    assert.equal((await processesWithin(`sleep ${marker}`, 5_000)).length, 1, 'the session left a background process running');
    const a = await handleOf(c, 'alice', alice);
    assert.equal(a.externalId, `serial:${alice.serial}:${alice.keyId}`);
    assert.equal(a.expiresAt, alice.validBefore);
    const before = await c.verify(a);
    assert.equal(before.verdict, 'live');
    assert.ok(before.checks.some((x) => x.path === SESSIONS && x.result === 'live'), 'verify sees the open session');

    const out = await c.revoke(a);
    assert.equal(out.status, 'revoked');
    const hosts = (out.response.body as { hosts: HostRevocation[] }).hosts;
    assert.deepEqual(hosts.map((h) => [h.host, h.krl, h.added.join(',')]), [['web', 'updated', 'serial,id,hash'], ['db', 'updated', 'serial,id,hash']]);
    assert.deepEqual(hosts[0]!.sessionsEnded, { connections: 1, userProcesses: 2 }, 'the shell and its background process');
    assert.deepEqual(hosts[1]!.sessionsEnded, { connections: 0, userProcesses: 0 });

    assert.equal(web.login(alice), false, 'sshd refuses the revoked certificate');
    assert.equal(db.login(alice), false);
    assert.match(readFileSync(web.logPath, 'utf8'), new RegExp(`revoked by file ${web.krlPath}`), 'sshd itself says why');
    assert.equal(web.login(bob), true, 'another certificate still logs in: the KRL stayed readable and selective');
    assert.equal(db.login(bob), true);
    for (const h of [web, db]) parseKrlDump(execFileSync('ssh-keygen', ['-Q', '-l', '-f', h.krlPath]).toString());
    assert.equal(await exited(shell, 5_000), true, 'the session opened before the revocation was ended');
    assert.deepEqual(processesWith(`sleep ${marker}`), [], 'the process it left in the background was ended too');

    const v = await c.verify(a);
    assert.equal(v.verdict, 'dead', JSON.stringify(v.checks));
    assert.deepEqual(v.checks.map((x) => [x.path, x.observed.host, x.result]), [
      [KRL_QUERY, 'web', 'dead'], [LOGIN, 'web', 'dead'], [SESSIONS, 'web', 'dead'], [KRL_QUERY, 'db', 'dead'], [LOGIN, 'db', 'dead'], [SESSIONS, 'db', 'dead'],
    ]);
    assert.ok(v.checks.filter((x) => x.path === LOGIN).every((x) => x.observed.mode === 'login' && x.observed.user === 'root'));
    assert.equal((await c.revoke(a)).status, 'already_revoked');
    assert.deepEqual((await c.discover({ id: 'alice', handle: 'alice' })).filter((x) => x.attributes?.serial === alice.serial), [], 'no longer discovered');
  });

  it('without the private key, sshd\'s answer to the offered certificate gives the same verdicts', async () => {
    const noKeys = connectorFor(s, [hostSetting(web), hostSetting(db)], { privateKeys: false });
    const hana = s.issue('hana');
    const a = await handleOf(noKeys, 'hana', hana);
    const live = await noKeys.verify(a);
    assert.equal(live.verdict, 'live');
    assert.ok(live.checks.filter((x) => x.path === LOGIN).every((x) => x.observed.mode === 'key-query' && x.observed.sshd === 'accepted'));
    await noKeys.revoke(a);
    const dead = await noKeys.verify(a);
    assert.equal(dead.verdict, 'dead');
    assert.ok(dead.checks.filter((x) => x.path === LOGIN).every((x) => x.observed.sshd === 'Permission denied (publickey)'));
  });

  it('a KRL file that sshd does not read never verifies dead: the login still works', async () => {
    const decoy = join(scratch, 'decoy.krl');
    copyFileSync(web.krlPath, decoy);
    const wrong = connectorFor(s, [{ ...hostSetting(web), krlPath: decoy }]);
    const gina = s.issue('gina');
    const a = await handleOf(wrong, 'gina', gina);
    assert.equal((await wrong.revoke(a)).status, 'revoked');
    const v = await wrong.verify(a);
    assert.equal(v.verdict, 'live', 'the file says revoked, sshd still lets it in');
    assert.deepEqual(v.checks.map((x) => [x.path, x.result]), [[KRL_QUERY, 'dead'], [LOGIN, 'live'], [SESSIONS, 'dead']]);
    assert.equal(web.login(gina), true);
  });

  it('residue: revoking by serial leaves the key, a certificate issued again for it logs in; revokeKey closes that', async () => {
    const bySerial = connectorFor(s, [hostSetting(web), hostSetting(db)], { revokeKey: false });
    const first = s.issue('dave');
    const out = await bySerial.revoke(await handleOf(bySerial, 'dave', first));
    assert.deepEqual((out.response.body as { hosts: HostRevocation[] }).hosts.map((h) => h.added.join(',')), ['serial,id', 'serial,id']);
    const again = s.issue('dave', { sameKeyAs: first });
    assert.equal(web.login(first), false);
    assert.equal(web.login(again), true, 'same key, new serial: not revoked');

    const a = await handleOf(c, 'dave', again);
    await c.revoke(a);
    const third = s.issue('dave', { sameKeyAs: first });
    assert.equal(web.login(third), false, 'with the key in the KRL, every certificate on it is refused');
    assert.equal(db.login(third), false);
    assert.deepEqual(await c.discover({ id: 'dave', handle: 'dave' }), [], 'dead on every host, so not discovered');
  });

  it('a key id shared with another subject is not revoked by id', async () => {
    const erin = s.issue('erin', { keyId: 'ops-shared' });
    const frank = s.issue('frank', { keyId: 'ops-shared' });
    const a = await handleOf(c, 'erin', erin);
    assert.equal(a.attributes.keyIdShared, true);
    const out = await c.revoke(a);
    assert.deepEqual((out.response.body as { hosts: HostRevocation[] }).hosts.map((h) => h.added.join(',')), ['serial,hash', 'serial,hash']);
    assert.equal(web.login(erin), false);
    assert.equal(web.login(frank), true, 'frank\'s certificate with the same key id still works');
  });

  it('expired certificates are not discovered; a certificate for any user needs loginProbe.user', async () => {
    const old = s.issue('lena', { validity: '-2h:-1h' });
    const any = s.issue('lena', { principals: [] });
    const found = await c.discover({ id: 'lena', handle: 'lena' });
    assert.deepEqual(found.map((x) => x.attributes?.serial), [any.serial], `expired serial ${old.serial} left out`);
    assertCoded(await rejection(c.verify(toHandle(found[0]!, 'lena'))), { code: 'ERR_CONNECTOR_CONFIG', retryable: false });
    const asRoot = sshCaModule.create(NAME, sshCaSettings.parse({ issuanceLog: s.issuanceLog, caPublicKey: s.caPublicKey, hosts: [hostSetting(web)], loginProbe: { user: 'root', privateKeyPath: s.privateKeyPath } }), deps);
    assert.equal((await asRoot.verify(toHandle(found[0]!, 'lena'))).verdict, 'live', 'a certificate without principals logs in as anyone');
  });

  it('a certificate of another CA is not taken as revoked: the checked copy is refused and the KRL left as it was', async () => {
    const other = join(scratch, 'other-ca');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-f', other, '-N', '']);
    const wrongCa = sshCaModule.create(NAME, sshCaSettings.parse({ issuanceLog: s.issuanceLog, caPublicKey: `${other}.pub`, hosts: [hostSetting(web)], revokeKey: false }), deps);
    const mia = s.issue('mia');
    const krlBefore = readFileSync(web.krlPath);
    const e = await rejection(wrongCa.revoke(await handleOf(wrongCa, 'mia', mia)));
    assertCoded(e, { code: 'ERR_PROVIDER_RESPONSE', retryable: false });
    assert.match(e.message, /caPublicKey/);
    assert.deepEqual(readFileSync(web.krlPath), krlBefore);
    assert.equal(web.login(mia), true);
  });

  it('concurrent revocations of several certificates lose none of them (KRL updates are serialized)', async () => {
    const certs = [s.issue('carol'), s.issue('carol'), s.issue('carol'), s.issue('carol')];
    const found = (await c.discover({ id: 'carol', handle: 'carol' })).map((d) => toHandle(d, 'carol'));
    assert.equal(found.length, 4);
    const outcomes = await Promise.all(found.map((a) => c.revoke(a)));
    assert.deepEqual(outcomes.map((o) => o.status), ['revoked', 'revoked', 'revoked', 'revoked']);
    for (const cert of certs) assert.equal(web.login(cert) || db.login(cert), false, `certificate ${cert.serial} is refused on both hosts`);
    for (const a of found) assert.equal((await c.verify(a)).verdict, 'dead');
  });

  it('a host whose KRL folder is missing fails retryably, and the other hosts are revoked anyway', async () => {
    const ivan = s.issue('ivan');
    const withGhost = connectorFor(s, [hostSetting(web), { name: 'ghost', krlPath: '/nonexistent-sever/revoked.krl', sshPort: db.port, knownHostsPath: db.knownHostsPath }]);
    const a = await handleOf(c, 'ivan', ivan);
    const e = await rejection(withGhost.revoke(a));
    assertCoded(e, { code: 'ERR_PROVIDER_UNAVAILABLE', retryable: true });
    assert.match(e.message, /ghost/);
    assert.deepEqual([e.details.done, e.details.failed], [['web'], ['ghost']]);
    assert.equal(web.login(ivan), false, 'web was revoked although ghost failed');
  });

  it('a missing or unreadable KRL is named, left as it is, and not retried', async () => {
    const judy = s.issue('judy');
    const a = await handleOf(c, 'judy', judy);
    const garbage = join(scratch, 'garbage.krl');
    writeFileSync(garbage, 'not a KRL\n');
    for (const krlPath of [garbage, join(scratch, 'missing.krl')]) {
      const broken = connectorFor(s, [{ ...hostSetting(web), krlPath }]);
      const e = await rejection(broken.revoke(a));
      assertCoded(e, { code: 'ERR_PROVIDER_RESPONSE', retryable: false });
      assert.match(e.message, /refuses every key login/);
      assertCoded(await rejection(broken.verify(a)), { code: 'ERR_PROVIDER_RESPONSE', retryable: false });
    }
    assert.equal(readFileSync(garbage, 'utf8'), 'not a KRL\n', 'the broken file was not replaced');
    assert.deepEqual(readdirSync(scratch).filter((f) => f.includes('sever')), [], 'no temporary or lock file left behind');
  });

  it('an sshd that does not answer, and a host key that does not match, are coded errors, never a verdict', async () => {
    const kate = s.issue('kate');
    const a = await handleOf(c, 'kate', kate);
    const down = connectorFor(s, [{ ...hostSetting(web), sshPort: await freePort(), sshdLog: undefined }]);
    assertCoded(await rejection(down.verify(a)), { code: 'ERR_PROVIDER_UNAVAILABLE', retryable: true });
    const spoofed = join(scratch, 'known_hosts');
    writeFileSync(spoofed, `[127.0.0.1]:${web.port} ${readFileSync(db.knownHostsPath, 'utf8').split(' ').slice(1).join(' ')}`);
    const mitm = connectorFor(s, [{ ...hostSetting(web), knownHostsPath: spoofed }]);
    assertCoded(await rejection(mitm.verify(a)), { code: 'ERR_PROVIDER_REJECTED', retryable: false });
  });
});

describe('ssh-ca parsing (pure)', () => {
  it('a KRL update that drops an earlier revocation is caught, ranges included', () => {
    const prev = parseKrlDump('# KRL version 0\n\nhash: SHA256:QWQtDKBa7vNW1NfiW5UlmIq42WGEVTbAtNHXENZdMG8 # ssh-ed25519\n\n# CA key ssh-ed25519 SHA256:abc\nserial: 1-5\nid: x\n');
    const merged = parseKrlDump('hash: SHA256:41642d0ca05aeef356d4d7e25b9525988ab8d961845536c0b4d1d710d65d306f\n# CA key ssh-ed25519 SHA256:abc\nserial: 1-3\nserial: 4-9\nid: x\nid: y\n');
    assert.equal(firstLost(prev, merged), undefined, 'hex and base64 hashes are the same key; 1-3 + 4-9 covers 1-5');
    assert.match(firstLost(prev, parseKrlDump('# CA key ssh-ed25519 SHA256:abc\nserial: 1-4\nid: x\n'))!, /hash/);
    assert.match(firstLost(prev, parseKrlDump('hash: SHA256:41642d0ca05aeef356d4d7e25b9525988ab8d961845536c0b4d1d710d65d306f\n# CA key ssh-ed25519 SHA256:abc\nserial: 1-4\nid: x\n'))!, /serial 1-5/);
    assert.throws(() => parseKrlDump('something new: 1\n'));
  });

  it('a client port reused by a later connection is not taken for the certificate\'s session', () => {
    const log = [
      'Connection from 127.0.0.1 port 5000 on 127.0.0.1 port 22 rdomain ""',
      'Accepted publickey for root from 127.0.0.1 port 5000 ssh2: ED25519-CERT SHA256:x ID alice-cert-1 (serial 7) CA ED25519 SHA256:y',
      'Connection from 127.0.0.1 port 5001 on 127.0.0.1 port 22 rdomain ""',
      'Accepted publickey for root from 127.0.0.1 port 5001 ssh2: ED25519-CERT SHA256:x ID alice-cert-1 (serial 7) CA ED25519 SHA256:y',
      'Connection from 127.0.0.1 port 5000 on 127.0.0.1 port 22 rdomain ""',
      'Accepted publickey for root from 127.0.0.1 port 5000 ssh2: ED25519-CERT SHA256:z ID bob-cert-2 (serial 8) CA ED25519 SHA256:y',
    ].join('\n');
    assert.deepEqual([...connectionsOf(log, 7, 'alice-cert-1')], ['127.0.0.1 5001']);
  });

  it('session targets: the processes below sshd and in the sessions they started, never sshd\'s own session', () => {
    // 1 init, 100 runner (sid 100), 200 sshd listener (sid 100), 300 monitor (sid 300), 301 its child,
    // 400 the user's shell (new session 400), 401 nohup'd sleep reparented to init (sid 400), 500 unrelated.
    const procs = [[1, 0, 1], [100, 1, 100], [200, 100, 100], [300, 200, 300], [301, 300, 300], [400, 301, 400], [401, 1, 400], [500, 1, 500]].map(([pid, ppid, sid]) => ({ pid: pid!, ppid: ppid!, sid: sid! }));
    assert.deepEqual(sessionTargets(procs, [300, 301]), { user: [400, 401], sshd: [300, 301] });
    assert.deepEqual(sessionTargets(procs, [300]), { user: [301, 400, 401], sshd: [300] });
  });
});
