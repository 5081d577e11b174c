/** The YAML in docs/policy.md and docs/runbook.md is real: the default policy block is DEFAULT_POLICY. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_POLICY, parsePolicy } from '../../src/core/policy.ts';
import { parseRunbook, requiredSignoffs } from '../../src/core/runbook.ts';

const read = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

/** YAML fenced blocks, keyed by the `## ` heading they appear under. */
function yamlBlocks(markdown: string): { heading: string; yaml: string }[] {
  const out: { heading: string; yaml: string }[] = [];
  let heading = '';
  const re = /^## (.+)$|^```yaml\n([\s\S]*?)^```$/gm;
  for (const m of markdown.matchAll(re)) {
    if (m[1] !== undefined) heading = m[1].trim();
    else out.push({ heading, yaml: m[2] ?? '' });
  }
  return out;
}

test('the default policy in docs/policy.md is DEFAULT_POLICY', () => {
  const blocks = yamlBlocks(read('policy.md')).filter((b) => b.heading === 'The default policy');
  assert.equal(blocks.length, 1, 'exactly one yaml block under "## The default policy"');
  assert.deepEqual(parsePolicy(blocks[0]?.yaml), DEFAULT_POLICY);
});

test('every policy example in docs/policy.md is valid', () => {
  const blocks = yamlBlocks(read('policy.md'));
  assert.ok(blocks.length >= 3);
  for (const b of blocks) assert.doesNotThrow(() => parsePolicy(b.yaml), b.heading);
});

test('the runbook example in docs/runbook.md is valid and behaves as the text says', () => {
  const [block, ...rest] = yamlBlocks(read('runbook.md'));
  assert.deepEqual(rest, []);
  const runbook = parseRunbook(block?.yaml);
  assert.deepEqual(requiredSignoffs(runbook, ['keycloak:lab', 'slack:eu']), ['identity-engineering', 'ir-lead', 'app-owner:billing', 'app-owner:chat']);
  assert.deepEqual(requiredSignoffs(runbook, ['github:corp']), ['identity-engineering', 'ir-lead', 'app-owner:source-code']);
});
