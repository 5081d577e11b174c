/**
 * Properties of sever.yaml checking, over mutations of a valid file and over random documents:
 * it is accepted, or refused with one coded input error (exit 2) listing problems as
 * `{ path, message, code }`, never an internal error; a value put where a credential reference
 * belongs is never echoed; every number accepted is one the store and the timers can hold.
 * A few runs go through main(argv) too. fast-check prints the seed of a failure.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { SeverError } from '../../src/core/errors.ts';
import { exitCodeFor } from '../../src/cli/output.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { MAX_CONCURRENCY, MAX_DURATION_MS, MAX_PG_INTEGER, MAX_POLL_MS } from '../../src/config/schema.ts';
import { tempDir } from '../support/databases.ts';
import { runMain } from '../cli/support.ts';
import { checkRun } from './check-run.ts';
import { loadConnectorModules } from '../../src/connectors/registry.ts';

// Connector kinds load on demand; these tests parse configurations directly.
await loadConnectorModules();

const RUNS = Number(process.env.SEVER_PROPERTY_RUNS ?? 300);

const valid = () => ({
  version: 1,
  connectors: {
    'oauth:partner': {
      settings: { revocationEndpoint: 'https://idp.example/revoke', introspectionEndpoint: 'https://idp.example/introspect', clientId: 'sever', clientSecretRef: 'env:PARTNER', clientSecrets: { app: 'file:/run/app' } },
      concurrency: 4, rate: { limit: 50, windowMs: 1000 }, verify: { pollIntervalMs: 500, deadlineMs: 120000 },
    },
    'keycloak:lab': {
      settings: { baseUrl: 'https://kc.example', realm: 'lab', adminTokenRef: 'env:KC', clientId: 'sever', clientSecretRef: 'file:/run/kc' },
      adoption: { pollIntervalMs: 1000, deadlineMs: 900000 },
    },
    'kerberos:corp': { settings: { realm: 'CORP.EXAMPLE', kdc: '127.0.0.1', kadmin: { principal: 'sever/admin', keytabRef: 'file:/etc/sever/kadmin.keytab' } } },
  },
  runbook: { version: 1, roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'], responders: ['eddie'] }, applications: [{ name: 'payroll', connectors: ['keycloak:lab'], owners: ['paula'] }] },
  ledger: { keyFile: 'ledger.jwk' },
});

/** Paths (in the valid document) of every leaf and object, to mutate. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [prefix];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return [prefix, ...entries.flatMap(([k, x]) => paths(x, [...prefix, k]))];
}
const ALL_PATHS = paths(valid()).filter((p) => p.length > 0);
const REF_PATHS = ALL_PATHS.filter((p) => /Ref$/.test(String(p.at(-1))) || p.includes('clientSecrets') && p.length > 4);

function setAt(doc: any, path: (string | number)[], value: unknown, remove = false) {
  let o = doc;
  for (const k of path.slice(0, -1)) o = o[k];
  if (remove) delete o[path.at(-1)!];
  else o[path.at(-1)!] = value;
  return doc;
}

const number = fc.oneof(
  fc.integer(), fc.double(), fc.constantFrom(0, -1, 1.5, 2 ** 31 - 1, 2 ** 31, 2 ** 53, 1e300, Number.MAX_SAFE_INTEGER, MAX_DURATION_MS, MAX_DURATION_MS + 1),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((b) => Number(b)),
);
const junk = fc.oneof(number, fc.string({ maxLength: 30 }), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }));
const mutation = fc.tuple(fc.constantFrom(...ALL_PATHS), junk, fc.constantFrom('set', 'set', 'remove', 'extra'));

/** Parses, and returns the SeverError of a refusal; any other exception fails the property. */
function attempt(text: string): SeverError | undefined {
  try {
    parseConfig(text, 'sever.yaml');
    return undefined;
  } catch (e) {
    assert.ok(e instanceof SeverError, `not a coded error: ${String(e)}\n${text}`);
    assert.ok(e.code !== 'ERR_INTERNAL', text);
    assert.equal(exitCodeFor(e), 2, `${e.code} is bad input\n${text}`);
    const problems = e.details.problems as Array<{ path: string; message: string; code?: string }>;
    assert.ok(Array.isArray(problems) && problems.length > 0, `${e.code} lists its problems\n${text}`);
    for (const p of problems) assert.ok(typeof p.path === 'string' && typeof p.message === 'string' && p.message.length > 0, JSON.stringify(p));
    return e;
  }
}

describe('property: sever.yaml', () => {
  it('mutations of a valid file: accepted, or every problem reported as coded bad input', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        const doc: any = valid();
        for (const [path, value, how] of ms) {
          try {
            if (how === 'extra') setAt(doc, [...path.slice(0, -1), 'surplusKey'], value);
            else setAt(doc, path, value, how === 'remove');
          } catch {
            // an earlier mutation replaced a parent with a scalar; this one does not apply
          }
        }
        const e = attempt(stringify(doc));
        if (e) return;
        // Accepted: every number is one the store and the timers can hold.
        const loaded = parseConfig(stringify(doc));
        for (const c of Object.values(loaded.connectors)) {
          if (c.rate) assert.ok(Number.isInteger(c.rate.limit) && c.rate.limit <= MAX_PG_INTEGER && c.rate.windowMs <= MAX_DURATION_MS);
          if (c.concurrency !== undefined) assert.ok(c.concurrency <= MAX_CONCURRENCY);
          for (const p of [c.verify, c.adoption]) {
            if (p?.deadlineMs !== undefined) assert.ok(Number.isInteger(p.deadlineMs) && p.deadlineMs <= MAX_DURATION_MS);
            if (p?.pollIntervalMs !== undefined) assert.ok(Number.isInteger(p.pollIntervalMs) && p.pollIntervalMs <= MAX_POLL_MS);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a value where a credential reference belongs is refused and never echoed', () => {
    const secret = fc.tuple(fc.string({ minLength: 4, maxLength: 24 }), fc.nat()).map(([s, n]) => `Zq${n}${s}`.replace(/^Zq(\d*)(env|file):/, 'Zq$1x'));
    fc.assert(
      fc.property(fc.constantFrom(...REF_PATHS), secret, fc.array(mutation, { maxLength: 2 }), (path, value, ms) => {
        const doc: any = valid();
        for (const [p, v, how] of ms) {
          try {
            if (how !== 'extra' && !p.some((k, i) => path[i] !== undefined && k === path[i] && i === p.length - 1)) setAt(doc, p, v, how === 'remove');
          } catch {
            // see above
          }
        }
        try {
          setAt(doc, path, value);
        } catch {
          return;
        }
        const e = attempt(stringify(doc));
        assert.ok(e, `refused: ${path.join('.')}`);
        const everything = `${e.message} ${JSON.stringify(e.toJSON())}`;
        assert.ok(!everything.includes(value), `${value} echoed: ${everything}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('random documents and random text: accepted or coded bad input, never internal', () => {
    fc.assert(
      fc.property(fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 })).map(([c, p, r]) => stringify({ version: 1, connectors: c, policy: p, runbook: r })),
        fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 })).map(([rules, roles]) => stringify({ ...valid(), policy: { version: 1, rules }, runbook: { version: 1, roles } })),
      ), (text) => {
        attempt(text);
      }),
      { numRuns: RUNS },
    );
  });

  describe('through main(argv)', () => {
    let dir: string;
    before(() => {
      dir = tempDir('sever-prop-config-');
    });
    after(() => undefined);

    it('a mutated file given with -c: exit 2 with a coded error, or it gets as far as the store', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), async (ms, json) => {
          const doc: any = valid();
          for (const [path, value, how] of ms) {
            try {
              setAt(doc, path, value, how === 'remove');
            } catch {
              // see above
            }
          }
          const f = join(dir, `c${n++}.yaml`);
          writeFileSync(f, stringify(doc));
          // An unreachable PostgreSQL: a valid file ends at the store (exit 1), nothing is created.
          const argv = ['-c', f, '-d', join(dir, 'data'), '--database-url', 'postgres://sever@127.0.0.1:1/none', 'incident', 'list', ...(json ? ['--json'] : [])];
          const r = await runMain(argv);
          if (r.code === 1 && /ERR_STORE_FAILED/.test(r.stdout + r.stderr)) return;
          checkRun(argv, r);
          assert.equal(r.code, 2, r.stdout + r.stderr);
        }),
        { numRuns: Math.ceil(RUNS / 5) },
      );
    });
  });
});
