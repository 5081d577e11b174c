/**
 * One Sever process of the crash campaign: opens the embedded store, contains the incident
 * against the HTTP provider, prints the summary. The campaign kills it at random points.
 *   node crash-child.ts <dataDir> <providerUrl> <incidentId> <secretsKeyHex>
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { randomIds, systemClock } from '../../src/core/clock.ts';
import { DEFAULT_POLICY } from '../../src/core/policy.ts';
import { createEngine, type Engine } from '../../src/engine/create-engine.ts';
import { secretBoxFromKey } from '../../src/engine/secret-box.ts';
import { loadOrCreateKeyFile } from '../../src/ledger/index.ts';
import { openStore } from '../../src/store/open.ts';
import type { Connection } from '../../src/store/types.ts';
import { TEST_RUNBOOK } from './engine-harness.ts';
import { createHttpConnector } from './http-provider.ts';

export async function openCampaignEngine(dataDir: string, url: string, keyHex: string): Promise<{ engine: Engine; conn: Connection }> {
  const conn = await openStore({ dataDir });
  const engine = createEngine({
    conn, connectors: [createHttpConnector('memory:http', url)], policy: DEFAULT_POLICY, runbook: TEST_RUNBOOK, clock: systemClock,
    ids: randomIds((n) => randomBytes(n)), signer: await loadOrCreateKeyFile(join(dataDir, 'ledger.jwk')), secrets: secretBoxFromKey(Buffer.from(keyHex, 'hex')),
  });
  return { engine, conn };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dataDir, url, incidentId, keyHex] = process.argv.slice(2) as [string, string, string, string];
  const { engine, conn } = await openCampaignEngine(dataDir, url, keyHex);
  // For the campaign: when the store was open (this process's start-up done), on the shared clock.
  process.stderr.write(`store-open ${Date.now()}\n`);
  const s = await engine.contain(incidentId, 'eddie');
  await engine.stop();
  await conn.close();
  console.log(JSON.stringify(s));
}
