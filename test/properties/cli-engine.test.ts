/**
 * Property: random but well-formed-looking command lines against a real engine and store (one
 * embedded store, opened once and handed to main(argv) in-process) never end in a bug code
 * (ERR_INTERNAL, ERR_RECORD_INVALID, ERR_CANONICAL_JSON, ERR_STORE_FAILED) nor an uncoded
 * message: values the store or the ledger cannot hold are refused as input. `contain` and
 * `verify` are left out (they wait on providers' deadlines; test/cli covers them). fast-check
 * prints the seed and the shrunk counterexample of a failure.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { randomIds, systemClock } from '../../src/core/clock.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { createEngine, type Engine } from '../../src/engine/create-engine.ts';
import { secretBoxFromKey } from '../../src/engine/secret-box.ts';
import { loadOrCreateKeyFile } from '../../src/ledger/index.ts';
import { openStore } from '../../src/store/open.ts';
import type { Connection } from '../../src/store/types.ts';
import { tempDir } from '../support/databases.ts';
import { runMain, withFake } from '../cli/support.ts';
import { commandArb } from './arbitraries.ts';
import { checkRun } from './check-run.ts';
import { loadConnectorModules } from '../../src/connectors/registry.ts';

// Connector kinds load on demand; these tests parse configurations directly.
await loadConnectorModules();

const config = parseConfig(stringify({
  version: 1,
  connectors: { 'oauth:x': { settings: { revocationEndpoint: 'http://127.0.0.1:1/revoke', introspectionEndpoint: 'http://127.0.0.1:1/introspect', clientId: 'sever', clientSecretRef: 'env:NOPE' } } },
  runbook: {
    version: 1, roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'], responders: ['eddie', 'ida'] },
    applications: [{ name: 'payroll', connectors: ['oauth:x'], owners: ['paula'] }],
  },
}));

describe('property: the CLI over random arguments, against a real engine', () => {
  const cwd = process.cwd();
  let conn: Connection;
  let engine: Engine;
  const ids: string[] = [];
  let good: Record<string, string[]> = {};
  before(async () => {
    const dir = tempDir('sever-prop-engine-');
    process.chdir(dir);
    process.env.SEVER_ACTOR = 'ida';
    conn = await openStore({ dataDir: join(dir, 'data') });
    engine = createEngine({
      conn, connectors: config.connectors, policy: config.policy, runbook: config.runbook, clock: systemClock, ids: randomIds((n) => randomBytes(n)),
      signer: await loadOrCreateKeyFile(join(dir, 'data', 'ledger.jwk')), secrets: secretBoxFromKey(randomBytes(32)),
    });
    const inc = await engine.openIncident({ subject: { type: 'human', handle: 'carol', identifiers: {} }, reason: 'seed', actor: 'ida' });
    writeFileSync('token.txt', 'a-leaked-token\n');
    writeFileSync('token.bin', Buffer.from([0xff, 0x00, 0xfe]));
    const art = await engine.addArtifact(inc, { connector: 'oauth:x', kind: 'refresh-token', value: 'seed-token', actor: 'ida' });
    ids.push(inc, art, 'token.txt', 'token.bin', 'out.json');
    good = {
      '<operand>': [inc], '--as': ['ida', 'irene', 'eddie', 'paula', 'mallory'], '--role': ['identity-engineering', 'ir-lead', 'app-owner:payroll', 'app-owner:crm'],
      '--subject': ['dave', 'x\u001b[2Jy'], '--subject-type': ['human', 'ai-agent'], '--id': ['oauth:x=dave', 'keycloak:lab=dave'], '--reason': ['phished', 'a\u0007b'],
      '--note': ['ok'], '--artifact': [art], '--expires': ['24h', '2030-01-01T00:00:00Z', '1s'], '--expires-at': ['1h', '2031-06-30'], '--connector': ['oauth:x'],
      '--kind': ['access-token', 'refresh-token', 'ssh-certificate'], '--value-file': ['token.txt', 'token.bin'], '--ref': ['provider-id-1'], '--label': ['leaked'],
      '--attribute': ['clientId=app'], '--out': ['out.json'], '-o': ['out.json'],
    };
  });
  after(async () => {
    await engine?.stop();
    await conn?.close();
    process.chdir(cwd);
  });

  it('no command line ends in a bug code; each run is one coded outcome', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(commandArb(ids, good).filter((a) => !a.includes('contain') && !a.includes('verify')), async (argv) => {
        const r = await runMain(argv, withFake(engine));
        const code = checkRun(argv, r) ?? `exit ${r.code}`;
        seen.set(code, (seen.get(code) ?? 0) + 1);
      }),
      { numRuns: Number(process.env.SEVER_PROPERTY_RUNS ?? 300) },
    );
    if (process.env.SEVER_PROPERTY_RUNS) console.log([...seen]);
    assert.ok((seen.get('exit 0') ?? 0) > 0, JSON.stringify([...seen]));
  });
});
