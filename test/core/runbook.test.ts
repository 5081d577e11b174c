import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeverError } from '../../src/core/errors.ts';
import { connectorInScope, holdsRole, isKnownRole, parseRunbook, requiredSignoffs } from '../../src/core/runbook.ts';

const YAML_RUNBOOK = `
version: 1
roles:
  identity-engineering: [ian@example.com, ines@example.com]
  ir-lead: [lea@example.com]
  responders: [eve@example.com]
applications:
  - name: billing
    connectors: [keycloak:lab]
    owners: [bob@example.com]
  - name: chat
    connectors: ["slack:*"]
    owners: [cat@example.com]
  - name: code
    connectors: [github]
    owners: [gus@example.com, ian@example.com]
`;

function invalid(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SeverError, String(e));
    assert.equal(e.code, 'ERR_RUNBOOK_INVALID');
    for (const f of fragments) assert.ok(e.message.includes(f), `expected "${f}" in: ${e.message}`);
    return true;
  });
}

test('a YAML runbook parses; applications default to none', () => {
  const rb = parseRunbook(YAML_RUNBOOK);
  assert.deepEqual(rb.roles['ir-lead'], ['lea@example.com']);
  assert.equal(rb.applications.length, 3);
  const bare = parseRunbook({ version: 1, roles: { 'identity-engineering': ['a'], 'ir-lead': ['b'], responders: ['c'] } });
  assert.deepEqual(bare.applications, []);
});

test('required sign-offs: the fixed roles, then the owners of every application the incident touched', () => {
  const rb = parseRunbook(YAML_RUNBOOK);
  assert.deepEqual(requiredSignoffs(rb, []), ['identity-engineering', 'ir-lead']);
  assert.deepEqual(requiredSignoffs(rb, ['keycloak:lab']), ['identity-engineering', 'ir-lead', 'app-owner:billing']);
  assert.deepEqual(requiredSignoffs(rb, ['keycloak:prod']), ['identity-engineering', 'ir-lead'], 'exact names match exactly');
  assert.deepEqual(requiredSignoffs(rb, ['github:corp', 'slack:eu', 'keycloak:lab']), ['identity-engineering', 'ir-lead', 'app-owner:billing', 'app-owner:chat', 'app-owner:code'], 'runbook order');
  assert.deepEqual(requiredSignoffs(rb, ['githubx:corp']), ['identity-engineering', 'ir-lead'], 'a bare kind covers only its own instances');
});

test('connector entries: exact names, globs and bare kinds', () => {
  assert.equal(connectorInScope('keycloak:lab', 'keycloak:lab'), true);
  assert.equal(connectorInScope('keycloak:*', 'keycloak:prod'), true);
  assert.equal(connectorInScope('keycloak', 'keycloak:prod'), true);
  assert.equal(connectorInScope('keycloak', 'keycloakx:prod'), false);
  assert.equal(connectorInScope('*:prod', 'okta:prod'), true);
});

test('holdsRole and isKnownRole', () => {
  const rb = parseRunbook(YAML_RUNBOOK);
  assert.equal(holdsRole(rb, 'ir-lead', 'lea@example.com'), true);
  assert.equal(holdsRole(rb, 'ir-lead', 'ian@example.com'), false);
  assert.equal(holdsRole(rb, 'identity-engineering', 'ines@example.com'), true);
  assert.equal(holdsRole(rb, 'app-owner:code', 'ian@example.com'), true);
  assert.equal(holdsRole(rb, 'app-owner:billing', 'ian@example.com'), false);
  assert.equal(holdsRole(rb, 'app-owner:nope', 'bob@example.com'), false);
  assert.equal(holdsRole(rb, 'root', 'lea@example.com'), false);
  assert.equal(holdsRole(rb, 'ir-lead', 'LEA@example.com'), false, 'names compare exactly');
  assert.equal(isKnownRole(rb, 'app-owner:chat'), true);
  assert.equal(isKnownRole(rb, 'app-owner:nope'), false);
  assert.equal(isKnownRole(rb, 'ir-lead'), true);
  assert.equal(isKnownRole(rb, 'admin'), false);
});

test('invalid runbooks name the bad field', () => {
  const roles = { 'identity-engineering': ['a'], 'ir-lead': ['b'], responders: ['c'] };
  invalid(() => parseRunbook({ version: 1, roles: { 'identity-engineering': ['a'], 'ir-lead': [], responders: ['c'] } }), 'roles.ir-lead: must have at least 1 item(s)');
  invalid(() => parseRunbook({ version: 1, roles: { 'identity-engineering': ['a'], responders: ['c'] } }), 'roles.ir-lead: required (expected array)');
  invalid(() => parseRunbook({ version: 1, roles: { 'identity-engineering': ['a'], 'ir-lead': ['b'] } }), 'roles.responders: required (expected array)');
  invalid(() => parseRunbook({ version: 1, roles: { ...roles, admin: ['x'] } }), 'roles.admin: unknown field');
  invalid(() => parseRunbook({ version: 1, roles: { ...roles, 'ir-lead': [' '] } }), 'roles.ir-lead[0]: must not be empty');
  invalid(
    () => parseRunbook({ version: 1, roles, applications: [{ name: 'app', connectors: ['x:y'], owners: ['o'] }, { name: 'app', connectors: [], owners: [] }] }),
    'applications[1].name: duplicate application name "app" (first used by applications[0])',
    'applications[1].connectors: must have at least 1 item(s)',
    'applications[1].owners: must have at least 1 item(s)',
  );
  invalid(() => parseRunbook({ version: 1, roles, applications: [{ name: 'has space', connectors: ['x:y'], owners: ['o'] }] }), 'applications[0].name: expected a name of letters');
  invalid(() => parseRunbook('version: 1\nroles: [oops'), 'The runbook is not valid YAML');
  invalid(() => parseRunbook({ version: 2, roles }), 'version: expected 1 (got 2)');
});

test('who may act: containment needs a responder, anything else a person the runbook names', async () => {
  const { requireActor } = await import('../../src/core/actor.ts');
  const rb = parseRunbook(YAML_RUNBOOK);
  assert.doesNotThrow(() => requireActor(rb, 'eve@example.com', 'contain'));
  for (const who of ['lea@example.com', 'bob@example.com', 'mallory', '', 'sever']) {
    assert.throws(() => requireActor(rb, who, 'contain'), { code: 'ERR_ACTOR_REFUSED', message: /not a responder in the runbook.*responders: eve@example.com/ }, who);
  }
  for (const who of ['eve@example.com', 'lea@example.com', 'ian@example.com', 'bob@example.com', 'gus@example.com']) assert.doesNotThrow(() => requireActor(rb, who, 'discover'), who);
  assert.throws(() => requireActor(rb, 'mallory', 'add-artifact'), { code: 'ERR_ACTOR_REFUSED', message: /"mallory" is not named in the runbook, so cannot add-artifact/ });
  assert.throws(() => requireActor(rb, 'sever', 'discover'), { code: 'ERR_ACTOR_REFUSED' }, "Sever's own actor name is not a person");
  assert.doesNotThrow(() => requireActor(rb, 'sever', 'reopen'), 'Sever itself may reopen (a revoked artifact used again)');
});
