/**
 * sever.yaml: every number bounded by what holds it, credential references never echoed, every
 * problem reported at once, and file mistakes named as such.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SeverError } from '../../src/core/errors.ts';
import { loadConfig, parseConfig } from '../../src/config/load-config.ts';
import { MAX_DURATION_MS, MAX_PG_INTEGER } from '../../src/config/schema.ts';
import { tempDir } from '../support/databases.ts';
import { runMain } from '../cli/support.ts';
import { loadConnectorModules } from '../../src/connectors/registry.ts';

// Connector kinds load on demand; these tests parse configurations directly.
await loadConnectorModules();

const RUNBOOK = { version: 1, roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'], responders: ['eddie'] } };
const OAUTH = { revocationEndpoint: 'https://idp.example/revoke', introspectionEndpoint: 'https://idp.example/introspect', clientId: 'sever', clientSecretRef: 'env:X' };

const config = (instance: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  stringify({ version: 1, connectors: { 'oauth:x': { settings: OAUTH, ...instance } }, runbook: RUNBOOK, ...extra });

function failure(text: string): SeverError {
  try {
    parseConfig(text, 'sever.yaml');
  } catch (e) {
    assert.ok(e instanceof SeverError, String(e));
    return e;
  }
  assert.fail('expected the configuration to be refused');
}

const paths = (e: SeverError) => (e.details.problems as Array<{ path: string }>).map((p) => p.path);

describe('sever.yaml', () => {
  it('bounds numbers by what holds them: PostgreSQL integers, timers, concurrency', () => {
    assert.equal(parseConfig(config({ rate: { limit: MAX_PG_INTEGER, windowMs: MAX_DURATION_MS } })).connectors['oauth:x']!.rate!.limit, MAX_PG_INTEGER);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ rate: { limit: MAX_PG_INTEGER + 1, windowMs: 1000 } }, 'connectors.oauth:x.rate.limit'],
      [{ rate: { limit: 1e300, windowMs: 1000 } }, 'connectors.oauth:x.rate.limit'],
      [{ rate: { limit: 10, windowMs: 30 * 24 * 3600_000 } }, 'connectors.oauth:x.rate.windowMs'],
      [{ rate: { limit: 10, windowMs: 1.5 } }, 'connectors.oauth:x.rate.windowMs'],
      [{ verify: { deadlineMs: 2 ** 31 } }, 'connectors.oauth:x.verify.deadlineMs'],
      [{ verify: { pollIntervalMs: 2 * 3600_000 } }, 'connectors.oauth:x.verify.pollIntervalMs'],
      [{ adoption: { deadlineMs: Number.MAX_SAFE_INTEGER } }, 'connectors.oauth:x.adoption.deadlineMs'],
      [{ concurrency: 100_000 }, 'connectors.oauth:x.concurrency'],
    ];
    for (const [instance, path] of cases) {
      const e = failure(config(instance));
      assert.equal(e.code, 'ERR_CONFIG_INVALID', JSON.stringify(instance));
      assert.deepEqual(paths(e), [path]);
    }
    // YAML's .inf and .nan are numbers too.
    assert.deepEqual(paths(failure(config({}).replace('connectors:', 'ledger: {}\nconnectors:').replace('clientId: sever', 'clientId: sever\n      timeoutMs: .inf'))), ['connectors.oauth:x.settings.timeoutMs']);
  });

  it('a value where a credential reference belongs is refused and never echoed (message, details, problems)', () => {
    const secrets = ['hunter2-inline-client-secret', 'x9!owner-secret', 'keytab-bytes-pasted-here', '4815162342'];
    const text = stringify({
      version: 1,
      connectors: {
        'oauth:x': { settings: { ...OAUTH, clientSecretRef: secrets[0], clientSecrets: { app: secrets[1] } } },
        'kerberos:corp': { settings: { realm: 'CORP.EXAMPLE', kdc: '127.0.0.1', kadmin: { principal: 'sever/admin', keytabRef: secrets[2] } } },
        'keycloak:lab': { settings: { baseUrl: 'https://kc.example', realm: 'lab', adminTokenRef: Number(secrets[3]), introspection: { clientId: 'sever', clientSecretRef: 'env:OK' } } },
      },
      runbook: RUNBOOK,
    });
    const e = failure(text);
    const everything = JSON.stringify(e.toJSON()) + e.message + String(e.stack);
    for (const s of secrets) assert.ok(!everything.includes(s), `${s} echoed in ${everything}`);
    assert.ok(paths(e).includes('connectors.oauth:x.settings.clientSecretRef'), paths(e).join(', '));
    assert.ok(paths(e).includes('connectors.oauth:x.settings.clientSecrets.app'));
    assert.ok(paths(e).includes('connectors.kerberos:corp.settings.kadmin.keytabRef') || paths(e).some((p) => p.startsWith('connectors.kerberos:corp.settings')));
    assert.match(e.message, /credential reference|not shown/);
  });

  it('reports every problem at once: schema, connector names and kinds, settings, policy, runbook', () => {
    const e = failure(stringify({
      version: 1,
      connectors: {
        'oauth:x': { settings: { ...OAUTH, introspectionEndpoint: 'not a url' }, rate: { limit: 2 ** 40, windowMs: 1000 } },
        'vault:y': { settings: {} },
        Bad_Name: {},
      },
      policy: { version: 99 },
      colour: 'blue',
    }));
    assert.equal(e.code, 'ERR_CONFIG_INVALID');
    const p = paths(e);
    for (const want of ['connectors.oauth:x.rate.limit', 'colour', 'connectors.oauth:x.settings.introspectionEndpoint', 'connectors.vault:y', 'connectors.Bad_Name', 'runbook']) {
      assert.ok(p.includes(want), `${want} missing from ${p.join(', ')}`);
    }
    assert.ok(p.some((x) => x.startsWith('policy')), p.join(', '));
    const codes = new Set((e.details.problems as Array<{ code: string }>).map((x) => x.code));
    assert.deepEqual([...codes].sort(), ['ERR_CONFIG_INVALID', 'ERR_CONNECTOR_UNKNOWN', 'ERR_POLICY_INVALID', 'ERR_RUNBOOK_INVALID']);
  });

  it('one kind of problem keeps its own code', () => {
    assert.equal(failure(stringify({ version: 1, connectors: { 'vault:y': {} }, runbook: RUNBOOK })).code, 'ERR_CONNECTOR_UNKNOWN');
    assert.equal(failure(stringify({ version: 1, connectors: {} })).code, 'ERR_RUNBOOK_INVALID');
    assert.equal(failure(stringify({ version: 1, connectors: {}, runbook: RUNBOOK, policy: { version: 99 } })).code, 'ERR_POLICY_INVALID');
  });

  describe('files', () => {
    let dir: string;
    before(() => {
      dir = tempDir('sever-config-');
    });

    it('a directory, a path through a file, a file too large or not UTF-8 are named', () => {
      const code = (f: () => unknown) => {
        try {
          f();
        } catch (e) {
          return [(e as SeverError).code, (e as SeverError).message];
        }
        return ['none', ''];
      };
      const file = join(dir, 'plain.yaml');
      writeFileSync(file, config({}));
      assert.deepEqual(code(() => loadConfig(dir)), ['ERR_INPUT_INVALID', `configuration file ${dir}: is a directory, not a file`]);
      assert.equal(code(() => loadConfig(join(file, 'x')))[0], 'ERR_INPUT_INVALID');
      assert.equal(code(() => loadConfig(join(dir, 'missing.yaml')))[0], 'ERR_CONFIG_NOT_FOUND');
      const latin1 = join(dir, 'latin1.yaml');
      writeFileSync(latin1, Buffer.from('version: 1 # caf\xe9\n', 'latin1'));
      assert.equal(code(() => loadConfig(latin1))[0], 'ERR_CONFIG_INVALID');
      const huge = join(dir, 'huge.yaml');
      writeFileSync(huge, `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
      assert.match(String(code(() => loadConfig(huge))[1]), /is 2097155 bytes; at most 1048576/);
    });

    it('policyFile and runbookFile mistakes are problems of the configuration, with the others', () => {
      mkdirSync(join(dir, 'rb'));
      const f = join(dir, 'refs.yaml');
      writeFileSync(f, stringify({ version: 1, connectors: { 'vault:y': {} }, policyFile: 'nope.yaml', runbookFile: 'rb' }));
      try {
        loadConfig(f);
        assert.fail('refused');
      } catch (e) {
        const se = e as SeverError;
        assert.equal(se.code, 'ERR_CONFIG_INVALID');
        const problems = se.details.problems as Array<{ path: string; code: string; message: string }>;
        assert.deepEqual(problems.map((p) => [p.path, p.code]), [['connectors.vault:y', 'ERR_CONNECTOR_UNKNOWN'], ['policyFile', 'ERR_CONFIG_NOT_FOUND'], ['runbookFile', 'ERR_INPUT_INVALID']]);
        assert.match(problems[2]!.message, /rb: is a directory/);
      }
    });

    it('through the CLI: exit 2, every problem listed, no secret printed', async () => {
      const f = join(dir, 'cli.yaml');
      writeFileSync(f, config({ rate: { limit: 2 ** 31, windowMs: 1000 } }).replace('clientSecretRef: env:X', 'clientSecretRef: pasted-secret-value'));
      const human = await runMain(['-c', f, '-d', join(dir, 'data'), 'incident', 'list']);
      assert.equal(human.code, 2);
      assert.match(human.stderr, /^error ERR_CONFIG_INVALID: The configuration .* has 2 problems/);
      assert.match(human.stderr, /\n {2}- connectors\.oauth:x\.rate\.limit: /);
      assert.match(human.stderr, /\n {2}- connectors\.oauth:x\.settings\.clientSecretRef: /);
      const json = await runMain(['-c', f, '-d', join(dir, 'data'), 'incident', 'list', '--json']);
      assert.equal(json.json().error.details.problems.length, 2);
      assert.ok(!(human.stderr + json.stdout).includes('pasted-secret-value'));
    });
  });
});

describe('sever.yaml identities', () => {
  it('takes explicit identity links and refuses links to unknown connectors and subjects mapped twice, all at once', () => {
    const ok = parseConfig(config({}, { identities: [{ subject: 'alice@example.com', aliases: ['alice'], links: { 'oauth:x': 'u-123' } }] }));
    assert.deepEqual(ok.identities, [{ subject: 'alice@example.com', aliases: ['alice'], links: { 'oauth:x': 'u-123' } }]);
    assert.deepEqual(parseConfig(config({})).identities, [], 'optional');
    const e = failure(config({}, { identities: [{ subject: 'alice', links: { 'okta:corp': '00u1' } }, { subject: 'bob', aliases: ['alice'], links: {} }] }));
    assert.equal(e.code, 'ERR_CONFIG_INVALID');
    assert.deepEqual(paths(e).sort(), ['identities[0].links.okta:corp', 'identities[1]']);
  });
});
