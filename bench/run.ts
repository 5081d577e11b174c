/**
 * `npm run bench`: figures as ratios measured side by side in one run (these machines are shared
 * and noisy, so absolute times vary; ratios much less). Each measurement runs in a process of its
 * own, so its peak memory is its own; the lab provider runs in yet another process.
 *   node bench/run.ts [artifacts=1000] [latencyMs=50]   (50 ms: a fast SaaS admin API; the lab answers in about 1 ms)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [part, ...rest] = process.argv.slice(2);
const self = fileURLToPath(import.meta.url);

async function runPart(name: string, args: string[]) {
  const r = spawnSync(process.execPath, [self, `--part=${name}`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench part ${name} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

const rss = () => process.resourceUsage().maxRSS / 1024;

if (part?.startsWith('--part=')) {
  const name = part.slice(7);
  const n = Number(rest[0]);
  const latencyMs = Number(rest[1]);
  const { initStore, startLab, sequentialBaseline, severContainment } = await import('./lab-containment.ts');
  const { measureEngineCost } = await import('./engine-cost.ts');
  let out: unknown;
  if (name === 'init') {
    out = { dir: await initStore() };
  } else if (name === 'sever' || name === 'baseline') {
    const lab = await startLab(n, latencyMs);
    try {
      out = name === 'sever' ? await severContainment(lab.info, rest[2]!) : await sequentialBaseline(lab.info);
    } finally {
      await lab.close();
    }
  } else if (name === 'cost') {
    out = rest[2]?.startsWith('postgres') ? await measureEngineCost(n, rest[2]) : await measureEngineCost(n, undefined, rest[2]);
  }
  console.log(JSON.stringify({ ...(out as object), peakMb: rss() }));
  process.exit(0);
}

const n = Number(part ?? 1000);
const latencyMs = Number(rest[0] ?? 50);
const pgUrl = process.env.SEVER_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`# Sever bench: ${n} artifacts, lab provider latency ${latencyMs} ms per call, Node ${process.version}`);

// Embedded stores are created first, each in a process of its own: a data directory is created once
// in real use, and PGlite's initdb alone peaks above 600 MB.
const severDir = (await runPart('init', ['0', '0'])).dir as string;
const costDir = (await runPart('init', ['0', '0'])).dir as string;
const sever = await runPart('sever', [String(n), String(latencyMs), severDir]);
const base = await runPart('baseline', [String(n), String(latencyMs)]);
const rounds = Math.ceil(base.artifacts / sever.concurrency);
const critical = base.discoverMs + rounds * (base.medianRevokeMs + base.medianVerifyMs);
console.log('\n## Time to verified containment (discover + plan + revoke + verify), lab OpenID provider');
console.log(`sever                 ${fmt(sever.totalMs)}  (${sever.proved}/${sever.artifacts} proved; connector concurrency ${sever.concurrency}; ${sever.cpuMs.toFixed(0)} ms CPU; peak ${sever.peakMb.toFixed(0)} MB)`);
console.log(`sequential baseline   ${fmt(base.totalMs)}  (${base.dead}/${base.artifacts}; median revoke ${base.medianRevokeMs.toFixed(1)} ms, verify ${base.medianVerifyMs.toFixed(1)} ms)`);
console.log(`critical path         ${fmt(critical)}  (discover ${base.discoverMs.toFixed(0)} ms + ${rounds} rounds × (revoke + verify))`);
console.log(`speed-up vs baseline  ${(base.totalMs / sever.totalMs).toFixed(1)}×   (target ≥ 20×)`);
console.log(`sever / critical path ${(sever.totalMs / critical).toFixed(2)}   (target ≤ 1.15)`);

console.log('\n## Engine cost per artifact, zero-latency in-memory connector (store + ledger + job runner)');
const lite = await runPart('cost', [String(n), '0', costDir]);
console.log(`pglite      ${lite.cpuUsPerArtifact.toFixed(0)} µs CPU/artifact, ${lite.wallUsPerArtifact.toFixed(0)} µs wall/artifact, ${lite.ledgerEntries} ledger entries, peak ${lite.peakMb.toFixed(0)} MB   (target ≤ 100 µs CPU on PGlite)`);
try {
  const pg = await import('pg');
  const admin = new pg.default.Client({ connectionString: pgUrl });
  await admin.connect();
  const db = `sever_bench_${process.pid}`;
  await admin.query(`create database ${db}`);
  const u = new URL(pgUrl);
  u.pathname = `/${db}`;
  try {
    const p = await runPart('cost', [String(n), '0', u.toString()]);
    console.log(`postgres    ${p.cpuUsPerArtifact.toFixed(0)} µs CPU/artifact in Sever's process (server CPU not counted), ${p.wallUsPerArtifact.toFixed(0)} µs wall/artifact, peak ${p.peakMb.toFixed(0)} MB`);
  } finally {
    await admin.query(`drop database if exists ${db} with (force)`);
    await admin.end();
  }
} catch (e) {
  console.log(`postgres    skipped: ${(e as Error).message}`);
}
console.log(`\npeak memory of Sever's process: ${Math.max(sever.peakMb, lite.peakMb).toFixed(0)} MB   (target < 300 MB)`);

console.log('\n## Every connector, one subject, each against its real server on loopback');
const all = spawnSync(process.execPath, [fileURLToPath(new URL('./all-connectors.ts', import.meta.url))], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
process.stdout.write(all.status === 0 ? all.stdout : `skipped: the all-connectors run failed (exit ${all.status})\n`);
