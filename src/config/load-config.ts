import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from '../core/parse-document.ts';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../core/policy.ts';
import { parseRunbook, type Runbook } from '../core/runbook.ts';
import { SeverError } from '../core/errors.ts';
import { CONNECTOR_MODULES } from '../connectors/registry.ts';
import { CONNECTOR_NAME, configSchema, type ConnectorInstanceConfig } from './schema.ts';

export interface LoadedConfig {
  path: string;
  connectors: Record<string, Omit<ConnectorInstanceConfig, 'settings'> & { kind: string; settings: unknown }>;
  policy: Policy;
  runbook: Runbook;
  ledgerKeyFile?: string;
}

/** Reads and checks sever.yaml completely: every connector kind exists and its settings validate. */
export function loadConfig(path: string): LoadedConfig {
  if (!existsSync(path)) throw new SeverError('ERR_CONFIG_NOT_FOUND', `configuration file not found: ${path} (pass --config or create sever.yaml; see docs/config.md)`, { details: { path } });
  const text = readFileSync(path, 'utf8');
  return parseConfig(text, path);
}

export function parseConfig(text: string, path = 'sever.yaml'): LoadedConfig {
  const raw = parseDocument(text, configSchema, 'ERR_CONFIG_INVALID', `configuration (${path})`);
  const base = dirname(resolve(path));
  const connectors: LoadedConfig['connectors'] = {};
  for (const [name, inst] of Object.entries(raw.connectors)) {
    if (!CONNECTOR_NAME.test(name)) {
      throw new SeverError('ERR_CONFIG_INVALID', `connectors.${name}: connector names are kind:instance, e.g. keycloak:lab`, { details: { problems: [{ path: `connectors.${name}`, message: 'expected kind:instance' }] } });
    }
    const kind = name.split(':')[0]!;
    const mod = CONNECTOR_MODULES[kind];
    if (!mod) {
      throw new SeverError('ERR_CONNECTOR_UNKNOWN', `connectors.${name}: unknown connector kind ${kind} (built in: ${Object.keys(CONNECTOR_MODULES).join(', ')})`, { details: { connector: name } });
    }
    const settings: unknown = parseDocument(inst.settings, mod.settingsSchema, 'ERR_CONFIG_INVALID', `settings of connectors.${name} in ${path}`);
    connectors[name] = { ...inst, kind, settings };
  }
  const doc = (inline: unknown, file: string | undefined, what: string) => {
    if (inline !== undefined && file !== undefined) throw new SeverError('ERR_CONFIG_INVALID', `${path}: give either ${what} or ${what}File, not both`, { details: { field: what } });
    if (file === undefined) return inline;
    const p = resolve(base, file);
    if (!existsSync(p)) throw new SeverError('ERR_CONFIG_NOT_FOUND', `${what}File ${file} not found (resolved to ${p})`, { details: { field: `${what}File` } });
    return readFileSync(p, 'utf8');
  };
  const policyInput = doc(raw.policy, raw.policyFile, 'policy');
  const runbookInput = doc(raw.runbook, raw.runbookFile, 'runbook');
  if (runbookInput === undefined) throw new SeverError('ERR_RUNBOOK_INVALID', `${path}: a runbook (or runbookFile) is required: who signs off for identity engineering, each application, and the IR lead`, { details: { field: 'runbook' } });
  return {
    path,
    connectors,
    policy: policyInput === undefined ? DEFAULT_POLICY : parsePolicy(policyInput),
    runbook: parseRunbook(runbookInput),
    ...(raw.ledger?.keyFile ? { ledgerKeyFile: resolve(base, raw.ledger.keyFile) } : {}),
  };
}
