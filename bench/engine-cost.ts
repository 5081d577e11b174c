/**
 * The engine's own cost per artifact (store + ledger + job runner) with zero-latency connectors:
 * discover, plan, contain (revoke + verify) of one subject holding N artifacts, on a fresh store.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomIds, systemClock } from '../src/core/clock.ts';
import { DEFAULT_POLICY } from '../src/core/policy.ts';
import { parseRunbook } from '../src/core/runbook.ts';
import { createEngine } from '../src/engine/create-engine.ts';
import { secretBoxFromKey } from '../src/engine/secret-box.ts';
import { loadOrCreateKeyFile } from '../src/ledger/index.ts';
import { openStore } from '../src/store/open.ts';
import { createMemoryConnector, createMemoryProvider } from '../lab/memory/provider.ts';

export interface EngineCost {
  driver: string;
  artifacts: number;
  wallMs: number;
  cpuUsPerArtifact: number;
  wallUsPerArtifact: number;
  ledgerEntries: number;
}

export async function measureEngineCost(n: number, databaseUrl?: string, existingDir?: string): Promise<EngineCost> {
  const dir = existingDir ?? mkdtempSync(join(tmpdir(), 'sever-bench-'));
  const conn = await openStore({ dataDir: dir, ...(databaseUrl ? { databaseUrl } : {}) });
  const p = createMemoryProvider(systemClock);
  for (let i = 0; i < n; i++) p.add({ subject: 'alice', kind: i % 3 === 0 ? 'idp-session' : 'refresh-token', externalId: `a-${i}`, revocable: true });
  const engine = createEngine({
    conn, connectors: [createMemoryConnector('memory:bench', p, systemClock)], policy: DEFAULT_POLICY,
    runbook: parseRunbook({ version: 1, roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'], responders: ['eddie', 'ida'] }, applications: [] }),
    clock: systemClock, ids: randomIds((k) => randomBytes(k)), signer: await loadOrCreateKeyFile(join(dir, 'k.jwk')), secrets: secretBoxFromKey(randomBytes(32)),
  });
  try {
    // Warm up pg-boss (its schema is created once per database) outside the measurement.
    await engine.context.runner.start();
    const id = await engine.openIncident({ subject: { type: 'human', handle: 'alice', identifiers: {} }, actor: 'ida' });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await engine.discover(id, 'ida');
    await engine.plan(id, 'ida');
    const s = await engine.contain(id, 'eddie');
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (s.byStatus['verified-dead'] !== n) throw new Error(`bench: expected ${n} verified-dead, got ${JSON.stringify(s.byStatus)}`);
    const view = await engine.show(id);
    return {
      driver: conn.driver, artifacts: n, wallMs, cpuUsPerArtifact: (cpu.user + cpu.system) / n, wallUsPerArtifact: (wallMs * 1000) / n, ledgerEntries: view.ledger.entries,
    };
  } finally {
    await engine.stop();
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1000);
  console.log(await measureEngineCost(n, process.argv[3]));
}
