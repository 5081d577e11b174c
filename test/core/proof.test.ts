/** Graded proof: strengths, the policy's requirement, contradictions between paths. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atLeast, gradeProof, PROOF_STRENGTHS, whatWouldProve, type GradedCheck } from '../../src/core/proof.ts';
import { DEFAULT_POLICY, parsePolicy, requiredProof } from '../../src/core/policy.ts';
import { ARTIFACT_KINDS } from '../../src/core/model.ts';

const introspection = (result: GradedCheck['result']): GradedCheck => ({ path: 'rfc7662-introspection', strength: 'self-report', result });
const replay = (result: GradedCheck['result']): GradedCheck => ({ path: 'refresh-replay', strength: 'replay', result });
const relist = (result: GradedCheck['result']): GradedCheck => ({ path: 'admin-relist', strength: 'relist', result });

test('strengths are ordered self-report < relist < replay', () => {
  assert.deepEqual([...PROOF_STRENGTHS], ['self-report', 'relist', 'replay']);
  assert.ok(atLeast('replay', 'relist') && atLeast('relist', 'relist') && !atLeast('self-report', 'relist') && !atLeast('relist', 'replay'));
});

test('introspection alone does not prove a replayable credential dead', () => {
  const g = gradeProof([introspection('dead')], 'replay', [{ path: 'refresh-replay', strength: 'replay', why: 'add --attribute clientId=<client>' }]);
  assert.equal(g.verdict, 'unproven');
  assert.equal(g.strength, 'self-report');
  assert.deepEqual(g.wanting?.map((w) => w.path), ['refresh-replay']);
  assert.match(whatWouldProve(g), /only self-report proof.*requires replay.*refresh-replay: add --attribute clientId=<client>/);
  assert.equal(gradeProof([introspection('dead'), replay('dead')], 'replay').verdict, 'dead');
  assert.equal(gradeProof([introspection('dead'), replay('dead')], 'replay').strength, 'replay');
  assert.equal(gradeProof([introspection('dead')], 'self-report').verdict, 'dead', 'a policy may accept self-report (and says so)');
  assert.equal(gradeProof([relist('dead')], 'relist').verdict, 'dead');
  assert.equal(gradeProof([relist('dead')], 'replay').verdict, 'unproven');
});

test('unavailable paths weaker than required are not offered as a way to prove it', () => {
  const g = gradeProof([introspection('dead')], 'replay', [{ path: 'admin-relist', strength: 'relist', why: 'x' }]);
  assert.deepEqual(g.wanting, []);
  assert.match(whatWouldProve(g), /No path of its connector that is that strong could run/);
});

test('when paths disagree the artifact is live and the contradiction is kept', () => {
  const g = gradeProof([introspection('dead'), replay('live')], 'replay');
  assert.equal(g.verdict, 'live');
  assert.deepEqual(g.inconsistency?.deadPaths, ['rfc7662-introspection']);
  assert.deepEqual(g.inconsistency?.livePaths, ['refresh-replay']);
  assert.match(g.inconsistency?.message ?? '', /disagree/);
  assert.equal(gradeProof([introspection('live')], 'replay').inconsistency, undefined, 'agreement is no fault');
  assert.equal(gradeProof([], 'relist').verdict, 'live', 'no check at all proves nothing');
  assert.equal(gradeProof([replay('dead')], 'replay', [], true).verdict, 'live', "the connector's own live verdict stands");
});

test('expiry is proved at the required strength too', () => {
  assert.equal(gradeProof([{ path: 'resource-server', strength: 'replay', result: 'expired' }], 'replay').verdict, 'expired');
  assert.equal(gradeProof([{ path: 'kdc:ticket-endtime', strength: 'self-report', result: 'expired' }], 'replay').verdict, 'unproven');
  assert.equal(gradeProof([{ path: 'kdc:ticket-endtime', strength: 'self-report', result: 'expired' }], 'self-report').verdict, 'expired');
});

test('the default policy requires replay for credentials that can be presented, relist otherwise', () => {
  const need = (kind: (typeof ARTIFACT_KINDS)[number], connector = 'keycloak:lab') => requiredProof(DEFAULT_POLICY, { artifact: { kind, connector }, subjectType: 'human' }).requires;
  for (const kind of ['refresh-token', 'offline-token', 'access-token', 'api-key', 'app-session', 'trusted-browser', 'ssh-certificate', 'directory-account', 'delegated-tool-grant', 'service-account-binding'] as const) {
    assert.equal(need(kind), 'replay', kind);
  }
  for (const kind of ['idp-session', 'oauth-grant', 'device-registration', 'signing-key', 'mfa-factor', 'ssh-public-key', 'app-password'] as const) assert.equal(need(kind), 'relist', kind);
  assert.equal(need('access-token', 'kerberos:corp'), 'self-report', 'Kerberos tickets: Sever never holds them');
  assert.equal(need('app-session', 'postgres-roles:billing'), 'relist', 'an ended database connection cannot be presented again');
});

test('a policy without a proof block gets the default one; a bad strength is refused naming the field', () => {
  const p = parsePolicy({ version: 1, rules: [], default: { tier: 'immediate', action: 'revoke' } });
  assert.deepEqual(p.proof, DEFAULT_POLICY.proof);
  const lenient = parsePolicy({ version: 1, rules: [], default: { tier: 'immediate', action: 'revoke' }, proof: { default: 'self-report' } });
  assert.equal(requiredProof(lenient, { artifact: { kind: 'refresh-token', connector: 'oauth:x' }, subjectType: 'human' }).requires, 'self-report');
  assert.throws(() => parsePolicy({ version: 1, rules: [], default: { tier: 'immediate', action: 'revoke' }, proof: { default: 'hearsay' } }), {
    code: 'ERR_POLICY_INVALID', message: /proof\.default/,
  });
});

test('nothing observable: no check at all, with the paths that would prove it named, is unproven at once (not live, never dead)', () => {
  const g = gradeProof([], 'relist', [{ path: 'session-cookie-replay', strength: 'replay', why: 'no API reads sessions' }]);
  assert.equal(g.verdict, 'unproven');
  assert.equal(g.strength, null);
  assert.deepEqual(g.wanting?.map((w) => w.path), ['session-cookie-replay']);
  assert.match(whatWouldProve(g), /no proof.*session-cookie-replay/);
  assert.equal(gradeProof([], 'relist').verdict, 'live', 'no check and nothing named is not accepted either');
});
