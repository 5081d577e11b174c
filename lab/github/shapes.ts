/**
 * Bodies the simulator answers with, built from GitHub's own schemas: every required property gets
 * a plausible value of its type (null where nullable), then the simulator's state overrides the
 * fields that matter. The response validator still checks the result.
 */
import { loadContract } from './contract.ts';

type Json = Record<string, unknown>;

const EPOCH = '2026-01-01T00:00:00Z';

function sample(schema: Json | undefined, name: string, base: string): unknown {
  if (!schema) return null;
  if (schema.nullable === true) return null;
  const variants = (schema.oneOf ?? schema.anyOf) as Json[] | undefined;
  if (variants?.[0]) return sample(variants[0], name, base);
  if (Array.isArray(schema.allOf)) return Object.assign({}, ...(schema.allOf as Json[]).map((s) => sample(s, name, base)));
  if (Array.isArray(schema.enum)) return schema.enum[0];
  switch (schema.type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Json>;
      const out: Json = {};
      for (const k of (schema.required ?? []) as string[]) out[k] = sample(props[k], k, base);
      return out;
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'date-time' || /_at$/.test(name)) return EPOCH;
      if (schema.format === 'uri' || /url$/.test(name)) return `${base}/${name}`;
      if (schema.format === 'email') return 'someone@example.com';
      return name;
    default:
      return null;
  }
}

/** A body shaped like `#/components/schemas/{name}`, with `fields` laid over it. */
export function shape(name: string, base: string, fields: Json = {}): Json {
  return { ...(sample(loadContract().schema(name), name, base) as Json), ...fields };
}

/** A `simple-user` for a login. */
export function simpleUser(login: string, id: number, base: string): Json {
  return shape('simple-user', base, { login, id, node_id: `U_${id}`, type: 'User', site_admin: false, url: `${base}/users/${login}`, html_url: `${base}/${login}`, avatar_url: `${base}/avatars/${login}` });
}
