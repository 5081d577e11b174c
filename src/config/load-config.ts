import type { IdentityMapping } from '../core/model.ts';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../core/policy.ts';
import { parseRunbook, type Runbook } from '../core/runbook.ts';
import { SeverError, type ErrorCode } from '../core/errors.ts';
import { describeIssues, type FieldProblem } from '../core/zod-issues.ts';
import { CONNECTOR_KINDS, connectorModule, loadConnectorModules } from '../connectors/registry.ts';
import { CONNECTOR_NAME, configSchema, type ConnectorInstanceConfig } from './schema.ts';

export interface LoadedConfig {
  path: string;
  connectors: Record<string, Omit<ConnectorInstanceConfig, 'settings'> & { kind: string; settings: unknown }>;
  policy: Policy;
  runbook: Runbook;
  ledgerKeyFile?: string;
  /** Explicit identity links (`identities:`). */
  identities: IdentityMapping[];
}

/** One problem of sever.yaml (or of the policy or runbook file it names), with its own code. */
export interface ConfigProblem extends FieldProblem {
  code: ErrorCode;
}

/** sever.yaml, a policy file or a runbook file larger than this is refused before it is read. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads and checks sever.yaml completely: every connector kind exists and its settings validate.
 *
 * @throws SeverError `ERR_CONFIG_NOT_FOUND` (no file), `ERR_INPUT_INVALID` (a directory, not
 *   readable, too large), or the error of {@link parseConfig}.
 */
export function loadConfig(path: string): LoadedConfig {
  return parseConfig(readTextFile(path, 'configuration file', 'config'), path);
}

/**
 * {@link loadConfig}, after loading the connector kinds the file names (only those: a restart does
 * not pay for every provider SDK). The way every face reads sever.yaml.
 */
export async function loadConfigWithConnectors(path: string): Promise<LoadedConfig> {
  const text = readTextFile(path, 'configuration file', 'config');
  await loadConnectorModules(connectorKindsIn(text));
  return parseConfig(text, path);
}

/** The connector kinds a sever.yaml names (before it is checked; a bad file yields none). */
function connectorKindsIn(text: string): string[] {
  let value: unknown;
  try {
    value = parseYaml(text, { logLevel: 'error' });
  } catch {
    return [];
  }
  const connectors = isObject(value) && isObject(value.connectors) ? value.connectors : {};
  return [...new Set(Object.keys(connectors).map((name) => name.split(':')[0]!))];
}

/**
 * Parses sever.yaml and reports every problem at once: the file's schema, each connector's name,
 * kind and settings, the policy and the runbook. One kind of problem keeps its own code
 * (`ERR_CONNECTOR_UNKNOWN`, `ERR_POLICY_INVALID`, …); several kinds are one `ERR_CONFIG_INVALID`.
 * `details.problems` lists them all as `{ path, message, code }`. A value given where a
 * credential reference (`…Ref`) belongs is never echoed: it is likely an inline secret.
 */
export function parseConfig(text: string, path = 'sever.yaml'): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const value = yaml(text, (reason) => {
    throw new SeverError('ERR_CONFIG_INVALID', `The configuration (${path}) is not valid YAML: ${reason}`, { details: { path, problems: [{ path: '(root)', message: reason, code: 'ERR_CONFIG_INVALID' }] } });
  });
  const add = (code: ErrorCode, list: readonly FieldProblem[], prefix = '') =>
    problems.push(...list.map((p) => ({ code, path: prefix === '' ? p.path : p.path === '(root)' ? prefix : `${prefix}${p.path.startsWith('[') ? '' : '.'}${p.path}`, message: p.message })));

  const top = configSchema.safeParse(value);
  if (!top.success) add('ERR_CONFIG_INVALID', describeIssues(top.error.issues, value));
  const raw = isObject(value) ? value : {};

  const connectors: LoadedConfig['connectors'] = {};
  for (const [name, inst] of Object.entries(isObject(raw.connectors) ? raw.connectors : {})) {
    if (!CONNECTOR_NAME.test(name)) {
      add('ERR_CONFIG_INVALID', [{ path: `connectors.${name}`, message: 'connector names are kind:instance, e.g. keycloak:lab (lower case, 128 characters at most)' }]);
      continue;
    }
    const kind = name.split(':')[0]!;
    if (!CONNECTOR_KINDS.includes(kind)) {
      add('ERR_CONNECTOR_UNKNOWN', [{ path: `connectors.${name}`, message: `unknown connector kind ${kind} (built in: ${CONNECTOR_KINDS.join(', ')})` }]);
      continue;
    }
    const mod = connectorModule(kind);
    if (!mod) throw new SeverError('ERR_INTERNAL', `connector kind ${kind} was not loaded before the configuration was parsed (use loadConfigWithConnectors, or loadConnectorModules first)`, { details: { kind } });
    const settingsIn = isObject(inst) ? (inst.settings ?? {}) : undefined;
    if (!isObject(settingsIn)) continue; // the file's schema has said what is wrong
    const settings = mod.settingsSchema.safeParse(settingsIn);
    if (!settings.success) add('ERR_CONFIG_INVALID', describeIssues(settings.error.issues, settingsIn), `connectors.${name}.settings`);
    else if (top.success) connectors[name] = { ...top.data.connectors[name]!, kind, settings: settings.data };
  }

  const base = dirname(resolve(path));
  const doc = (what: 'policy' | 'runbook'): unknown => {
    const inline = raw[what];
    const file = raw[`${what}File`];
    if (inline !== undefined && file !== undefined) {
      add('ERR_CONFIG_INVALID', [{ path: `${what}File`, message: `give either ${what} or ${what}File, not both` }]);
      return undefined;
    }
    if (typeof file !== 'string' || file === '') return inline;
    let text: string;
    try {
      text = readTextFile(resolve(base, file), `${what}File`, `${what}File`);
    } catch (e) {
      if (!(e instanceof SeverError)) throw e;
      add(e.code, [{ path: `${what}File`, message: e.message }]);
      return undefined;
    }
    // Parsed here (quietly) rather than by the policy's own parser, which would print YAML warnings.
    return yaml(text, (reason) => {
      add(what === 'policy' ? 'ERR_POLICY_INVALID' : 'ERR_RUNBOOK_INVALID', [{ path: `${what}File(${file})`, message: `not valid YAML: ${reason}` }]);
      return undefined;
    });
  };
  const check = <T>(what: 'policy' | 'runbook', input: unknown, parse: (x: unknown) => T): T | undefined => {
    try {
      return parse(input);
    } catch (e) {
      if (!(e instanceof SeverError)) throw e;
      const list = Array.isArray(e.details.problems) ? (e.details.problems as FieldProblem[]) : [{ path: '(root)', message: e.message }];
      add(e.code, list, typeof raw[`${what}File`] === 'string' ? `${what}File(${String(raw[`${what}File`])})` : what);
      return undefined;
    }
  };
  const policyInput = doc('policy');
  const runbookInput = doc('runbook');
  const policy = policyInput === undefined ? DEFAULT_POLICY : check('policy', policyInput, parsePolicy);
  let runbook: Runbook | undefined;
  if (runbookInput !== undefined) runbook = check('runbook', runbookInput, parseRunbook);
  else if (isObject(value) && !problems.some((p) => p.path === 'runbookFile')) {
    add('ERR_RUNBOOK_INVALID', [{ path: 'runbook', message: 'a runbook (or runbookFile) is required: who signs off for identity engineering, each application, and the IR lead' }]);
  }

  if (top.success) {
    const seen = new Map<string, number>();
    top.data.identities.forEach((m, i) => {
      for (const c of Object.keys(m.links)) {
        if (!Object.hasOwn(top.data.connectors, c)) add('ERR_CONFIG_INVALID', [{ path: `identities[${i}].links.${c}`, message: `no connector ${c} is configured` }]);
      }
      for (const name of [m.subject, ...(m.aliases ?? [])]) {
        const first = seen.get(name);
        if (first !== undefined && first !== i) add('ERR_CONFIG_INVALID', [{ path: `identities[${i}]`, message: `${JSON.stringify(name)} is already mapped by identities[${first}]` }]);
        seen.set(name, i);
      }
    });
  }
  if (problems.length > 0) throw configError(path, redact(merge(problems), value));
  const data = top.data!;
  return {
    path,
    connectors,
    policy: policy!,
    runbook: runbook!,
    identities: data.identities.map((m) => ({ subject: m.subject, ...(m.aliases ? { aliases: m.aliases } : {}), links: m.links })),
    ...(data.ledger?.keyFile ? { ledgerKeyFile: resolve(base, data.ledger.keyFile) } : {}),
  };
}

/** One problem per path: zod may say two things about one value (not an integer, and too big). */
function merge(problems: ConfigProblem[]): ConfigProblem[] {
  const byPath = new Map<string, ConfigProblem>();
  for (const p of problems) {
    const seen = byPath.get(p.path);
    if (!seen) byPath.set(p.path, { ...p });
    else if (!seen.message.includes(p.message)) seen.message = `${seen.message}; ${p.message}`;
  }
  return [...byPath.values()];
}

function configError(path: string, problems: ConfigProblem[]): SeverError {
  const codes = [...new Set(problems.map((p) => p.code))];
  const code = codes.length === 1 ? codes[0]! : 'ERR_CONFIG_INVALID';
  const first = problems[0]!;
  const message = problems.length === 1
    ? `${first.path}: ${first.message} (in ${path})`
    : `The configuration ${path} has ${problems.length} problems (each one listed), the first at ${first.path}: ${first.message}`;
  return new SeverError(code, message, { details: { path, problems } });
}

/**
 * Keys whose values are credential references (`clientSecretRef`, `clientSecrets: {app: …}`):
 * whatever stands there that is not a reference is likely a secret pasted inline.
 */
const REF_KEY = /(Ref|Refs|Secrets)$/;
const REFERENCE = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;

function redact(problems: ConfigProblem[], value: unknown): ConfigProblem[] {
  const secrets = new Set<string>();
  const collect = (v: unknown, under: boolean, depth: number): void => {
    if (depth > 64) return;
    if (typeof v === 'string') {
      if (under && !REFERENCE.test(v)) secrets.add(v);
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      if (under) secrets.add(String(v));
    } else if (Array.isArray(v)) {
      for (const x of v) collect(x, under, depth + 1);
    } else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) collect(x, under || REF_KEY.test(k), depth + 1);
    }
  };
  collect(value, false, 0);
  const hidden = [...secrets].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
  const scrub = (s: string) => hidden.reduce((acc, h) => acc.split(h).join('[value not shown]'), s);
  return problems.map((p) => {
    const refPath = p.path.split(/[.[\]]/).some((seg) => REF_KEY.test(seg));
    const message = refPath ? p.message.replace(/ \(got [^)]*\)$/, '') : p.message;
    return { ...p, path: scrub(p.path), message: scrub(message) };
  });
}

/**
 * Reads a small text file the user named, refusing what is not one.
 *
 * @throws SeverError `ERR_CONFIG_NOT_FOUND` when it does not exist; `ERR_INPUT_INVALID` when it
 *   is a directory or not a regular file, a parent is not a directory, it cannot be read, or it
 *   is larger than {@link MAX_CONFIG_BYTES}; `ERR_CONFIG_INVALID` when it is not UTF-8 text.
 */
export function readTextFile(path: string, what: string, field: string): string {
  const fail = (message: string) => new SeverError('ERR_INPUT_INVALID', `${what} ${path}: ${message}`, { details: { field, path } });
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    if (c === 'ENOENT') {
      const hint = field === 'config' ? ' (pass --config or create sever.yaml; see docs/config.md)' : '';
      throw new SeverError('ERR_CONFIG_NOT_FOUND', `${what} not found: ${path}${hint}`, { details: { field, path } });
    }
    throw fail(c === 'ENOTDIR' ? 'a parent of the path is not a directory' : `cannot be read (${c ?? 'error'})`);
  }
  if (st.isDirectory()) throw fail('is a directory, not a file');
  if (!st.isFile()) throw fail('is not a regular file');
  if (st.size > MAX_CONFIG_BYTES) throw fail(`is ${st.size} bytes; at most ${MAX_CONFIG_BYTES}`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw fail(`cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SeverError('ERR_CONFIG_INVALID', `${what} ${path}: is not UTF-8 text`, { details: { field, path, problems: [{ path: '(root)', message: 'not UTF-8 text', code: 'ERR_CONFIG_INVALID' }] } });
  }
}

/** YAML to a value; warnings are not printed (stderr stays clean for --json), errors go to `fail`. */
function yaml(text: string, fail: (reason: string) => unknown): unknown {
  try {
    return parseYaml(text, { logLevel: 'error' });
  } catch (e) {
    return fail(e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e));
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
