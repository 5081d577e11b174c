/**
 * GitHub's own REST description (npm `@octokit/openapi`, the GHEC file: the only one with both the
 * org fine-grained PAT API and SAML credential authorizations) as a contract the simulator checks
 * every request it receives and every response it sends against, through `openapi-backend`.
 *
 * Loaded once per process (the parsed 14 MB file is cached); the description is patched in memory
 * at load time (never on disk) where it cannot be used as it is: see {@link patch}.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OpenAPIBackend, type Operation } from 'openapi-backend';

export const DESCRIPTION_FILE = '@octokit/openapi/generated/ghec.json';

/** Status codes GitHub answers on any operation although most operations do not declare them. */
export const GLOBAL_ERROR_STATUSES = [401, 403, 404, 422, 429, 500, 503] as const;

type Json = Record<string, unknown>;

export interface Contract {
  api: OpenAPIBackend;
  definition: Json;
  /** Milliseconds to read, parse, patch and index the description (first load in this process). */
  loadMs: number;
  file: string;
  /** Dereferenced schema of `#/components/schemas/{name}`. */
  schema(name: string): Json;
}

let cached: Contract | undefined;

/**
 * Load-time patches. Three operations reference external files (`server-statistics-*.yaml`) that
 * the package does not ship: they become empty schemas. Ajv does not support `discriminator.mapping`;
 * `oneOf` alone already tells the variants apart, so the discriminators go. Ajv refuses `nullable`
 * on a schema without `type`: beside an `anyOf`/`oneOf` it becomes one more `{ type: 'null' }` variant.
 */
function patch(node: unknown): void {
  if (Array.isArray(node)) {
    for (const x of node) patch(x);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Json;
  if (typeof o.$ref === 'string' && !o.$ref.startsWith('#')) {
    delete o.$ref;
    o.description = 'external reference removed at load time';
  }
  if (o.discriminator && typeof o.discriminator === 'object' && Array.isArray(o.oneOf)) delete o.discriminator;
  // Ajv refuses `nullable` without `type` (`installation.account`: nullable beside anyOf); the same meaning, said another way.
  for (const k of ['anyOf', 'oneOf'] as const) {
    if (o.nullable === true && o.type === undefined && Array.isArray(o[k])) {
      delete o.nullable;
      o[k] = [...(o[k] as unknown[]), { type: 'null' }];
    }
  }
  for (const v of Object.values(o)) patch(v);
}

/** The contract, loaded on first use and cached for the process. */
export function loadContract(): Contract {
  if (cached) return cached;
  const started = performance.now();
  const require = createRequire(import.meta.url);
  const path = join(dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'ghec.json');
  const definition = JSON.parse(readFileSync(path, 'utf8')) as Json;
  patch(definition);
  const api = new OpenAPIBackend({
    definition: definition as never,
    quick: true, // dereference synchronously and compile each operation's validators on first use
    strict: false,
    validate: true,
    ajvOpts: { strict: false, allErrors: true, logger: false },
    customizeAjv: (ajv) => {
      const addFormats = (require('ajv-formats') as { default?: (a: unknown) => void }).default ?? (require('ajv-formats') as (a: unknown) => void);
      addFormats(ajv);
      return ajv;
    },
  });
  api.init();
  const components = (api.definition as unknown as { components: { schemas: Record<string, Json> } }).components;
  cached = { api, definition: api.definition as unknown as Json, loadMs: Math.round(performance.now() - started), file: DESCRIPTION_FILE, schema: (name) => components.schemas[name]! };
  return cached;
}

export type { Operation };
