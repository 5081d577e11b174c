import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { CONNECTOR_MODULES } from '../../src/connectors/registry.ts';
import { renderConnectorDoc } from '../../src/connectors/render-docs.ts';

test('every connector has a docs page generated from its manifest, identical to the code (npm run docs)', () => {
  assert.ok(Object.keys(CONNECTOR_MODULES).length >= 2);
  for (const [kind, mod] of Object.entries(CONNECTOR_MODULES)) {
    const path = new URL(`../../docs/connectors/${kind}.md`, import.meta.url);
    assert.ok(existsSync(path), `docs/connectors/${kind}.md is missing: run npm run docs`);
    assert.equal(readFileSync(path, 'utf8'), renderConnectorDoc(mod), `docs/connectors/${kind}.md is stale: run npm run docs`);
  }
});
