/**
 * Time to verified containment of one subject holding N artifacts against the lab OpenID provider
 * (a process of its own; every call delayed by `latencyMs`, like a remote provider), Sever versus a
 * sequential revoke-one-then-the-next baseline using the same connector.
 *
 * Critical path: the provider allows C concurrent calls (the connector's concurrency), so at best
 * ceil(N / C) revoke→verify chains run one after another, after one discovery:
 *   critical = discover + ceil(N / C) × (median revoke + median verify), all measured in the baseline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomIds, systemClock } from '../src/core/clock.ts';
import { DEFAULT_POLICY } from '../src/core/policy.ts';
import { parseRunbook } from '../src/core/runbook.ts';
import type { Connector } from '../src/connectors/contract.ts';
import { loadConnectorModules } from '../src/connectors/registry.ts';

const CONNECTOR_MODULES = await loadConnectorModules();
import { createEngine } from '../src/engine/create-engine.ts';
import { createKeepAliveFetch } from '../src/engine/keepalive-fetch.ts';
import { secretBoxFromKey } from '../src/engine/secret-box.ts';
import { loadOrCreateKeyFile } from '../src/ledger/index.ts';
import { openStore } from '../src/store/open.ts';
import type { ArtifactHandle } from '../src/core/model.ts';

interface Lab {
  info: { baseUrl: string; realm: string; adminToken: string; sever: { clientId: string; clientSecret: string }; clients: Record<string, { clientSecret: string }> };
  proc: ChildProcess;
  close(): Promise<void>;
}

/** Starts the lab provider in its own process, holding about n artifacts of alice. */
export async function startLab(n: number, latencyMs: number): Promise<Lab> {
  const grants = Math.ceil((n - 1) / 3); // each offline grant: one offline session + two access tokens; one consent per client
  const proc = spawn(process.execPath, [fileURLToPath(new URL('../lab/idp/serve.ts', import.meta.url)), JSON.stringify({ latencyMs, accessTokenTtl: 3600, mint: { user: 'alice', clientId: 'app', grants, offline: true, accessTokens: 2, refreshTokens: 1 } })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve);
    proc.once('exit', (c) => reject(new Error(`lab exited with ${c}`)));
  });
  return { info: JSON.parse(line), proc, close: async () => void (proc.kill('SIGTERM'), await new Promise((r) => proc.once('exit', r))) };
}

function connectorFor(lab: Lab['info']): Connector {
  const mod = CONNECTOR_MODULES.keycloak!;
  const secrets: Record<string, string> = { 'env:ADMIN': lab.adminToken, 'env:SEVER': lab.sever.clientSecret, 'env:APP': lab.clients.app!.clientSecret };
  const settings = mod.settingsSchema.parse({ baseUrl: lab.baseUrl, realm: lab.realm, adminTokenRef: 'env:ADMIN', clientId: 'sever', clientSecretRef: 'env:SEVER', clientSecrets: { app: 'env:APP' } });
  return mod.create('keycloak:lab', settings, { clock: systemClock, fetch: createKeepAliveFetch(), resolveSecret: async (r) => secrets[r]! });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Discover, then revoke and verify each artifact one after another. */
export async function sequentialBaseline(lab: Lab['info']) {
  const c = connectorFor(lab);
  const t0 = performance.now();
  const found = await c.discover({ id: 'alice', handle: 'alice' });
  const discoverMs = performance.now() - t0;
  const revokeMs: number[] = [];
  const verifyMs: number[] = [];
  let dead = 0;
  for (const a of found) {
    const h: ArtifactHandle = { kind: a.kind, externalId: a.externalId, label: a.label, attributes: a.attributes ?? {}, revocable: a.revocable ?? true, subjectId: 'alice', ...(a.secret ? { secret: a.secret } : {}), ...(a.expiresAt ? { expiresAt: a.expiresAt } : {}) };
    const r0 = performance.now();
    if (h.revocable) await c.revoke(h);
    const r1 = performance.now();
    for (let i = 0; i < 20; i++) {
      if ((await c.verify(h)).verdict !== 'live') {
        dead++;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    revokeMs.push(r1 - r0);
    verifyMs.push(performance.now() - r1);
  }
  return { artifacts: found.length, dead, totalMs: performance.now() - t0, discoverMs, medianRevokeMs: median(revokeMs), medianVerifyMs: median(verifyMs) };
}

/** Creates an embedded store (PGlite's initdb is memory-hungry; a real data directory is created once). */
export async function initStore(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sever-bench-lab-'));
  await (await openStore({ dataDir: dir })).close();
  return dir;
}

export async function severContainment(lab: Lab['info'], dir: string) {
  const conn = await openStore({ dataDir: dir });
  const connector = connectorFor(lab);
  const engine = createEngine({
    conn, connectors: [connector], policy: DEFAULT_POLICY,
    runbook: parseRunbook({ version: 1, roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'], responders: ['eddie', 'ida'] }, applications: [] }),
    clock: systemClock, ids: randomIds((k) => randomBytes(k)), signer: await loadOrCreateKeyFile(join(dir, 'k.jwk')), secrets: secretBoxFromKey(randomBytes(32)),
  });
  try {
    await engine.context.runner.start();
    const id = await engine.openIncident({ subject: { type: 'human', handle: 'alice', identifiers: { 'keycloak:lab': 'alice' } }, actor: 'ida' });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const d = await engine.discover(id, 'ida');
    await engine.plan(id, 'ida');
    const s = await engine.contain(id, 'eddie');
    const totalMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const proved = (s.byStatus['verified-dead'] ?? 0) + (s.byStatus['verified-expired'] ?? 0);
    if (proved !== d.total) throw new Error(`bench: only ${proved} of ${d.total} proved: ${JSON.stringify(s.byStatus)}`);
    return { artifacts: d.total, proved, totalMs, cpuMs: (cpu.user + cpu.system) / 1000, concurrency: connector.manifest.limits.concurrency };
  } finally {
    await engine.stop();
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
