/**
 * Google's own discovery document of the Admin SDK Directory API (`../shared/specs/
 * google-admin-directory_v1.json` beside the checkout; `SEVER_SHARED_DIR` overrides the folder) as a
 * contract: every method (`resources.<name>.methods.<verb>`: httpMethod, path, parameters,
 * request / response `$ref`) becomes a route, and every schema of `schemas` a JSON Schema that ajv
 * validates bodies against.
 *
 * The conversion (discovery → JSON Schema draft-07):
 *   `$ref: "User"`            → `$ref: "directory#/definitions/User"`
 *   object with `properties`  → the same, `additionalProperties: false` unless the schema gives one
 *                               (Google answers only declared fields: an undeclared one is a typo)
 *   `type: any`               → `{}`
 *   string `format` int64 / uint64 → a decimal-digits pattern (JSON carries 64-bit integers as strings)
 *   string `format` date-time / google-datetime → RFC 3339
 *   `annotations.required: [methodId]` → `required` when validating that method's request body
 * Query and path parameters are checked by hand (type, enum, minimum / maximum, required, unknown
 * names against the method's and the document's global parameters).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';

type AjvClass = typeof import('ajv').default;
const Ajv = ((AjvModule as unknown as { default?: AjvClass }).default ?? AjvModule) as AjvClass;
type ValidateFn = import('ajv').ValidateFunction;

export const DISCOVERY_PATH = process.env.SEVER_SHARED_DIR
  ? `${process.env.SEVER_SHARED_DIR.replace(/\/$/, '')}/specs/google-admin-directory_v1.json`
  : fileURLToPath(new URL('../../../shared/specs/google-admin-directory_v1.json', import.meta.url));

interface DiscoveryParameter { type?: string; pattern?: string; required?: boolean; location?: string; enum?: string[]; format?: string; minimum?: string; maximum?: string; repeated?: boolean }
interface DiscoveryMethod { id: string; httpMethod: string; path: string; parameters?: Record<string, DiscoveryParameter>; request?: { $ref: string }; response?: { $ref: string }; scopes?: string[] }
interface DiscoverySchema { $ref?: string; type?: string; properties?: Record<string, DiscoverySchema>; items?: DiscoverySchema; additionalProperties?: DiscoverySchema; enum?: string[]; format?: string; minimum?: string; maximum?: string; annotations?: { required?: string[] } }
interface DiscoveryDoc { servicePath: string; parameters: Record<string, DiscoveryParameter>; resources: Record<string, { methods?: Record<string, DiscoveryMethod>; resources?: DiscoveryDoc['resources'] }>; schemas: Record<string, DiscoverySchema> }

/** One method of the document, with its route. */
export interface Method {
  /** e.g. `directory.tokens.delete`. */
  id: string;
  httpMethod: string;
  /** e.g. `admin/directory/v1/users/{userKey}/tokens/{clientId}`. */
  path: string;
  parameters: Record<string, DiscoveryParameter>;
  request?: string;
  response?: string;
  scopes: string[];
  regex: RegExp;
  pathParams: string[];
}

/** The body of every Google API error (not in the discovery document: Google's JSON error format). */
const ERROR_SCHEMA = {
  type: 'object', additionalProperties: false, required: ['error'],
  properties: {
    error: {
      type: 'object', additionalProperties: false, required: ['code', 'message', 'errors'],
      properties: {
        code: { type: 'integer', minimum: 400, maximum: 599 },
        message: { type: 'string', minLength: 1 },
        status: { type: 'string', pattern: '^[A-Z_]+$' },
        errors: {
          type: 'array', minItems: 1,
          items: { type: 'object', additionalProperties: false, required: ['reason', 'message'], properties: { reason: { type: 'string', minLength: 1 }, message: { type: 'string' }, domain: { type: 'string' }, location: { type: 'string' }, locationType: { type: 'string' } } },
        },
      },
    },
  },
};

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function toJsonSchema(s: DiscoverySchema): Record<string, unknown> {
  if (s.$ref) return { $ref: `directory#/definitions/${s.$ref}` };
  switch (s.type) {
    case 'object': {
      const out: Record<string, unknown> = { type: 'object' };
      if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, toJsonSchema(v)]));
      if (s.additionalProperties) out.additionalProperties = toJsonSchema(s.additionalProperties);
      else if (s.properties) out.additionalProperties = false;
      return out;
    }
    case 'array':
      return { type: 'array', ...(s.items ? { items: toJsonSchema(s.items) } : {}) };
    case 'string': {
      const out: Record<string, unknown> = { type: 'string' };
      if (s.enum) out.enum = s.enum;
      if (s.format === 'int64' || s.format === 'uint64') out.pattern = s.format === 'int64' ? '^-?[0-9]+$' : '^[0-9]+$';
      if (s.format === 'date-time' || s.format === 'google-datetime') out.format = 'date-time';
      return out;
    }
    case 'integer':
    case 'number':
      return { type: s.type, ...(s.minimum !== undefined ? { minimum: Number(s.minimum) } : {}), ...(s.maximum !== undefined ? { maximum: Number(s.maximum) } : {}) };
    case 'boolean':
      return { type: 'boolean' };
    default:
      return {};
  }
}

const ajvErrors = (v: ValidateFn) => (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${e.params ? JSON.stringify(e.params) : ''}`.trim());

function paramErrors(name: string, p: DiscoveryParameter, value: string): string[] {
  const errors: string[] = [];
  if (p.type === 'integer') {
    if (!/^-?\d+$/.test(value)) errors.push(`parameter ${name}=${value} is not an integer`);
    else {
      if (p.minimum !== undefined && Number(value) < Number(p.minimum)) errors.push(`parameter ${name}=${value} is below its minimum ${p.minimum}`);
      if (p.maximum !== undefined && Number(value) > Number(p.maximum)) errors.push(`parameter ${name}=${value} is above its maximum ${p.maximum}`);
    }
  }
  if (p.type === 'boolean' && value !== 'true' && value !== 'false') errors.push(`parameter ${name}=${value} is not a boolean`);
  if (p.enum && !p.enum.includes(value)) errors.push(`parameter ${name}=${value} is not one of ${p.enum.join(', ')}`);
  return errors;
}

export interface Directory {
  methods: Method[];
  /** The method a request's HTTP method and path name (`/admin/directory/v1/…`) match, with its path parameters. */
  match(httpMethod: string, pathname: string): { method: Method; params: Record<string, string> } | undefined;
  /** Parameter and body errors of a request to `m`. */
  requestErrors(m: Method, params: Record<string, string>, query: URLSearchParams, body: unknown): string[];
  /** Errors of a response of `m` (success statuses against the method's response, errors against Google's error format). */
  responseErrors(m: Method, status: number, body: unknown): string[];
}

let loaded: Directory | undefined;

/** The loaded document (one per process; about 100 ms). */
export function loadDirectory(): Directory {
  if (loaded) return loaded;
  const doc = JSON.parse(readFileSync(DISCOVERY_PATH, 'utf8')) as DiscoveryDoc;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('date-time', RFC3339);
  ajv.addSchema({ $id: 'directory', definitions: Object.fromEntries(Object.entries(doc.schemas).map(([k, v]) => [k, toJsonSchema(v)])) });
  const errorBody = ajv.compile(ERROR_SCHEMA);

  const methods: Method[] = [];
  const walk = (resources: DiscoveryDoc['resources']) => {
    for (const r of Object.values(resources)) {
      for (const m of Object.values(r.methods ?? {})) {
        const pathParams: string[] = [];
        const source = `/${doc.servicePath}${m.path}`.replace(/[.*?^$()|[\]\\]/g, '\\$&').replace(/\{(\+?)([^}]+)\}/g, (_, plus: string, name: string) => (pathParams.push(name), plus ? '(.+)' : '([^/]+)'));
        methods.push({ id: m.id, httpMethod: m.httpMethod, path: m.path, parameters: m.parameters ?? {}, ...(m.request ? { request: m.request.$ref } : {}), ...(m.response ? { response: m.response.$ref } : {}), scopes: m.scopes ?? [], regex: new RegExp(`^${source}$`), pathParams });
      }
      if (r.resources) walk(r.resources);
    }
  };
  walk(doc.resources);

  const literal = (m: Method) => m.path.replace(/\{[^}]+\}/g, '').length;
  const byLiteral = [...methods].sort((a, b) => literal(b) - literal(a));
  const validators = new Map<string, ValidateFn>();
  const validator = (key: string, schema: () => object): ValidateFn => {
    let v = validators.get(key);
    if (!v) validators.set(key, (v = ajv.compile(schema())));
    return v;
  };

  loaded = {
    methods,
    match(httpMethod, pathname) {
      // The most literal route wins: `users` is users.list, not `{+name}` of a printer server.
      for (const m of byLiteral) {
        if (m.httpMethod !== httpMethod) continue;
        const hit = m.regex.exec(pathname);
        if (!hit) continue;
        const params = Object.fromEntries(m.pathParams.map((n, i) => [n, decodeURIComponent(hit[i + 1]!)]));
        // `{+name}` spans slashes; the parameter's own `pattern` says which paths it really takes.
        if (m.pathParams.every((n) => m.parameters[n]?.pattern === undefined || new RegExp(m.parameters[n]!.pattern!).test(params[n]!))) return { method: m, params };
      }
      return undefined;
    },
    requestErrors(m, params, query, body) {
      const errors: string[] = [];
      for (const [name, p] of Object.entries(m.parameters)) {
        if (p.location === 'path') {
          if (!params[name]) errors.push(`path parameter ${name} is required`);
          else errors.push(...paramErrors(name, p, params[name]!));
        } else if (p.required && !query.has(name)) errors.push(`query parameter ${name} is required`);
      }
      for (const [name, value] of query) {
        const p = m.parameters[name] ?? doc.parameters[name];
        if (!p || p.location !== 'query') errors.push(`query parameter ${name} is not described for ${m.id}`);
        else errors.push(...paramErrors(name, p, value));
      }
      if (m.request === undefined) {
        if (body !== undefined) errors.push(`${m.id} takes no request body, but one was sent`);
      } else if (body === undefined) {
        errors.push(`${m.id} needs a ${m.request} request body`);
      } else {
        const ref = m.request;
        const required = Object.entries(doc.schemas[ref]?.properties ?? {}).filter(([, s]) => s.annotations?.required?.includes(m.id)).map(([k]) => k);
        const v = validator(`request ${m.id}`, () => ({ allOf: [{ $ref: `directory#/definitions/${ref}` }, { required }] }));
        if (!v(body)) errors.push(...ajvErrors(v).map((e) => `${ref} ${e}`));
      }
      return errors;
    },
    responseErrors(m, status, body) {
      if (status >= 400) return errorBody(body) ? [] : ajvErrors(errorBody).map((e) => `error body ${e}`);
      if (m.response === undefined) {
        if (status !== 204) return [`${m.id} has no response body: a success is 204, not ${status}`];
        return body === undefined ? [] : [`${m.id} has no response body, but the lab sent one`];
      }
      if (status !== 200) return [`${m.id} answers 200 with a ${m.response}, not ${status}`];
      const ref = m.response;
      const v = validator(`response ${ref}`, () => ({ $ref: `directory#/definitions/${ref}` }));
      return v(body) ? [] : ajvErrors(v).map((e) => `${ref} ${e}`);
    },
  };
  return loaded;
}
