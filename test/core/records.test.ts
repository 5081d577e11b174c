import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { SeverError } from '../../src/core/errors.ts';
import { ExceptionRecord, PlanRecord, SignoffRecord, defineRecord } from '../../src/core/records.ts';

function recordInvalid(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SeverError, String(e));
    assert.equal(e.code, 'ERR_RECORD_INVALID');
    for (const f of fragments) assert.ok(e.message.includes(f), `expected "${f}" in: ${e.message}`);
    return true;
  });
}

const Note = defineRecord('test.note', 2, z.strictObject({ text: z.string().min(1), tags: z.array(z.string()).default([]) }));

test('make wraps data in the envelope and validates it', () => {
  assert.deepEqual(Note.make({ text: 'hi' }), { kind: 'test.note', version: 2, text: 'hi', tags: [] });
  assert.equal(Note.kind, 'test.note');
  assert.equal(Note.version, 2);
  recordInvalid(() => Note.make({ text: '' }), 'Invalid test.note v2 record', 'text: must not be empty');
});

test('parse checks kind, then version, then shape', () => {
  assert.deepEqual(Note.parse({ kind: 'test.note', version: 2, text: 'x', tags: ['a'] }), { kind: 'test.note', version: 2, text: 'x', tags: ['a'] });
  recordInvalid(() => Note.parse({ kind: 'sever.plan', version: 2, text: 'x' }), 'test.note v2', 'expected a test.note record, got kind "sever.plan"');
  recordInvalid(() => Note.parse({ kind: 'test.note', version: 3, text: 'x' }), 'unsupported version 3 (this build reads version 2)');
  recordInvalid(() => Note.parse({ kind: 'test.note', text: 'x' }), 'unsupported version null');
  recordInvalid(() => Note.parse({ kind: 'test.note', version: 2, text: 5, extra: true }), 'text: expected string, got number', 'extra: unknown field');
  recordInvalid(() => Note.parse('nope'), '(root): expected object, got string');
  try {
    Note.parse({ kind: 'test.note', version: 2 });
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof SeverError);
    assert.deepEqual(e.details, { record: 'test.note v2', problems: [{ path: 'text', message: 'required (expected string)' }] });
  }
});

test('a record cannot be made with a different kind or version smuggled into its data', () => {
  const made = Note.make({ text: 'x', kind: 'other', version: 9 } as never);
  assert.equal(made.kind, 'test.note');
  assert.equal(made.version, 2);
});

const attestation = { statement: '{"kind":"sever.statement"}\n', signature: '-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n', keyFingerprint: `SHA256:${'A'.repeat(43)}` };

test('SignoffRecord', () => {
  const ledgerHead = { seq: 4, hash: 'a'.repeat(64) };
  const s = SignoffRecord.make({ incidentId: 'inc_1', role: 'app-owner:billing', person: 'bob', at: '2025-01-01T00:00:00.000Z', ledgerHead, attestation });
  assert.deepEqual(SignoffRecord.parse(JSON.parse(JSON.stringify(s))), s);
  recordInvalid(() => SignoffRecord.make({ incidentId: 'inc_1', role: 'owner', person: 'bob', at: '2025-01-01T00:00:00Z', ledgerHead, attestation }), 'sever.signoff v3', 'role');
  recordInvalid(() => SignoffRecord.make({ incidentId: 'inc_1', role: 'ir-lead', person: 'bob', at: 'yesterday', ledgerHead, attestation }), 'at: expected an ISO 8601 date-time (got "yesterday")');
  recordInvalid(() => SignoffRecord.make({ incidentId: 'inc_1', role: 'ir-lead', person: 'bob', at: '2025-01-01T00:00:00Z', attestation } as never), 'ledgerHead: required');
  // v3: a sign-off is what the person signed; a typed name alone is not a record.
  recordInvalid(() => SignoffRecord.make({ incidentId: 'inc_1', role: 'ir-lead', person: 'bob', at: '2025-01-01T00:00:00Z', ledgerHead } as never), 'attestation: required');
  recordInvalid(() => SignoffRecord.make({ incidentId: 'inc_1', role: 'ir-lead', person: 'bob', at: '2025-01-01T00:00:00Z', ledgerHead, attestation: { ...attestation, keyFingerprint: 'MD5:aa' } }), 'keyFingerprint');
  recordInvalid(() => SignoffRecord.parse({ ...s, version: 2 }), 'unsupported version 2');
});

test('ExceptionRecord', () => {
  const data = {
    incidentId: 'inc_1', artifactId: 'art_1', grantedBy: 'lea', reason: 'JWT, 5 minutes left', grantedAt: '2025-01-01T00:00:00Z', expiresAt: '2025-01-02T00:00:00+01:00',
    ledgerHead: { seq: 9, hash: 'b'.repeat(64) }, artifactStatus: 'residual' as const, attestation,
  };
  assert.deepEqual(ExceptionRecord.make(data), { kind: 'sever.exception', version: 3, ...data });
  recordInvalid(() => ExceptionRecord.make({ ...data, reason: '' }), 'sever.exception v3', 'reason: must not be empty');
  recordInvalid(() => ExceptionRecord.parse({ kind: 'sever.exception', version: 3, ...data, expiresAt: undefined }), 'expiresAt: required');
  recordInvalid(() => ExceptionRecord.make({ ...data, artifactStatus: 'gone' as never }), 'artifactStatus');
});

test('PlanRecord rejects unknown tiers and missing counts', () => {
  const plan = {
    kind: 'sever.plan',
    version: 2,
    incidentId: 'inc_1',
    createdAt: '2025-01-01T00:00:00.000Z',
    items: [{ artifactId: 'a', connector: 'k:l', kind: 'api-key', tier: 'urgent', action: 'revoke', ruleId: 'r', reason: 'x', dependsOn: [], dependents: [] }],
    residualExposure: [],
    summary: { total: 1, byTier: { immediate: 1, 'scheduled-rotation': 0 }, byAction: { revoke: 1, 'await-expiry': 0, validate: 0 } },
  };
  recordInvalid(() => PlanRecord.parse(plan), 'items[0].tier: expected one of', 'summary.byTier.post-incident-validation: required');
});
