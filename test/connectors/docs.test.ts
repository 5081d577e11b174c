import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { loadConnectorModules } from '../../src/connectors/registry.ts';

const CONNECTOR_MODULES = await loadConnectorModules();
import { renderConnectorDoc } from '../../src/connectors/render-docs.ts';
import { renderCoverage } from '../../src/connectors/render-coverage.ts';
import { ARTIFACT_KINDS } from '../../src/core/model.ts';

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
