/**
 * Time to verified containment of one subject across every connector, each against its real
 * server on loopback: Sever versus a sequential baseline (each connector in turn: discover, then
 * revoke and verify one artifact after another), and the ratio to the critical path: the slowest
 * single connector's chain of discover + one revoke + one verify, measured in the baseline.
 *   node bench/all-connectors.ts
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { randomIds, systemClock } from '../src/core/clock.ts';
import { DEFAULT_POLICY } from '../src/core/policy.ts';
import { parseRunbook } from '../src/core/runbook.ts';
import type { Connector } from '../src/connectors/contract.ts';
import { loadConnectorModules } from '../src/connectors/registry.ts';

const CONNECTOR_MODULES = await loadConnectorModules();
import type { ArtifactHandle } from '../src/core/model.ts';
import { createEngine } from '../src/engine/create-engine.ts';
import { createKeepAliveFetch } from '../src/engine/keepalive-fetch.ts';
import { secretBoxFromKey } from '../src/engine/secret-box.ts';
import { loadOrCreateKeyFile } from '../src/ledger/index.ts';
import { openStore } from '../src/store/open.ts';
import { startLabIdp } from '../lab/idp/start.ts';
import { startLabJwtIssuer } from '../lab/jwt-issuer/start.ts';
import { startLabKerberos } from '../lab/kerberos/start.ts';
import { startLabLdap } from '../lab/ldap/start.ts';
import { startLabPostgres } from '../lab/postgres/start.ts';
import { startLabSessionApp } from '../lab/session-app/start.ts';
import { startLabSsh } from '../lab/ssh/start.ts';

/**
 * Every real server, holding artifacts of alice, in a process of its own (as real providers are
 * elsewhere: in Sever's process they would share its event loop and the measurement would be of
 * the lab's CPU): it prints the connectors' settings and secrets as one JSON line and stops when
 * its stdin closes.
 */
async function startWorld() {
  const closers: Array<() => Promise<unknown>> = [];
  const idp = await startLabIdp();
  closers.push(() => idp.close());
  for (let i = 0; i < 3; i++) await idp.login('alice', i % 2 ? 'crm' : 'app', { offline: true });
  await idp.mint({ user: 'alice', clientId: 'app', grants: 10, offline: true, accessTokens: 2, refreshTokens: 1 });
  await idp.mint({ user: 'alice', clientId: 'agent', offline: false, accessTokens: 2, refreshTokens: 0 });
  const ssh = await startLabSsh();
  closers.push(() => ssh.close());
  const host = await ssh.startHost('bastion');
  for (let i = 0; i < 5; i++) ssh.issue('alice');
  const app = await startLabSessionApp();
  closers.push(() => app.close());
  for (let i = 0; i < 10; i++) await app.login('alice', i === 0);
  const db = await startLabPostgres();
  closers.push(() => db.close());
  const a = await db.admin();
  await a.query(`create role alice login password 'pw'`);
  await a.end();
  const conns: pg.Client[] = [];
  for (let i = 0; i < 5; i++) {
    const c = new pg.Client({ connectionString: db.url('alice', 'pw') });
    c.on('error', () => undefined);
    await c.connect();
    conns.push(c);
  }
  closers.push(async () => Promise.all(conns.map((c) => c.end().catch(() => undefined))));
  const ldap = await startLabLdap();
  closers.push(() => ldap.close());
  await ldap.addUser('alice', 'pw');
  const krb = await startLabKerberos();
  closers.push(() => krb.close());
  await krb.addPrincipal('alice', 'pw');
  const jwt = await startLabJwtIssuer({ jwksCacheMaxAgeMs: 100 });
  closers.push(() => jwt.close());
  await jwt.issue('alice');
  await jwt.issue('bob');

  const secrets: Record<string, string> = {
    'env:ADMIN': idp.adminToken, 'env:SEVER': idp.sever.clientSecret, 'env:REDIS': app.redisUrl, 'env:COOKIE': app.cookieSecret,
    'env:PG': db.adminUrl, 'env:LDAP': ldap.adminPassword, 'env:JWT': jwt.adminToken,
  };
  const make = (kind: string, name: string, settings: Record<string, unknown>) => ({ kind, name, settings });
  const connectors = [
    make('keycloak', 'keycloak:lab', { baseUrl: idp.baseUrl, realm: idp.realm, adminTokenRef: 'env:ADMIN', clientId: 'sever', clientSecretRef: 'env:SEVER' }),
    make('agent-grants', 'agent-grants:lab', { baseUrl: idp.baseUrl, realm: idp.realm, adminTokenRef: 'env:ADMIN', agents: ['agent'], tools: [{ name: 'calendar', url: idp.url('/tools/calendar') }, { name: 'crm', url: idp.url('/tools/crm') }] }),
    make('ssh-ca', 'ssh-ca:lab', { issuanceLog: ssh.issuanceLog, caPublicKey: ssh.caPublicKey, hosts: [{ name: 'bastion', krlPath: host.krlPath, sshHost: '127.0.0.1', sshPort: host.port, knownHostsPath: host.knownHostsPath, sshdLog: host.logPath }] }),
    make('redis-sessions', 'redis-sessions:lab', { redisUrlRef: 'env:REDIS', prefix: app.prefix, appUrl: app.url, cookieSecretRef: 'env:COOKIE' }),
    make('postgres-roles', 'postgres-roles:lab', { adminUrlRef: 'env:PG' }),
    make('ldap', 'ldap:lab', { url: ldap.url, bindDn: ldap.adminDn, bindPasswordRef: 'env:LDAP', base: ldap.peopleDn }),
    make('kerberos', 'kerberos:lab', { realm: krb.realm, krb5Config: krb.krb5Config, kdcProfile: krb.kdcProfile, kadmin: 'local', kdcLog: krb.kdcLog }),
    make('jwt-issuer', 'jwt-issuer:lab', { issuerUrl: jwt.url, adminTokenRef: 'env:JWT', resourceServerUrl: jwt.resourceServerUrl }),
  ];
  return { spec: { connectors, secrets } satisfies WorldSpec, close: async () => { for (const c of closers.reverse()) await c(); } };
}

interface WorldSpec {
  connectors: Array<{ kind: string; name: string; settings: Record<string, unknown> }>;
  secrets: Record<string, string>;
}

/** Starts the servers in a child process and builds the connectors pointed at them. */
async function world(): Promise<{ connectors: Connector[]; close(): Promise<void> }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--world'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`the lab world exited (${code}) before it was ready`)));
  });
  const spec = JSON.parse(line) as WorldSpec;
  const fetch = createKeepAliveFetch();
  const connectors = spec.connectors.map(({ kind, name, settings }) => {
    const mod = CONNECTOR_MODULES[kind]!;
    return mod.create(name, mod.settingsSchema.parse(settings) as never, { clock: systemClock, fetch, resolveSecret: async (r) => spec.secrets[r]! });
  });
  return {
    connectors: process.env.SEVER_BENCH_DETAIL ? connectors.map(timed) : connectors,
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      await exited;
    },
  };
}

/** SEVER_BENCH_DETAIL: when each connector's first call started and its last one ended. */
const calls = new Map<string, { first: number; last: number; n: number; busy: number }>();
function timed(c: Connector): Connector {
  const wrap = <A extends unknown[], R>(op: string, f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    const t = performance.now();
    try {
      return await f(...a);
    } finally {
      const k = `${c.name} ${op}`;
      const e = calls.get(k) ?? { first: t, last: 0, n: 0, busy: 0 };
      calls.set(k, { first: Math.min(e.first, t), last: Math.max(e.last, performance.now()), n: e.n + 1, busy: e.busy + performance.now() - t });
    }
  };
  return { ...c, discover: wrap('discover', c.discover), revoke: wrap('revoke', c.revoke), verify: wrap('verify', c.verify) };
}

async function sever() {
  const w = await world();
  const dir = mkdtempSync(join(tmpdir(), 'sever-bench-all-'));
  const conn = await openStore({ dataDir: dir });
  const engine = createEngine({
    conn, connectors: w.connectors, policy: DEFAULT_POLICY, runbook: parseRunbook({ version: 1, roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'], responders: ['eddie', 'ida'] }, applications: [] }),
    clock: systemClock, ids: randomIds((k) => randomBytes(k)), signer: await loadOrCreateKeyFile(join(dir, 'k.jwk')), secrets: secretBoxFromKey(randomBytes(32)),
  });
  try {
    await engine.context.runner.start();
    const id = await engine.openIncident({ subject: { type: 'human', handle: 'alice', identifiers: {} }, actor: 'ida' });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const d = await engine.discover(id, 'ida');
    const t1 = performance.now();
    await engine.plan(id, 'ida');
    const t2 = performance.now();
    const s = await engine.contain(id, 'eddie');
    if (process.env.SEVER_BENCH_DETAIL) {
      const v = await engine.show(id);
      const { listSteps } = await import('../src/store/repo.ts');
      const steps = await listSteps(engine.context.db, id);
      const byArt = new Map<string, typeof steps>();
      for (const st of steps) byArt.set(st.artifactId, [...(byArt.get(st.artifactId) ?? []), st]);
      const rows = v.artifacts.map((a) => ({ c: a.connector, k: a.kind, steps: (byArt.get(a.id) ?? []).map((st) => `${st.type}:${st.attempts}@${Math.round(st.updatedAt - (t2 + performance.timeOrigin))}`).join(' ') }));
      rows.sort((x, y) => Math.max(...y.steps.split(' ').map((z) => Number(z.split('@')[1]))) - Math.max(...x.steps.split(' ').map((z) => Number(z.split('@')[1]))));
      for (const r of rows.slice(0, 12)) console.log(`  ${r.c} ${r.k} ${r.steps}`);
      for (const [k, v] of [...calls].sort()) console.log(`  ${k}: ${v.n} calls from ${Math.round(v.first - t0)} to ${Math.round(v.last - t0)} ms, ${Math.round(v.busy / v.n)} ms each`);
      calls.clear();
    }
    if (process.env.SEVER_BENCH_DETAIL) {
      const cpu = process.cpuUsage(cpu0);
      console.log(`Sever's process CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms over ${(performance.now() - t0).toFixed(0)} ms of wall time`);
    }
    if (process.env.SEVER_BENCH_DETAIL) console.log(`discover ${(t1 - t0).toFixed(0)} ms (${JSON.stringify(Object.fromEntries(Object.entries(d.connectors).map(([k, v]) => [k, v.found])))}), plan ${(t2 - t1).toFixed(0)} ms, contain ${(performance.now() - t2).toFixed(0)} ms`);
    return { ms: performance.now() - t0, artifacts: d.total, byStatus: s.byStatus };
  } finally {
    await engine.stop();
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
    await w.close();
  }
}

async function baseline() {
  const w = await world();
  const chains: Record<string, number> = {};
  let n = 0;
  const t0 = performance.now();
  try {
    for (const c of w.connectors) {
      const d0 = performance.now();
      const found = await c.discover({ id: 'alice', handle: 'alice' });
      const discoverMs = performance.now() - d0;
      let slowest = 0;
      for (const a of found) {
        const h: ArtifactHandle = { kind: a.kind, externalId: a.externalId, label: a.label, attributes: a.attributes ?? {}, revocable: a.revocable ?? true, subjectId: 'alice', ...(a.secret ? { secret: a.secret } : {}), ...(a.expiresAt ? { expiresAt: a.expiresAt } : {}) };
        const r0 = performance.now();
        if (h.revocable) await c.revoke(h).catch(() => undefined);
        for (let i = 0; i < 40 && (await c.verify(h)).verdict === 'live' && h.revocable; i++) await new Promise((r) => setTimeout(r, 100));
        slowest = Math.max(slowest, performance.now() - r0);
        n++;
      }
      chains[c.name] = discoverMs + slowest;
    }
    return { ms: performance.now() - t0, artifacts: n, chains };
  } finally {
    await w.close();
  }
}

if (process.argv[2] === '--world') {
  const w = await startWorld();
  process.stdout.write(`${JSON.stringify(w.spec)}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void w.close().then(() => process.exit(0)));
} else {
  await main();
}

async function main() {
const s = await sever();
const b = await baseline();
const critical = Math.max(...Object.values(b.chains));
const slowest = Object.entries(b.chains).sort((x, y) => y[1] - x[1])[0]!;
console.log(`# all connectors, one subject (${s.artifacts} artifacts in Sever's run: ${JSON.stringify(s.byStatus)})`);
console.log(`sever                 ${(s.ms / 1000).toFixed(2)} s`);
console.log(`sequential baseline   ${(b.ms / 1000).toFixed(2)} s  (${b.artifacts} artifacts)`);
console.log(`critical path         ${(critical / 1000).toFixed(2)} s  (slowest connector ${slowest[0]}: discover + its slowest revoke→verify)`);
console.log(`speed-up vs baseline  ${(b.ms / s.ms).toFixed(1)}×`);
console.log(`sever / critical path ${(s.ms / critical).toFixed(2)}`);
if (process.env.SEVER_BENCH_DETAIL) console.log(JSON.stringify(Object.fromEntries(Object.entries(b.chains).map(([k, v]) => [k, Math.round(v)]))));
}
