import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan, type PlanArtifact } from '../../src/core/plan.ts';
import { DEFAULT_POLICY } from '../../src/core/policy.ts';
import { PlanRecord } from '../../src/core/records.ts';
import type { ArtifactKind } from '../../src/core/model.ts';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

const a = (id: string, kind: ArtifactKind, over: Partial<PlanArtifact> = {}): PlanArtifact => ({
  id,
  connector: 'keycloak:lab',
  kind,
  externalId: `ext-${id}`,
  revocable: true,
  dependsOn: [],
  attributes: {},
  ...over,
});

const plan = (artifacts: PlanArtifact[]) => buildPlan({ incidentId: 'inc_1', subjectType: 'human', artifacts, policy: DEFAULT_POLICY, now: NOW });

test('a plan is a valid sever.plan v2 record with a summary and the proof each item needs', () => {
  const p = plan([a('s1', 'idp-session'), a('k1', 'signing-key'), a('d1', 'device-registration'), a('t1', 'access-token', { revocable: false, expiresAt: '2025-01-01T12:05:00.000Z' })]);
  assert.equal(p.kind, 'sever.plan');
  assert.equal(p.version, 2);
  assert.deepEqual(p.items.map((i) => [i.artifactId, i.proof.requires, i.proof.ruleId]), [['s1', 'relist', 'default'], ['t1', 'replay', 'replayable-credentials'], ['k1', 'relist', 'default'], ['d1', 'relist', 'default']]);
  assert.equal(p.incidentId, 'inc_1');
  assert.equal(p.createdAt, '2025-01-01T12:00:00.000Z');
  assert.deepEqual(PlanRecord.parse(JSON.parse(JSON.stringify(p))), p);
  assert.deepEqual(p.summary, {
    total: 4,
    byTier: { immediate: 2, 'scheduled-rotation': 1, 'post-incident-validation': 1 },
    byAction: { revoke: 2, 'await-expiry': 1, validate: 1, 'rotate-then-revoke': 0 },
  });
});

test('items are ordered immediate, then scheduled-rotation, then post-incident-validation', () => {
  const p = plan([a('d1', 'device-registration'), a('k1', 'signing-key'), a('s1', 'idp-session'), a('b1', 'service-account-binding'), a('r1', 'refresh-token')]);
  assert.deepEqual(p.items.map((i) => [i.artifactId, i.tier]), [
    ['s1', 'immediate'],
    ['r1', 'immediate'],
    ['k1', 'scheduled-rotation'],
    ['b1', 'scheduled-rotation'],
    ['d1', 'post-incident-validation'],
  ]);
  assert.equal(p.items[0]?.ruleId, 'sessions');
  assert.equal(p.items[4]?.action, 'validate');
});

test('within a tier, parents come before their dependents; input order otherwise', () => {
  const p = plan([
    a('t1', 'refresh-token', { dependsOn: ['g1'] }),
    a('s1', 'idp-session'),
    a('t2', 'access-token', { dependsOn: ['t1', 'g1'] }),
    a('g1', 'oauth-grant'),
    a('k1', 'signing-key'),
    a('x1', 'refresh-token', { dependsOn: ['k1'] }), // cross-tier parent: does not hold it back
  ]);
  assert.deepEqual(p.items.map((i) => i.artifactId), ['s1', 'g1', 't1', 't2', 'x1', 'k1']);
  const byId = new Map(p.items.map((i) => [i.artifactId, i]));
  assert.deepEqual(byId.get('g1')?.dependents, ['t1', 't2']);
  assert.deepEqual(byId.get('t1')?.dependents, ['t2']);
  assert.deepEqual(byId.get('t2')?.dependsOn, ['t1', 'g1']);
  assert.deepEqual(byId.get('k1')?.dependents, ['x1']);
});

test('a dependency cycle does not block the plan', () => {
  const p = plan([a('s1', 'idp-session'), a('t1', 'refresh-token', { dependsOn: ['t2'] }), a('t2', 'refresh-token', { dependsOn: ['t1', 't1'] }), a('t3', 'refresh-token', { dependsOn: ['t3'] })]);
  assert.deepEqual(p.items.map((i) => i.artifactId), ['s1', 't3', 't1', 't2']);
  assert.deepEqual(p.items.find((i) => i.artifactId === 't2')?.dependsOn, ['t1'], 'duplicates removed');
});

test('await-expiry items state their residual exposure', () => {
  const p = plan([
    a('j1', 'access-token', { revocable: false, expiresAt: '2025-01-01T12:05:00.000Z' }),
    a('j2', 'access-token', { revocable: false }),
    a('s1', 'idp-session', { expiresAt: '2025-01-02T00:00:00.000Z' }),
  ]);
  const [j1, j2, s1] = p.items;
  assert.equal(j1?.action, 'await-expiry');
  assert.equal(j1?.residualUntil, '2025-01-01T12:05:00.000Z');
  assert.equal(j2?.residualUntil, 'unknown');
  assert.match(j2?.reason ?? '', /expiry is unknown.*exception from the IR lead/);
  assert.equal(s1?.residualUntil, undefined, 'revoked items have no residual exposure');
  assert.ok(!('residualUntil' in (s1 ?? {})));
  assert.deepEqual(p.residualExposure, [
    { artifactId: 'j1', until: '2025-01-01T12:05:00.000Z' },
    { artifactId: 'j2', until: 'unknown' },
  ]);
});

test('an empty incident has an empty plan', () => {
  const p = plan([]);
  assert.deepEqual(p.items, []);
  assert.equal(p.summary.total, 0);
});

test('duplicate ids and unknown dependencies are refused', () => {
  assert.throws(() => plan([a('x', 'api-key'), a('x', 'api-key')]), { code: 'ERR_INPUT_INVALID', message: /"x" appears twice/ });
  assert.throws(() => plan([a('x', 'api-key', { dependsOn: ['ghost'] })]), { code: 'ERR_INPUT_INVALID', message: /"x" depends on "ghost"/ });
});

test('subject type and connector reach the policy', () => {
  const policy = { ...DEFAULT_POLICY, rules: [{ id: 'agents', match: { subjectType: 'ai-agent' as const, connector: 'mcp:*' }, tier: 'post-incident-validation' as const, action: 'validate' as const, reason: 'review agent grants' }, ...DEFAULT_POLICY.rules] };
  const p = buildPlan({ incidentId: 'inc_2', subjectType: 'ai-agent', artifacts: [a('g', 'delegated-tool-grant', { connector: 'mcp:tools' }), a('h', 'delegated-tool-grant')], policy, now: NOW });
  assert.deepEqual(p.items.map((i) => [i.artifactId, i.ruleId]), [['h', 'grants'], ['g', 'agents']]);
});

test('a plan with many artifacts is built quickly', () => {
  const many = Array.from({ length: 5000 }, (_, i) => a(`t${i}`, 'refresh-token', { dependsOn: i === 0 ? [] : [`t${i - 1}`] }));
  const started = performance.now();
  const p = plan(many.reverse());
  assert.equal(p.items[0]?.artifactId, 't0');
  assert.equal(p.items[4999]?.artifactId, 't4999');
  assert.ok(performance.now() - started < 2000);
});
