/**
 * Opens what a command needs (config, store, keys, engine) and always closes it again.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import pino from 'pino';
import { randomIds, systemClock } from '../core/clock.ts';
import { loadConfig } from '../config/load-config.ts';
import { createEngine, type Engine } from '../engine/create-engine.ts';
import { loadOrCreateSecretBox } from '../engine/secret-box.ts';
import { loadOrCreateKeyFile } from '../ledger/index.ts';
import { openStore } from '../store/open.ts';

export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  databaseUrl?: string;
  json?: boolean;
  verbose?: boolean;
}

export function resolveGlobals(o: GlobalOptions) {
  return {
    config: resolve(o.config ?? process.env.SEVER_CONFIG ?? (existsSync('sever.yaml') ? 'sever.yaml' : join(o.dataDir ?? process.env.SEVER_DATA_DIR ?? '.sever', 'sever.yaml'))),
    dataDir: resolve(o.dataDir ?? process.env.SEVER_DATA_DIR ?? '.sever'),
    databaseUrl: o.databaseUrl ?? process.env.SEVER_DATABASE_URL,
    json: !!o.json,
  };
}

export function defaultActor(): string {
  return process.env.SEVER_ACTOR ?? userInfo().username;
}

export async function withEngine<T>(o: GlobalOptions, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const g = resolveGlobals(o);
  const config = loadConfig(g.config);
  const conn = await openStore({ dataDir: g.dataDir, ...(g.databaseUrl ? { databaseUrl: g.databaseUrl } : {}) });
  const log = pino({ level: o.verbose ? 'debug' : 'warn' }, pino.destination({ dest: 2, sync: true }));
  try {
    const signer = await loadOrCreateKeyFile(config.ledgerKeyFile ?? join(g.dataDir, 'ledger-ed25519.jwk'));
    const secrets = loadOrCreateSecretBox(join(g.dataDir, 'secrets.key'));
    const engine = createEngine({
      conn, connectors: config.connectors, policy: config.policy, runbook: config.runbook, clock: systemClock,
      ids: randomIds((n) => randomBytes(n)), signer, secrets, log,
    });
    try {
      return await fn(engine);
    } finally {
      await engine.stop();
    }
  } finally {
    await conn.close();
  }
}
