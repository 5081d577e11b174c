import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeverError, toSeverError } from '../../src/core/errors.ts';

test('runtime is Node.js 22', () => {
  console.log(`# node ${process.version}`);
  assert.match(process.version, /^v22\./);
});

test('SeverError carries code and retryability as data', () => {
  const e = new SeverError('ERR_PROVIDER_RATE_LIMITED', 'slow down', { retryable: true, retryAfterMs: 2000 });
  assert.equal(e.code, 'ERR_PROVIDER_RATE_LIMITED');
  assert.equal(e.retryable, true);
  assert.deepEqual(e.toJSON(), { code: 'ERR_PROVIDER_RATE_LIMITED', message: 'slow down', retryable: true, retryAfterMs: 2000, details: {} });
  assert.equal(toSeverError(new Error('x')).code, 'ERR_INTERNAL');
  assert.equal(toSeverError(e), e);
});
