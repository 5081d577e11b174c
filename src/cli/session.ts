/**
 * Opens what a command needs (config, store, keys, engine) and always closes it again. Every
 * path the user names is checked first: a directory where a file belongs, a file where a
 * directory belongs, a missing parent or no permission is ERR_INPUT_INVALID naming the path.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import pino from 'pino';
import { randomIds, systemClock } from '../core/clock.ts';
import { SeverError } from '../core/errors.ts';
import { loadConfigWithConnectors } from '../config/load-config.ts';
import { createEngine, type Engine } from '../engine/create-engine.ts';
import { loadOrCreateSecretBox } from '../engine/secret-box.ts';
import { loadOrCreateKeyFile } from '../ledger/index.ts';
import { openStore } from '../store/open.ts';
import { databaseUrl } from './args.ts';
import { inputError } from './output.ts';

export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  databaseUrl?: string;
  json?: boolean;
  verbose?: boolean;
}

/** Runs `fn` with an engine for the global options; the CLI's default opens config, store and keys. */
export type WithEngine = <T>(o: GlobalOptions, fn: (engine: Engine) => Promise<T>) => Promise<T>;

export function resolveGlobals(o: GlobalOptions) {
  return {
    config: resolve(o.config ?? process.env.SEVER_CONFIG ?? (existsSync('sever.yaml') ? 'sever.yaml' : join(o.dataDir ?? process.env.SEVER_DATA_DIR ?? '.sever', 'sever.yaml'))),
    dataDir: resolve(o.dataDir ?? process.env.SEVER_DATA_DIR ?? '.sever'),
    databaseUrl: o.databaseUrl ?? process.env.SEVER_DATABASE_URL,
    json: !!o.json,
  };
}

/** `$SEVER_ACTOR`, else the login name; empty when there is none (a user without a passwd entry). */
export function defaultActor(): string {
  if (process.env.SEVER_ACTOR !== undefined) return process.env.SEVER_ACTOR;
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code ?? 'error';

/**
 * Makes sure `dir` is a usable directory (creating it, mode 0700, when missing).
 *
 * @throws SeverError `ERR_INPUT_INVALID` naming the option and the path.
 */
export function ensureDirectory(dir: string, flag = '--data-dir'): void {
  let st;
  try {
    st = statSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    throw inputError(`${flag} ${dir}: cannot use it (${errno(e)})`, { field: flag, path: dir });
  }
  if (st && !st.isDirectory()) throw inputError(`${flag} ${dir}: not a directory`, { field: flag, path: dir });
  try {
    if (!st) mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (e) {
    const c = errno(e);
    const why = c === 'ENOTDIR' || c === 'EEXIST' ? 'a parent is not a directory' : c === 'EACCES' || c === 'EPERM' ? 'no permission' : c;
    throw inputError(`${flag} ${dir}: cannot create or use it (${why})`, { field: flag, path: dir });
  }
}

/**
 * Checks that `path` can be written as a file: not a directory, and its parent a directory
 * (created when `createParent`).
 *
 * @throws SeverError `ERR_INPUT_INVALID` naming the option and the path.
 */
export function ensureWritableFile(path: string, flag: string, createParent = false): void {
  // A name the file system cannot hold (over 255 bytes, ENAMETOOLONG) or cannot look up is bad input, not a bug.
  if (Buffer.byteLength(basename(path)) > 255) throw inputError(`${flag} ${path.slice(0, 80)}…: the file name is longer than 255 bytes`, { field: flag });
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    throw inputError(`${flag} ${path.slice(0, 200)}: cannot be looked up (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { field: flag });
  }
  if (st?.isDirectory()) throw inputError(`${flag} ${path}: is a directory; give a file name`, { field: flag, path });
  const parent = dirname(path);
  const pst = statSync(parent, { throwIfNoEntry: false });
  if (!pst && createParent) return ensureDirectory(parent, flag);
  if (!pst) throw inputError(`${flag} ${path}: the directory ${parent} does not exist`, { field: flag, path });
  if (!pst.isDirectory()) throw inputError(`${flag} ${path}: ${parent} is not a directory`, { field: flag, path });
}

/** The default {@link WithEngine}: config, store, ledger key and secrets key of the global options. */
export const withEngine: WithEngine = async (o, fn) => {
  const g = resolveGlobals(o);
  if (g.databaseUrl !== undefined) databaseUrl(g.databaseUrl, o.databaseUrl !== undefined ? '--database-url' : 'SEVER_DATABASE_URL');
  const config = await loadConfigWithConnectors(g.config);
  ensureDirectory(g.dataDir, o.dataDir !== undefined ? '--data-dir' : process.env.SEVER_DATA_DIR !== undefined ? 'SEVER_DATA_DIR' : '--data-dir (default ./.sever)');
  const conn = await openStore({ dataDir: g.dataDir, ...(g.databaseUrl ? { databaseUrl: g.databaseUrl } : {}) });
  const log = pino({ level: o.verbose ? 'debug' : 'warn' }, pino.destination({ dest: 2, sync: true }));
  try {
    const keyFile = config.ledgerKeyFile ?? join(g.dataDir, 'ledger-ed25519.jwk');
    ensureWritableFile(keyFile, 'ledger.keyFile', true);
    const signer = await loadOrCreateKeyFile(keyFile);
    const secrets = openSecretBox(join(g.dataDir, 'secrets.key'));
    const engine = createEngine({
      conn, connectors: config.connectors, policy: config.policy, runbook: config.runbook, identities: config.identities, clock: systemClock,
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
};

function openSecretBox(path: string) {
  try {
    return loadOrCreateSecretBox(path);
  } catch (e) {
    if (e instanceof SeverError) throw e;
    throw inputError(`the secrets key ${path} cannot be read or created (${errno(e)}); it must be a file of this user`, { path });
  }
}
