/**
 * Okta's own description of its Management API (`../shared/specs/okta-management.yaml` beside the checkout,
 * OpenAPI 3.0.3, spec 5.1.0) as a contract the lab checks every management request and response
 * against, through `openapi-backend` (ajv underneath).
 *
 * Loaded once per process (≈2 s to parse 3.4 MB of YAML, validators compiled lazily per operation).
 * The file is never edited: at load time, `$ref`s inside examples that point nowhere are removed in
 * memory (the file's known quirk), and examples are otherwise left alone (they are not validated).
 *
 * What is NOT in the description, so not checked here: the OAuth endpoints (`/oauth2/…`, RFC 6749 /
 * RFC 7662 shapes, checked by hand in `oauth.ts`), and the generic error statuses Okta sends on any
 * operation without each operation declaring them (401 E0000011 for a bad SSWS token, 5xx): those
 * bodies are checked against the description's `ModelError` schema instead.
 */
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import OpenAPIBackendModule from 'openapi-backend';
import { parse } from 'yaml';

// openapi-backend is CommonJS with a default export; Node's ESM interop nests it once.
const { OpenAPIBackend } = OpenAPIBackendModule as unknown as { OpenAPIBackend: typeof import('openapi-backend').OpenAPIBackend };
type Backend = import('openapi-backend').OpenAPIBackend;
type Operation = import('openapi-backend').Operation;

/** `shared/` sits beside the checkout (here and in CI's fresh clone); SEVER_SHARED_DIR overrides it. */
export const OKTA_SPEC_PATH = process.env.SEVER_SHARED_DIR
  ? `${process.env.SEVER_SHARED_DIR.replace(/\/$/, '')}/specs/okta-management.yaml`
  : fileURLToPath(new URL('../../../shared/specs/okta-management.yaml', import.meta.url));

export interface LoadedSpec {
  api: Backend;
  /** Milliseconds spent parsing the YAML and initialising the backend. */
  loadMs: number;
  /** How many broken `$ref`s inside examples were removed at load time. */
  strippedRefs: number;
  /** Validates a body against a named component schema (e.g. ModelError). */
  validateSchema(name: string, body: unknown): string[];
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

let loaded: Promise<LoadedSpec> | undefined;

function resolves(doc: unknown, ref: string): boolean {
  if (!ref.startsWith('#/')) return false;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

/** Removes, inside example values, every `$ref` that does not resolve in the document. */
function stripBrokenExampleRefs(doc: Record<string, unknown>): number {
  let stripped = 0;
  const inExample = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(inExample);
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    if (typeof o.$ref === 'string' && !resolves(doc, o.$ref)) {
      delete o.$ref;
      stripped++;
    }
    Object.values(o).forEach(inExample);
  };
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === 'example' || k === 'examples') inExample(v);
      else walk(v);
    }
  };
  walk(doc);
  const components = doc.components as Record<string, unknown> | undefined;
  if (components?.examples) inExample(components.examples);
  return stripped;
}

/** The loaded description (one per process). */
export function loadOktaSpec(): Promise<LoadedSpec> {
  loaded ??= (async () => {
    const t0 = performance.now();
    const doc = parse(readFileSync(OKTA_SPEC_PATH, 'utf8'), { maxAliasCount: -1 }) as Record<string, unknown>;
    const strippedRefs = stripBrokenExampleRefs(doc);
    const api = new OpenAPIBackend({
      definition: doc as never,
      quick: true, // compile each operation's validators on first use: 827 operations up front would take far longer
      validate: true,
      // The description's discriminators carry no oneOf (ajv's discriminator keyword would reject them);
      // date-time is checked as RFC 3339, other formats Okta uses loosely (int64 on strings…) are not.
      ajvOpts: { strict: false, discriminator: false, allErrors: true, logger: false },
      customizeAjv: (ajv) => ajv.addFormat('date-time', RFC3339),
    });
    await api.init();
    const schemas = new Map<string, (b: unknown) => string[]>();
    const validateSchema = (name: string, body: unknown): string[] => {
      let v = schemas.get(name);
      if (!v) {
        const ajv = api.validator.getAjv(0 as never);
        const components = (api.definition as unknown as { components: { schemas: Record<string, unknown> } }).components.schemas;
        const fn = ajv.compile(components[name] as object);
        v = (b) => (fn(b) ? [] : (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`));
        schemas.set(name, v);
      }
      return v(body);
    };
    return { api, loadMs: Math.round(performance.now() - t0), strippedRefs, validateSchema };
  })();
  return loaded;
}

export type { Operation };
