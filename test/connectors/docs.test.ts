import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { loadConnectorModules } from '../../src/connectors/registry.ts';

const CONNECTOR_MODULES = await loadConnectorModules();
import { renderConnectorDoc } from '../../src/connectors/render-docs.ts';
import { renderCoverage } from '../../src/connectors/render-coverage.ts';
import { ARTIFACT_KINDS } from '../../src/core/model.ts';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseConfig } from '../../src/config/load-config.ts';

const RUNBOOK = { version: 1, roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'], responders: ['eddie'] } };

test('every connector has a docs page generated from its manifest, identical to the code (npm run docs)', () => {
  assert.ok(Object.keys(CONNECTOR_MODULES).length >= 2);
  for (const [kind, mod] of Object.entries(CONNECTOR_MODULES)) {
    const path = new URL(`../../docs/connectors/${kind}.md`, import.meta.url);
    assert.ok(existsSync(path), `docs/connectors/${kind}.md is missing: run npm run docs`);
    assert.equal(readFileSync(path, 'utf8'), renderConnectorDoc(mod), `docs/connectors/${kind}.md is stale: run npm run docs`);
  }
});

test('docs/coverage.md is generated from the manifests: every kind of every connector, with its proof strengths', () => {
  const path = new URL('../../docs/coverage.md', import.meta.url);
  const text = renderCoverage(CONNECTOR_MODULES);
  assert.equal(readFileSync(path, 'utf8'), text, 'docs/coverage.md is stale: run npm run docs');
  for (const mod of Object.values(CONNECTOR_MODULES)) {
    for (const a of mod.manifest.artifacts) {
      assert.ok(text.includes(`| \`${a.kind}\` | \`${mod.manifest.kind}\` |`), `${mod.manifest.kind} ${a.kind} has its row`);
      for (const v of a.verify) assert.ok(text.includes(`(**${v.strength}**)`));
    }
  }
  const handled = new Set(Object.values(CONNECTOR_MODULES).flatMap((m) => m.manifest.artifacts.map((a) => a.kind)));
  for (const kind of ARTIFACT_KINDS.filter((k) => !handled.has(k))) assert.ok(text.includes(`- \`${kind}\``), `${kind} is listed as not handled`);
});

/** The kinds whose pages must say how to point them at the real service (the list). */
const REAL_SERVICE_KINDS = ['okta', 'entra', 'google-workspace', 'aws-iam', 'github', 'slack', 'keycloak'];

test('each SaaS/IdP connector says how to point it at the real service, and its sever.yaml example parses with its settings schema', () => {
  for (const kind of REAL_SERVICE_KINDS) {
    const mod = CONNECTOR_MODULES[kind];
    assert.ok(mod, `${kind} is a built-in connector`);
    const r = mod.manifest.realService;
    assert.ok(r, `${kind}: the manifest has realService`);
    assert.ok(r.baseUrls.length && r.credential.length && r.leastPrivilege.length, `${kind}: base URL, credential steps and least privilege are all given`);
    const doc = parseYaml(r.example) as { connectors?: Record<string, { settings?: unknown }> };
    const instances = Object.entries(doc?.connectors ?? {});
    assert.ok(instances.length > 0, `${kind}: the example has a connectors: block with an instance`);
    for (const [name, inst] of instances) {
      assert.equal(name.split(':')[0], kind, `${kind}: the example's instance ${name} is of its own kind`);
      const parsed = mod.settingsSchema.safeParse(inst.settings ?? {});
      assert.ok(parsed.success, `${kind}: the example's settings of ${name} do not parse: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`);
    }
    // The whole excerpt, as `sever` itself reads a file (names, instance keys, bounds, settings).
    assert.doesNotThrow(() => parseConfig(stringifyYaml({ version: 1, ...doc, runbook: RUNBOOK })), `${kind}: the example is a valid sever.yaml excerpt`);
  }
});

test('the least-privilege list of each real-service section names only permissions the artifacts list, unless it says why not', () => {
  for (const mod of Object.values(CONNECTOR_MODULES)) {
    const r = mod.manifest.realService;
    if (!r) continue;
    const listed = mod.manifest.artifacts.flatMap((a) => a.permissions).join('\n');
    for (const p of r.leastPrivilege) {
      if (p.notListedPerKind) continue;
      assert.ok(listed.includes(p.permission), `${mod.manifest.kind}: "${p.permission}" is in no artifact's permissions: add it there, or say why with notListedPerKind`);
    }
  }
});

test('the aws-iam IAM policy allows exactly the IAM actions client.ts sends', () => {
  const r = CONNECTOR_MODULES['aws-iam']!.manifest.realService!;
  assert.equal(r.policy?.language, 'json');
  const policy = JSON.parse(r.policy!.text) as { Statement: Array<{ Effect: string; Action: string[] }> };
  const allowed = new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action));
  const source = readFileSync(new URL('../../src/connectors/aws-iam/client.ts', import.meta.url), 'utf8');
  const sent = new Set([...source.matchAll(/new (\w+)Command\(/g)].map((m) => m[1]!).filter((c) => c !== 'GetCallerIdentity').map((c) => `iam:${c}`));
  assert.ok(sent.size >= 10, 'the client sends IAM commands');
  assert.deepEqual([...allowed].sort(), [...sent].sort(), 'the policy and the client disagree');
  const privileges = new Set(r.leastPrivilege.map((p) => p.permission));
  for (const action of sent) assert.ok(privileges.has(action), `${action} has its row in the least-privilege table`);
});
