/**
 * `npm run bench:bulk`: a bulk incident. One compromised integration holds grants from N users in
 * each of three SaaS simulators (Okta: a consent grant and a refresh token per user; Google
 * Workspace: an OAuth token per user; Entra: a delegated permission grant per user). Each simulator
 * enforces a fixed-window rate limit; Sever is configured with the same `rate` per connector (from
 * config, so every HTTP call goes through the engine's metered fetch) and enough concurrency to
 * saturate it. Every call is delayed by `latencyMs` (half before the request, half after the
 * answer), like a remote SaaS API: the same delayed fetch for Sever and for the baseline.
 *
 * Targets (per provider, over the containment phase): ≥ 95 % of the budget used in the windows
 * strictly inside the run (budgetUse), < 1 % of calls answered 429, nothing lost (every artifact
 * reached a final status, and the labs' own state holds none of the integration's grants).
 * Baseline, same run, fresh labs with the same data and limits: the same connector modules created
 * directly, discover, then revoke→verify each artifact one after another (the three providers'
 * loops run side by side, each one sequential), sleeping Retry-After on a 429.
 *
 *   node bench/bulk-integration.ts [users=5000] [--latency=30] [--limit=100] [--window=1000] [--no-baseline] [--pg[=url]] [--pollers=N] [--batch=N] [--per-connector=N]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { budgetUse } from '../lab/rate-window.ts';
import type { LabsInfo, LabsStats } from './bulk-labs.ts';
import { randomIds, systemClock } from '../src/core/clock.ts';
import { DEFAULT_POLICY } from '../src/core/default-policy.ts';
import { SeverError } from '../src/core/errors.ts';
import type { ArtifactHandle, DiscoveredArtifact } from '../src/core/model.ts';
import { parseRunbook } from '../src/core/runbook.ts';
import type { Connector } from '../src/connectors/contract.ts';
import { connectorModule, loadConnectorModules } from '../src/connectors/registry.ts';
import { DEFAULT_TUNING } from '../src/engine/context.ts';
import { createEngine } from '../src/engine/create-engine.ts';
import { createKeepAliveFetch } from '../src/engine/keepalive-fetch.ts';
import { secretBoxFromKey } from '../src/engine/secret-box.ts';
import { loadOrCreateKeyFile } from '../src/ledger/index.ts';
import { openStore } from '../src/store/open.ts';
import { sql } from 'drizzle-orm';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const USERS = Number(args.find((a) => /^\d+$/.test(a)) ?? 5000);
const LATENCY_MS = flag('latency', 30);
const LIMIT = flag('limit', 100);
const WINDOW_MS = flag('window', 1000);
const BASELINE = !args.includes('--no-baseline');
// --pg[=url]: the store on PostgreSQL (a fresh database on that server) instead of embedded PGlite.
const PG_ARG = args.find((a) => a === '--pg' || a.startsWith('--pg='));
const PG_URL = PG_ARG ? (PG_ARG.split('=').slice(1).join('=') || 'postgres://postgres@127.0.0.1:5432/postgres') : undefined;
// The engine's job-runner tuning (EngineOptions.tuning); defaults are the engine's own (DEFAULT_TUNING).
const POLLERS = args.some((a) => a.startsWith('--pollers=')) ? flag('pollers', 4) : undefined;
const BATCH = args.some((a) => a.startsWith('--batch=')) ? flag('batch', 2) : undefined;
const PER_CONNECTOR = args.some((a) => a.startsWith('--per-connector=')) ? flag('per-connector', 2) : undefined;
const CONCURRENCY = { okta: 25, google: 8, entra: 8 }; // each connector's manifest maximum
const TARGET_USED = 0.95;
const TARGET_REFUSED = 0.01;

const PROVIDERS = ['okta', 'google', 'entra'] as const;
type Provider = (typeof PROVIDERS)[number];
const NAMES: Record<Provider, string> = { okta: 'okta:lab', google: 'google-workspace:lab', entra: 'entra:lab' };
const KINDS: Record<Provider, string> = { okta: 'okta', google: 'google-workspace', entra: 'entra' };

await loadConnectorModules(['okta', 'google-workspace', 'entra']);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stderr.write(`[bench:bulk] ${m}\n`);

// ── the labs, in a child process ────────────────────────────────────────────────────────────────
interface Labs { info: LabsInfo; ask(cmd: 'reset' | 'stats'): Promise<unknown>; close(): Promise<void> }

async function startLabs(): Promise<Labs> {
  const proc: ChildProcess = spawn(process.execPath, [fileURLToPath(new URL('./bulk-labs.ts', import.meta.url)), JSON.stringify({ users: USERS, limit: LIMIT, windowMs: WINDOW_MS })], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Interface = createInterface({ input: proc.stdout! });
  const waiting: Array<(l: string) => void> = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const next = () => new Promise<string>((resolve, reject) => {
    waiting.push(resolve);
    proc.once('exit', (c) => reject(new Error(`labs exited with ${c}`)));
  });
  const info = JSON.parse(await next()) as LabsInfo;
  return {
    info,
    ask: async (cmd) => {
      const answer = next();
      proc.stdin!.write(`${cmd}\n`);
      return JSON.parse(await answer);
    },
    close: async () => {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.stdin!.write('close\n');
      await exited;
    },
  };
}

// ── the same delayed fetch for Sever and the baseline ───────────────────────────────────────────
function delayedFetch(): typeof globalThis.fetch {
  const base = createKeepAliveFetch();
  const before = Math.floor(LATENCY_MS / 2);
  const afterMs = LATENCY_MS - before;
  return async (input, init) => {
    await sleep(before);
    const res = await base(input, init);
    await sleep(afterMs);
    return res;
  };
}

function connectorConfig(info: LabsInfo) {
  const settings: Record<Provider, unknown> = {
    okta: { orgUrl: info.okta.baseUrl, apiTokenRef: 'env:OKTA_TOKEN', timeoutMs: 10_000 },
    google: { rootUrl: info.google.baseUrl, accessTokenRef: 'env:GOOGLE_TOKEN', timeoutMs: 10_000 },
    entra: {
      tenantId: info.entra.tenantId, clientId: info.entra.clientId, clientSecretRef: 'env:ENTRA_SECRET', graphUrl: info.entra.baseUrl, loginUrl: info.entra.baseUrl,
      authorityHost: info.entra.authorityUrl, authorityCaRef: 'env:ENTRA_CA', instanceDiscovery: false, timeoutMs: 10_000,
    },
  };
  const env = { OKTA_TOKEN: info.okta.adminToken, GOOGLE_TOKEN: info.google.adminToken, ENTRA_SECRET: info.entra.clientSecret, ENTRA_CA: info.entra.caPem };
  const connectors = Object.fromEntries(PROVIDERS.map((p) => [NAMES[p], {
    kind: KINDS[p], settings: connectorModule(KINDS[p])!.settingsSchema.parse(settings[p]), rate: { limit: LIMIT, windowMs: WINDOW_MS }, concurrency: CONCURRENCY[p],
  }]));
  const identifiers: Record<string, string> = { [NAMES.okta]: info.okta.appId, [NAMES.google]: info.google.clientId, [NAMES.entra]: info.entra.servicePrincipalId };
  return { connectors, env, identifiers };
}

interface ProviderFigures { used: number; windows: number; refusedShare: number; served: number; refused: number }
const figures = (stats: LabsStats): Record<Provider, ProviderFigures> =>
  Object.fromEntries(PROVIDERS.map((p) => [p, budgetUse(stats.rate[p], LIMIT, WINDOW_MS)])) as Record<Provider, ProviderFigures>;
const liveLeft = (s: LabsStats) => s.live.okta.grants + s.live.okta.refreshTokens + s.live.google.tokens + s.live.entra.grants;
const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;

// ── Sever ───────────────────────────────────────────────────────────────────────────────────────
async function runSever() {
  const labs = await startLabs();
  const dir = mkdtempSync(join(tmpdir(), 'sever-bench-bulk-'));
  const pgdb = PG_URL ? await freshDatabase(PG_URL) : undefined;
  const conn = await openStore({ dataDir: dir, ...(pgdb ? { databaseUrl: pgdb.url } : {}) });
  const { connectors, env, identifiers } = connectorConfig(labs.info);
  const engine = createEngine({
    conn, connectors, env, fetch: delayedFetch(), policy: DEFAULT_POLICY,
    tuning: { ...(POLLERS ? { pollers: POLLERS } : {}), ...(BATCH ? { batchSize: BATCH } : {}), ...(PER_CONNECTOR ? { jobsPerConnector: PER_CONNECTOR } : {}) },
    runbook: parseRunbook({ version: 1, roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'], responders: ['eddie', 'ida'] }, applications: [] }),
    clock: systemClock, ids: randomIds((k) => randomBytes(k)), signer: await loadOrCreateKeyFile(join(dir, 'k.jwk')), secrets: secretBoxFromKey(randomBytes(32)),
  });
  try {
    const id = await engine.openIncident({ subject: { type: 'integration', handle: 'shady-sorter', identifiers }, actor: 'ida' });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    log('sever: discover');
    const d = await engine.discover(id, 'ida');
    await engine.plan(id, 'ida');
    const t1 = performance.now();
    await labs.ask('reset');
    log(`sever: contain ${d.total} artifacts`);
    let last = 0;
    const s = await engine.contain(id, 'eddie', (p) => {
      const now = performance.now();
      if (now - last > 10_000) (last = now), log(`sever: ${JSON.stringify(p)}`.slice(0, 300));
    });
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const stats = (await labs.ask('stats')) as LabsStats;
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const unprovenBy: Record<string, number> = {};
    let unprovenWhy: unknown;
    for (const a of (await engine.show(id)).artifacts) {
      if (a.status !== 'unproven') continue;
      unprovenBy[`${a.connector} ${a.kind}`] = (unprovenBy[`${a.connector} ${a.kind}`] ?? 0) + 1;
      unprovenWhy ??= a.proof;
    }
    const byStatus = s.byStatus;
    // What Sever's own budget granted per window (units taken from the store), beside what the labs served.
    const granted: Record<string, Array<[number, number]>> = {};
    const rows = await conn.db.execute(sql`select key, window_start, n from rate_windows order by key, window_start`);
    for (const r of (rows as unknown as { rows: Array<{ key: string; window_start: string; n: number }> }).rows) (granted[r.key] ??= []).push([Number(r.window_start), r.n]);
    return {
      granted,
      discovered: d.total, byStatus, unprovenBy, unprovenWhy, discoverMs: t1 - t0, containMs: t2 - t1, totalMs: t2 - t0, cpuMs: cpuMs(cpu), rssMb,
      seeded: labs.info.seeded, stats, perProvider: figures(stats),
    };
  } finally {
    await engine.stop();
    await conn.close();
    await labs.close();
    await pgdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function freshDatabase(adminUrl: string) {
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const name = `sever_bench_bulk_${process.pid}`;
  await admin.query(`create database ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

// ── the sequential baseline ─────────────────────────────────────────────────────────────────────
const handleOf = (a: DiscoveredArtifact, subjectId: string): ArtifactHandle => ({
  kind: a.kind, externalId: a.externalId, label: a.label, attributes: a.attributes ?? {}, revocable: a.revocable ?? true, subjectId,
  ...(a.secret ? { secret: a.secret } : {}), ...(a.expiresAt ? { expiresAt: a.expiresAt } : {}), ...(a.issuedAt ? { issuedAt: a.issuedAt } : {}),
});

async function runBaseline() {
  const labs = await startLabs();
  const { connectors, env, identifiers } = connectorConfig(labs.info);
  const fetch = delayedFetch();
  const built = PROVIDERS.map((p) => {
    const name = NAMES[p];
    const mod = connectorModule(KINDS[p])!;
    const c: Connector = mod.create(name, connectors[name]!.settings as never, { clock: systemClock, fetch, resolveSecret: async (r) => env[r.slice(4) as keyof typeof env] });
    return { p, c, subjectId: identifiers[name]!, policy: mod.manifest.verifyPolicy };
  });
  let rateLimited = 0;
  /** Honours a 429: sleeps its Retry-After (or, when the provider gives none, one window), then again. */
  const patiently = async <T>(call: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await call();
      } catch (e) {
        if (!(e instanceof SeverError) || e.code !== 'ERR_PROVIDER_RATE_LIMITED') throw e;
        rateLimited++;
        await sleep(e.retryAfterMs ?? WINDOW_MS);
      }
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  log('baseline: discover');
  const found = await Promise.all(built.map(async (b) => ({ ...b, found: await patiently(() => b.c.discover({ id: b.subjectId, handle: 'shady-sorter', type: 'integration' } as never)) })));
  const t1 = performance.now();
  await labs.ask('reset');
  const total = found.reduce((n, b) => n + b.found.length, 0);
  log(`baseline: revoke then verify ${total} artifacts, one after another per provider`);
  const outcome = { dead: 0, unproven: 0, failed: 0 };
  await Promise.all(found.map(async (b) => {
    for (const a of b.found) {
      const h = handleOf(a, b.subjectId);
      try {
        if (h.revocable) await patiently(() => b.c.revoke(h));
        const deadline = performance.now() + b.policy.deadlineMs;
        for (;;) {
          const v = await patiently(() => b.c.verify(h));
          if (v.verdict === 'dead') {
            outcome.dead++;
            break;
          }
          if (performance.now() + b.policy.pollIntervalMs > deadline) {
            outcome.unproven++;
            break;
          }
          await sleep(b.policy.pollIntervalMs);
        }
      } catch (e) {
        outcome.failed++;
        if (outcome.failed <= 3) log(`baseline: ${b.p} ${h.externalId}: ${(e as Error).message}`);
      }
    }
  }));
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const stats = (await labs.ask('stats')) as LabsStats;
  await labs.close();
  return { discovered: total, outcome, rateLimited, discoverMs: t1 - t0, containMs: t2 - t1, totalMs: t2 - t0, cpuMs: cpuMs(cpu), stats, perProvider: figures(stats) };
}

// ── report ──────────────────────────────────────────────────────────────────────────────────────
const pct = (x: number) => (Number.isNaN(x) ? '  n/a' : `${(x * 100).toFixed(1).padStart(5)} %`);
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pad = (s: string, n: number) => s.padEnd(n);

console.log(`# Sever bulk-integration bench: ${USERS} users per provider, rate ${LIMIT} per ${WINDOW_MS} ms per provider, latency ${LATENCY_MS} ms per call, engine job runner pollers ${POLLERS ?? `${DEFAULT_TUNING.pollers} (default)`} batch ${BATCH ?? `${DEFAULT_TUNING.batchSize} (default)`} jobs per connector ${PER_CONNECTOR ?? `${DEFAULT_TUNING.jobsPerConnector} (default)`}, store ${PG_URL ? 'PostgreSQL' : 'PGlite'}, Node ${process.version}`);
const sever = await runSever();
const base = BASELINE ? await runBaseline() : undefined;

const st = sever.byStatus;
const verifiedDead = (st['verified-dead'] ?? 0) + (st['verified-expired'] ?? 0);
const unproven = st.unproven ?? 0;
const notFinal = Object.entries(st).filter(([k, v]) => v > 0 && !['verified-dead', 'verified-expired', 'unproven'].includes(k));
const expected = sever.seeded.okta.grants + sever.seeded.okta.refreshTokens + sever.seeded.google.tokens + sever.seeded.entra.grants;
const left = liveLeft(sever.stats);

console.log('\n## Sever, per provider (containment phase: revoke + verify)');
console.log(`${pad('provider', 10)}${pad('calls served', 14)}${pad('429s', 8)}${pad('429 share', 12)}${pad('inner windows', 15)}${pad('budget used', 13)}targets (≥95 % used, <1 % 429)`);
const misses: string[] = [];
for (const p of PROVIDERS) {
  const f = sever.perProvider[p];
  const usedOk = f.used >= TARGET_USED;
  const refusedOk = f.refusedShare < TARGET_REFUSED;
  if (!usedOk) misses.push(`${p}: budget used ${pct(f.used).trim()} < 95 %${f.windows < 3 ? ` (only ${f.windows} inner windows: too short a run to judge)` : ''}`);
  if (!refusedOk) misses.push(`${p}: ${pct(f.refusedShare).trim()} of calls answered 429 ≥ 1 %`);
  console.log(`${pad(p, 10)}${pad(String(f.served), 14)}${pad(String(f.refused), 8)}${pad(pct(f.refusedShare), 12)}${pad(String(f.windows), 15)}${pad(pct(f.used), 13)}${usedOk ? 'used MET' : 'used MISSED'}, ${refusedOk ? '429 MET' : '429 MISSED'}`);
}

console.log('\nrequests served per window, first to last (a window with none shows 0):');
for (const p of PROVIDERS) {
  const w = sever.stats.rate[p];
  const first = w[0]?.start ?? 0;
  const served = new Map(w.map((x) => [x.start, x.served]));
  const row: number[] = [];
  for (let t = first; w.length && t <= w.at(-1)!.start; t += WINDOW_MS) row.push(served.get(t) ?? 0);
  console.log(`${pad(p, 10)}${row.join(' ')}`);
  const g = new Map(sever.granted[`connector:${NAMES[p]}`] ?? []);
  const grow: number[] = [];
  for (let t = first; w.length && t <= w.at(-1)!.start; t += WINDOW_MS) grow.push(g.get(t) ?? 0);
  console.log(`${pad('  granted', 10)}${grow.join(' ')}`);
}

console.log('\n## Sever, overall');
console.log(`artifacts expected (seeded)     ${expected}`);
console.log(`artifacts discovered            ${sever.discovered}`);
console.log(`verified dead                   ${verifiedDead}`);
console.log(`unproven (final, not proved)    ${unproven}${unproven ? ` ${JSON.stringify(sever.unprovenBy)}` : ''}`);
if (unproven) console.log(`  e.g. proof of one: ${JSON.stringify(sever.unprovenWhy).slice(0, 400)}`);
console.log(`not final (failed / in flight)  ${notFinal.length ? JSON.stringify(Object.fromEntries(notFinal)) : 0}`);
console.log(`grants still live in lab state  ${left} (${JSON.stringify(sever.stats.live)})`);
console.log(`contract violations in labs     ${JSON.stringify(sever.stats.violations)}`);
console.log(`wall: discover+plan / contain / total   ${sec(sever.discoverMs)} / ${sec(sever.containMs)} / ${sec(sever.totalMs)}`);
console.log(`Sever CPU (labs in another process)     ${sec(sever.cpuMs)}`);
console.log(`peak RSS of the Sever process           ${sever.rssMb.toFixed(0)} MB`);
const lostNothing = sever.discovered === expected && notFinal.length === 0 && left === 0;
if (!lostNothing) misses.push(`lost something: discovered ${sever.discovered} of ${expected}, not final ${JSON.stringify(Object.fromEntries(notFinal))}, ${left} grants still live in the labs`);

if (base) {
  console.log('\n## Sequential baseline (same connectors, same delayed fetch, fresh labs with the same data and limits)');
  console.log(`${pad('provider', 10)}${pad('calls served', 14)}${pad('429s', 8)}${pad('budget used', 13)}`);
  for (const p of PROVIDERS) {
    const f = base.perProvider[p];
    console.log(`${pad(p, 10)}${pad(String(f.served), 14)}${pad(String(f.refused), 8)}${pad(pct(f.used), 13)}`);
  }
  console.log(`artifacts ${base.discovered}: dead ${base.outcome.dead}, unproven ${base.outcome.unproven}, failed ${base.outcome.failed}; 429s slept through ${base.rateLimited}; grants still live in lab state ${liveLeft(base.stats)}`);
  console.log(`wall: discover / contain / total   ${sec(base.discoverMs)} / ${sec(base.containMs)} / ${sec(base.totalMs)};  CPU ${sec(base.cpuMs)}`);
  console.log('\n## Side by side');
  console.log(`${pad('', 26)}${pad('Sever', 12)}${pad('baseline', 12)}ratio (baseline / Sever)`);
  console.log(`${pad('discover (+plan) wall', 26)}${pad(sec(sever.discoverMs), 12)}${pad(sec(base.discoverMs), 12)}${(base.discoverMs / sever.discoverMs).toFixed(2)}×`);
  console.log(`${pad('contain wall', 26)}${pad(sec(sever.containMs), 12)}${pad(sec(base.containMs), 12)}${(base.containMs / sever.containMs).toFixed(2)}×`);
  console.log(`${pad('total wall (speed-up)', 26)}${pad(sec(sever.totalMs), 12)}${pad(sec(base.totalMs), 12)}${(base.totalMs / sever.totalMs).toFixed(2)}×`);
  console.log(`${pad('CPU in the bench process', 26)}${pad(sec(sever.cpuMs), 12)}${pad(sec(base.cpuMs), 12)}${(base.cpuMs / sever.cpuMs).toFixed(2)}×`);
} else {
  console.log('\n(baseline skipped: --no-baseline)');
}

console.log(`\n## Verdict: ${misses.length ? `TARGETS MISSED\n- ${misses.join('\n- ')}` : 'all targets met (≥ 95 % of each budget, < 1 % 429, nothing lost)'}`);
process.exit(0);
