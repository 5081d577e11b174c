/**
 * Rate budgets learn from the provider's own answers: a 429 with its delay pauses every step of
 * that provider (not only the one that got it) until the delay has passed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMemoryConnector, createMemoryProvider, memoryManifest, type MemoryProvider } from '../../lab/memory/provider.ts';
import { systemClock } from '../../src/core/clock.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

describe('rate limits learned from the provider', { timeout: 60_000 }, () => {
  let h: Harness;
  let p: MemoryProvider;
  const RETRY_AFTER = 250;
  before(async () => {
    // Calls take 20 ms and two run at a time, so without learning the others keep calling through the delay.
    p = createMemoryProvider(systemClock, { rateLimitEvery: 7, retryAfterMs: RETRY_AFTER, latencyMs: 20 });
    for (let i = 0; i < 30; i++) p.add({ subject: 'alice', kind: 'api-key', externalId: `key-${i}`, revocable: true });
    // No configured rate budget at all: only the provider's answers can slow Sever down.
    h = await startHarness('pglite', [createMemoryConnector('memory:a', p, systemClock, memoryManifest({ limits: { concurrency: 2 } }))], systemClock);
  });
  after(async () => h?.close());

  it('after a 429 with Retry-After, no step calls that provider until the delay has passed; everything is still proved', async () => {
    const id = await h.engine.openIncident({ subject: { type: 'human', handle: 'alice', identifiers: {} }, actor: 'ida' });
    await h.engine.discover(id, 'ida');
    const s = await h.engine.contain(id, 'eddie');
    assert.equal(s.byStatus['verified-dead'], 30, JSON.stringify(s.byStatus));
    const times = p.revokeTimes;
    const limited = times.filter((_, i) => (i + 1) % 7 === 0);
    assert.ok(limited.length >= 4, `the provider rate-limited ${limited.length} calls`);
    // Calls already past their budget check when the 429 came back may land a moment later; none after that.
    const SLACK_MS = 60; // a loaded machine delays the answer of a call already under way
    for (const t of limited) {
      const inside = times.filter((x) => x > t + SLACK_MS && x < t + RETRY_AFTER - SLACK_MS);
      assert.deepEqual(inside.map((x) => x - t), [], `no call within ${RETRY_AFTER} ms after the 429 at +${t - times[0]!} ms`);
    }
  });
});
