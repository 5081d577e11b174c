/**
 * Identity correlation across providers: discovery follows links (by email, UPN, login, SAML
 * NameID), sever.yaml's explicit `identities:` win over them, and every connector's identifier
 * says where it came from; a disagreement is recorded, never silently resolved.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMemoryConnector, createMemoryProvider, type MemoryProvider } from '../../lab/memory/provider.ts';
import type { Connector } from '../../src/connectors/contract.ts';
import { systemClock } from '../../src/core/clock.ts';
import { SeverError } from '../../src/core/errors.ts';
import { DEFAULT_POLICY } from '../../src/core/policy.ts';
import { listLedger } from '../../src/store/repo.ts';
import { startHarness, TEST_RUNBOOK, type Harness } from '../support/engine-harness.ts';

/** A memory connector whose artifacts carry links to other connectors. */
function linking(name: string, p: MemoryProvider, links: Record<string, Array<{ connector: string; identifier: string; via: string }>>): Connector {
  const base = createMemoryConnector(name, p, systemClock);
  return { ...base, discover: async (s) => (await base.discover(s)).map((a) => ({ ...a, links: links[s.id] ?? [] })) };
}

describe('identity links', { timeout: 60_000 }, () => {
  let h: Harness;
  const idp = createMemoryProvider(systemClock);
  const git = createMemoryProvider(systemClock);
  const cloud = createMemoryProvider(systemClock);
  before(async () => {
    idp.add({ subject: 'alice@example.com', kind: 'idp-session', externalId: 's1', revocable: true });
    git.add({ subject: 'alice-gh', kind: 'api-key', externalId: 'pat-1', revocable: true });
    git.add({ subject: 'alice', kind: 'api-key', externalId: 'pat-of-another-alice', revocable: true });
    cloud.add({ subject: 'asmith', kind: 'api-key', externalId: 'AKIA1', revocable: true });
    cloud.add({ subject: 'alice.s', kind: 'api-key', externalId: 'AKIA-wrong', revocable: true });
    const connectors = [
      linking('memory:idp', idp, { 'alice@example.com': [{ connector: 'memory:git', identifier: 'alice-gh', via: 'saml-nameid' }, { connector: 'memory:cloud', identifier: 'alice.s', via: 'email' }] }),
      createMemoryConnector('memory:git', git, systemClock),
      createMemoryConnector('memory:cloud', cloud, systemClock),
    ];
    h = await startHarness('pglite', connectors, systemClock, {}, DEFAULT_POLICY, TEST_RUNBOOK, { identities: [{ subject: 'alice@example.com', links: { 'memory:cloud': 'asmith' } }] });
  });
  after(async () => h?.close());

  it('follows links, prefers explicit ones, says where each identifier came from, and records the disagreement', async () => {
    const id = await h.engine.openIncident({ subject: { type: 'human', handle: 'alice@example.com', identifiers: {} }, actor: 'ida' });
    const r = await h.engine.discover(id, 'ida');
    assert.deepEqual(r.connectors['memory:idp']!.source, { via: 'handle' });
    assert.deepEqual(r.connectors['memory:git']!.source, { via: 'link', from: 'memory:idp', externalId: 's1', matched: 'saml-nameid' });
    assert.equal(r.connectors['memory:git']!.identifier, 'alice-gh');
    assert.deepEqual(r.connectors['memory:cloud']!.source, { via: 'identities', entry: 0 });
    assert.equal(r.connectors['memory:cloud']!.identifier, 'asmith');
    const found = (await h.engine.show(id)).artifacts.map((a) => `${a.connector}/${(a as { externalId: string }).externalId}`).sort();
    assert.deepEqual(found, ['memory:cloud/AKIA1', 'memory:git/pat-1', 'memory:idp/s1'], 'the other alice and the wrongly linked key are not taken');
    assert.deepEqual(r.conflicts.map((c) => [c.connector, c.kept, c.found, c.matched]), [['memory:cloud', 'asmith', 'alice.s', 'email']]);
    const done = ((await listLedger(h.conn.db, id)) as Array<{ type: string; payload: any }>).filter((e) => e.type === 'discovery.completed').at(-1)!;
    assert.equal(done.payload.identityConflicts[0].kept, 'asmith');
    assert.equal(done.payload.connectors['memory:git'].source.matched, 'saml-nameid');
  });

  it('a connector that cannot discover for an integration subject says so, and a failed discovery blocks closure until discovery succeeds', async () => {
    const id = await h.engine.openIncident({ subject: { type: 'integration', handle: 'shady-app', identifiers: {} }, actor: 'ida' });
    const r = await h.engine.discover(id, 'ida');
    for (const name of ['memory:idp', 'memory:git', 'memory:cloud']) assert.match(r.connectors[name]!.unsupported ?? '', /cannot discover for a integration subject/, name);
    assert.equal(r.total, 0);

    const broken = createMemoryProvider(systemClock);
    broken.add({ subject: 'dora', kind: 'api-key', externalId: 'k1', revocable: true });
    const failing = createMemoryConnector('memory:flaky', broken, systemClock);
    let down = true;
    const flaky = { ...failing, discover: async (s: Parameters<typeof failing.discover>[0]) => {
      if (down) throw new SeverError('ERR_PROVIDER_REJECTED', 'memory:flaky: 403 on list', {});
      return failing.discover(s);
    } };
    const h2 = await startHarness('pglite', [flaky], systemClock);
    try {
      const id2 = await h2.engine.openIncident({ subject: { type: 'human', handle: 'dora', identifiers: {} }, actor: 'ida' });
      await h2.engine.discover(id2, 'ida');
      await h2.engine.plan(id2, 'ida');
      await h2.engine.contain(id2, 'eddie');
      const refused = (await h2.engine.show(id2)).gate.missing.filter((m) => m.code === 'DISCOVERY_INCOMPLETE');
      assert.equal(refused.length, 1, 'nothing found is not nothing held: the failed connector blocks closure');
      assert.match(refused[0]!.message, /memory:flaky \(ERR_PROVIDER_REJECTED/);
      down = false;
      await h2.engine.discover(id2, 'ida');
      await h2.engine.contain(id2, 'eddie');
      const v = await h2.engine.show(id2);
      assert.ok(!v.gate.missing.some((m) => m.code === 'DISCOVERY_INCOMPLETE'));
      assert.deepEqual(v.counts, { 'verified-dead': 1 });
    } finally {
      await h2.close();
    }
  });
});
