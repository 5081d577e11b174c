import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeverError } from '../../src/core/errors.ts';
import { ARTIFACT_KINDS } from '../../src/core/model.ts';
import { DEFAULT_POLICY, classify, parsePolicy, type Policy } from '../../src/core/policy.ts';
import { matchGlob } from '../../src/core/glob.ts';

const art = (over: Partial<Parameters<typeof classify>[1]['artifact']> = {}) => ({
  kind: 'idp-session' as const,
  connector: 'keycloak:lab',
  revocable: true,
  attributes: {},
  ...over,
});

/** Asserts `fn` throws ERR_POLICY_INVALID whose message contains every fragment. */
function invalid(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SeverError, String(e));
    assert.equal(e.code, 'ERR_POLICY_INVALID');
    for (const f of fragments) assert.ok(e.message.includes(f), `expected "${f}" in: ${e.message}`);
    return true;
  });
}

const base = { version: 1, rules: [], default: { tier: 'immediate', action: 'revoke' } };

test('the first matching rule wins', () => {
  const policy = parsePolicy(`
version: 1
rules:
  - id: first
    match: { kind: refresh-token }
    tier: scheduled-rotation
    reason: first wins
  - id: second
    match: { kind: [refresh-token, offline-token] }
    tier: post-incident-validation
    reason: never reached for refresh tokens
default: { tier: immediate, action: revoke }
`);
  assert.deepEqual(classify(policy, { artifact: art({ kind: 'refresh-token' }), subjectType: 'human' }), {
    tier: 'scheduled-rotation',
    action: 'revoke',
    ruleId: 'first',
    reason: 'first wins',
  });
  assert.equal(classify(policy, { artifact: art({ kind: 'offline-token' }), subjectType: 'human' }).ruleId, 'second');
  const fallback = classify(policy, { artifact: art({ kind: 'api-key' }), subjectType: 'human' });
  assert.equal(fallback.ruleId, 'default');
  assert.equal(fallback.tier, 'immediate');
  assert.equal(fallback.action, 'revoke');
});

test('connector globs, subject types, revocability and attributes all have to fit', () => {
  const policy = parsePolicy({
    ...base,
    rules: [
      { id: 'kc-agents', match: { connector: 'keycloak:*', subjectType: ['ai-agent'] }, tier: 'post-incident-validation', action: 'validate', reason: 'r1' },
      { id: 'prod-admins', match: { connector: ['okta:prod', '*:corp'], attributes: { admin: true, realm: 'master' } }, tier: 'scheduled-rotation', reason: 'r2' },
      { id: 'non-revocable', match: { revocable: false }, tier: 'post-incident-validation', action: 'validate', reason: 'r3' },
    ],
  });
  const c = (artifact: ReturnType<typeof art>, subjectType: 'human' | 'ai-agent' = 'human') => classify(policy, { artifact, subjectType }).ruleId;
  assert.equal(c(art(), 'ai-agent'), 'kc-agents');
  assert.equal(c(art(), 'human'), 'default');
  assert.equal(c(art({ connector: 'keycloakx:lab' }), 'ai-agent'), 'default');
  assert.equal(c(art({ connector: 'okta:prod', attributes: { admin: true, realm: 'master' } })), 'prod-admins');
  assert.equal(c(art({ connector: 'github:corp', attributes: { admin: true, realm: 'master', extra: 1 } })), 'prod-admins');
  assert.equal(c(art({ connector: 'okta:prod', attributes: { admin: 'true', realm: 'master' } })), 'default', 'types must match exactly');
  assert.equal(c(art({ connector: 'okta:prod', attributes: { admin: true } })), 'default', 'every attribute must be present');
  assert.equal(c(art({ connector: 'okta:dev', revocable: false })), 'non-revocable');
  assert.equal(c(art({ connector: 'okta:dev', revocable: true })), 'default');
});

test('glob matching: only * is special', () => {
  assert.equal(matchGlob('keycloak:*', 'keycloak:lab'), true);
  assert.equal(matchGlob('keycloak:*', 'keycloak:'), true);
  assert.equal(matchGlob('keycloak:*', 'okta:lab'), false);
  assert.equal(matchGlob('*:prod', 'okta:prod'), true);
  assert.equal(matchGlob('k.y:*', 'key:lab'), false, '. is literal');
  assert.equal(matchGlob('okta:corp', 'okta:corp'), true);
  assert.equal(matchGlob('okta:corp', 'okta:corp2'), false);
  assert.equal(matchGlob('*', 'anything:at-all'), true);
});

test('non-revocable artifacts await expiry unless a rule says otherwise', () => {
  const policy = parsePolicy({
    ...base,
    rules: [
      { id: 'tokens', match: { kind: 'access-token' }, tier: 'immediate', reason: 'Tokens act without a session' },
      { id: 'keys', match: { kind: 'signing-key' }, tier: 'scheduled-rotation', action: 'revoke', reason: 'rotate.' },
      { id: 'devices', match: { kind: 'device-registration' }, tier: 'post-incident-validation', action: 'validate', reason: 'check it' },
    ],
    default: { tier: 'immediate', action: 'validate' },
  });
  const jwt = classify(policy, { artifact: art({ kind: 'access-token', revocable: false }), subjectType: 'human' });
  assert.equal(jwt.action, 'await-expiry');
  assert.equal(jwt.tier, 'immediate');
  assert.match(jwt.reason, /^Tokens act without a session\. The provider cannot revoke/);

  const opaque = classify(policy, { artifact: art({ kind: 'access-token' }), subjectType: 'human' });
  assert.equal(opaque.action, 'revoke', 'absent revocable means revocable');

  const key = classify(policy, { artifact: art({ kind: 'signing-key', revocable: false }), subjectType: 'human' });
  assert.equal(key.action, 'await-expiry', 'a plan never promises a revoke the provider cannot perform');
  assert.match(key.reason, /^rotate\. The provider cannot revoke this artifact selectively, so it is awaited to expiry instead of revoked\.$/);

  const device = classify(policy, { artifact: art({ kind: 'device-registration', revocable: false }), subjectType: 'human' });
  assert.deepEqual(device, { tier: 'post-incident-validation', action: 'validate', ruleId: 'devices', reason: 'check it' });

  const byDefault = classify(policy, { artifact: art({ kind: 'api-key', revocable: false }), subjectType: 'human' });
  assert.equal(byDefault.action, 'await-expiry', 'the default is not a rule');
  assert.equal(byDefault.ruleId, 'default');
});

test('DEFAULT_POLICY is valid and decides every artifact kind by a rule', () => {
  assert.deepEqual(parsePolicy(DEFAULT_POLICY), DEFAULT_POLICY);
  const expected: Record<string, [string, string]> = {
    'idp-session': ['immediate', 'revoke'],
    'app-session': ['immediate', 'revoke'],
    'trusted-browser': ['immediate', 'revoke'],
    'refresh-token': ['immediate', 'revoke'],
    'offline-token': ['immediate', 'revoke'],
    'access-token': ['immediate', 'revoke'],
    'oauth-grant': ['immediate', 'revoke'],
    'delegated-tool-grant': ['immediate', 'revoke'],
    'api-key': ['immediate', 'revoke'],
    'ssh-certificate': ['immediate', 'revoke'],
    'directory-account': ['immediate', 'revoke'],
    'mfa-factor': ['immediate', 'revoke'],
    'ssh-public-key': ['immediate', 'revoke'],
    'app-password': ['immediate', 'revoke'],
    'signing-key': ['scheduled-rotation', 'revoke'],
    'service-account-binding': ['scheduled-rotation', 'revoke'],
    'device-registration': ['post-incident-validation', 'validate'],
  };
  assert.deepEqual(Object.keys(expected).sort(), [...ARTIFACT_KINDS].sort());
  for (const kind of ARTIFACT_KINDS) {
    const c = classify(DEFAULT_POLICY, { artifact: art({ kind }), subjectType: 'human' });
    assert.notEqual(c.ruleId, 'default', kind);
    assert.deepEqual([c.tier, c.action], expected[kind], kind);
  }
  assert.equal(classify(DEFAULT_POLICY, { artifact: art({ kind: 'access-token', revocable: false }), subjectType: 'human' }).action, 'await-expiry');
});

test('rotate-then-revoke only where the connector can rotate; otherwise revoke, and the reason says so', () => {
  const rotatable = classify(DEFAULT_POLICY, { artifact: art({ kind: 'service-account-binding', rotatable: true }), subjectType: 'service-account' });
  assert.deepEqual([rotatable.tier, rotatable.action, rotatable.ruleId], ['scheduled-rotation', 'rotate-then-revoke', 'service-account-bindings']);
  const fixed = classify(DEFAULT_POLICY, { artifact: art({ kind: 'service-account-binding' }), subjectType: 'service-account' });
  assert.equal(fixed.action, 'revoke');
  assert.match(fixed.reason, /Its connector cannot rotate it \(no rotation configured\), so it is revoked at once/);
  const policy = parsePolicy({ ...base, rules: [{ id: 'keys', match: { kind: 'api-key' }, tier: 'scheduled-rotation', action: 'rotate-then-revoke', reason: 'move the workload' }] });
  const gone = classify(policy, { artifact: art({ kind: 'api-key', revocable: false, rotatable: true }), subjectType: 'workload' });
  assert.equal(gone.action, 'await-expiry', 'a non-revocable artifact is never promised a revoke, rotated or not');
});

test('invalid policies name the path of each bad field', () => {
  const rule = { id: 'r', match: {}, tier: 'immediate', reason: 'x' };
  invalid(() => parsePolicy({ ...base, rules: [rule, rule, { ...rule, id: 'r3', tier: 'urgent' }] }), 'rules[2].tier: expected one of immediate, scheduled-rotation, post-incident-validation (got "urgent")', 'rules[1].id: duplicate rule id "r" (first used by rules[0])');
  invalid(() => parsePolicy({ ...base, rules: [{ ...rule, match: { kind: 'jwt' } }] }), 'rules[0].match.kind: expected one of idp-session', '(got "jwt")');
  invalid(() => parsePolicy({ ...base, rules: [{ ...rule, match: { kind: ['api-key', 'jwt'] } }] }), 'rules[0].match.kind[1]: expected one of');
  invalid(() => parsePolicy({ ...base, rules: [{ ...rule, match: { kind: [] } }] }), 'rules[0].match.kind');
  invalid(() => parsePolicy({ ...base, rules: [{ ...rule, match: { kinds: 'api-key' } }] }), 'rules[0].match.kinds: unknown field');
  invalid(() => parsePolicy({ ...base, rules: [{ ...rule, action: 'delete' }] }), 'rules[0].action: expected one of revoke, await-expiry, validate, rotate-then-revoke (got "delete")');
  invalid(() => parsePolicy({ ...base, rules: [{ ...rule, reason: '  ' }] }), 'rules[0].reason: must not be empty');
  invalid(() => parsePolicy({ ...base, rules: [{ ...rule, id: 'default' }] }), 'rules[0].id: "default" is reserved');
  invalid(() => parsePolicy({ ...base, rules: [{ id: 'r', match: {}, tier: 'immediate' }] }), 'rules[0].reason: required (expected string)');
  invalid(() => parsePolicy({ ...base, rules: [{ ...rule, match: { revocable: 'no' } }] }), 'rules[0].match.revocable: expected boolean, got string');
  invalid(() => parsePolicy({ ...base, rules: [{ ...rule, match: { subjectType: 'robot' } }] }), 'rules[0].match.subjectType: expected one of human');
  invalid(() => parsePolicy({ ...base, version: 2 }), 'version: expected 1 (got 2)');
  invalid(() => parsePolicy({ version: 1, rules: [] }), 'default: required (expected object)');
  invalid(() => parsePolicy({ ...base, default: { tier: 'immediate', action: 'nuke' } }), 'default.action: expected one of');
  invalid(() => parsePolicy(null), '(root): expected object, got null');
  invalid(() => parsePolicy(''), '(root): expected object');
});

test('YAML syntax errors are ERR_POLICY_INVALID too', () => {
  invalid(() => parsePolicy('version: 1\nrules: [\n'), 'The policy is not valid YAML');
  invalid(() => parsePolicy('version: 1\nversion: 1\nrules: []\ndefault: {tier: immediate, action: revoke}'), 'not valid YAML');
});

test('every problem is reported, not just the first, and details carry them', () => {
  try {
    parsePolicy({ version: 1, rules: [{ id: '', match: {}, tier: 'x', reason: 'r' }], default: { tier: 'y', action: 'revoke' } });
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof SeverError);
    const problems = e.details['problems'] as { path: string }[];
    assert.deepEqual(problems.map((p) => p.path).sort(), ['default.tier', 'rules[0].id', 'rules[0].tier']);
  }
});

test('a policy object is typed Policy after parsing', () => {
  const p: Policy = parsePolicy(base);
  assert.deepEqual(p, { version: 1, rules: [], default: { tier: 'immediate', action: 'revoke' }, proof: DEFAULT_POLICY.proof });
});

test('issued: factors enrolled after the compromise (or at an unknown time) are removed now, earlier ones validated', () => {
  const factor = (issuedAt?: string) => ({ kind: 'mfa-factor' as const, connector: 'okta:corp', ...(issuedAt ? { issuedAt } : {}) });
  const at = '2026-11-30T10:00:00Z';
  const decide = (issuedAt: string | undefined, compromisedAt: string | undefined) =>
    classify(DEFAULT_POLICY, { artifact: factor(issuedAt), subjectType: 'human', ...(compromisedAt ? { compromisedAt } : {}) });
  assert.deepEqual([decide('2026-11-30T11:00:00Z', at).ruleId, decide('2026-11-30T11:00:00Z', at).tier], ['factors-enrolled-since-compromise', 'immediate']);
  assert.deepEqual([decide('2026-11-01T09:00:00Z', at).ruleId, decide('2026-11-01T09:00:00Z', at).action], ['factors-from-before', 'validate']);
  assert.equal(decide(at, at).ruleId, 'factors-enrolled-since-compromise', 'at the compromise time counts as after');
  assert.equal(decide(undefined, at).ruleId, 'factors-enrolled-since-compromise', 'an unknown enrolment time counts as after');
  assert.equal(decide('2026-11-01T09:00:00Z', undefined).ruleId, 'factors-enrolled-since-compromise', 'an unknown compromise time counts as after');
  const p = parsePolicy({ version: 1, rules: [{ id: 'old', match: { issued: 'before-compromise' }, tier: 'post-incident-validation', action: 'validate', reason: 'r' }], default: { tier: 'immediate', action: 'revoke' } });
  assert.equal(classify(p, { artifact: { kind: 'api-key', connector: 'x:y', issuedAt: '2020-01-01T00:00:00Z' }, subjectType: 'human', compromisedAt: at }).ruleId, 'old');
  assert.throws(() => parsePolicy({ version: 1, rules: [{ id: 'x', match: { issued: 'yesterday' }, tier: 'immediate', reason: 'r' }], default: { tier: 'immediate', action: 'revoke' } }), { code: 'ERR_POLICY_INVALID', message: /rules\[0\]\.match\.issued/ });
});
