import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as core from '../../src/core/index.ts';

test('the barrel exports names explicitly, never with export *', () => {
  const source = readFileSync(new URL('../../src/core/index.ts', import.meta.url), 'utf8');
  assert.doesNotMatch(source, /export\s+\*/);
});

test('the public API is reachable from the barrel', () => {
  for (const name of ['buildPlan', 'classify', 'parsePolicy', 'parseRunbook', 'evaluateClosure', 'validateSignoff', 'validateException', 'transition', 'canTransition', 'requiredSignoffs', 'holdsRole', 'defineRecord']) {
    assert.equal(typeof (core as Record<string, unknown>)[name], 'function', name);
  }
  assert.ok(core.DEFAULT_POLICY.rules.length > 0);
  assert.equal(core.PlanRecord.kind, 'sever.plan');
  assert.equal(core.SignoffRecord.kind, 'sever.signoff');
  assert.equal(core.ExceptionRecord.kind, 'sever.exception');
});
