/**
 * `npm run bench`: figures as ratios measured side by side in one run (these machines are shared
 * and noisy, so absolute times vary; ratios much less).
 *   node bench/run.ts [artifacts=1000] [latencyMs=10]
 */
import { measureEngineCost } from './engine-cost.ts';
import { sequentialBaseline, severContainment } from './lab-containment.ts';

const n = Number(process.argv[2] ?? 1000);
const latencyMs = Number(process.argv[3] ?? 10);
const pgUrl = process.env.SEVER_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`# Sever bench: ${n} artifacts, lab provider latency ${latencyMs} ms per call, Node ${process.version}`);

const sever = await severContainment(n, latencyMs);
const base = await sequentialBaseline(n, latencyMs);
const rounds = Math.ceil(base.artifacts / sever.concurrency);
const critical = base.discoverMs + rounds * (base.medianRevokeMs + base.medianVerifyMs);
console.log('\n## Time to verified containment (discover + plan + revoke + verify), lab OpenID provider');
console.log(`sever                 ${fmt(sever.totalMs)}  (${sever.proved}/${sever.artifacts} proved, connector concurrency ${sever.concurrency})`);
console.log(`sequential baseline   ${fmt(base.totalMs)}  (${base.dead}/${base.artifacts}; median revoke ${base.medianRevokeMs.toFixed(1)} ms, verify ${base.medianVerifyMs.toFixed(1)} ms)`);
console.log(`critical path         ${fmt(critical)}  (discover ${base.discoverMs.toFixed(0)} ms + ${rounds} rounds × (revoke + verify))`);
console.log(`speed-up vs baseline  ${(base.totalMs / sever.totalMs).toFixed(1)}×   (target ≥ 20×)`);
console.log(`sever / critical path ${(sever.totalMs / critical).toFixed(2)}   (target ≤ 1.15)`);

console.log('\n## Engine cost per artifact, zero-latency in-memory connector (store + ledger + job runner)');
const lite = await measureEngineCost(n);
console.log(`pglite      ${lite.cpuUsPerArtifact.toFixed(0)} µs CPU/artifact, ${lite.wallUsPerArtifact.toFixed(0)} µs wall/artifact, ${lite.ledgerEntries} ledger entries   (target ≤ 100 µs CPU on PGlite)`);
try {
  const pg = await import('pg');
  const admin = new pg.default.Client({ connectionString: pgUrl });
  await admin.connect();
  const db = `sever_bench_${process.pid}`;
  await admin.query(`create database ${db}`);
  const u = new URL(pgUrl);
  u.pathname = `/${db}`;
  try {
    const p = await measureEngineCost(n, u.toString());
    console.log(`postgres    ${p.cpuUsPerArtifact.toFixed(0)} µs CPU/artifact in this process (server CPU not counted), ${p.wallUsPerArtifact.toFixed(0)} µs wall/artifact`);
  } finally {
    await admin.query(`drop database if exists ${db} with (force)`);
    await admin.end();
  }
} catch (e) {
  console.log(`postgres    skipped: ${(e as Error).message}`);
}
const peakMb = process.resourceUsage().maxRSS / 1024;
console.log(`\npeak memory (max RSS of this process, all runs) ${peakMb.toFixed(0)} MB   (target < 300 MB)`);
