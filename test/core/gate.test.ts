import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frozenClock } from '../../src/core/clock.ts';
import { SeverError } from '../../src/core/errors.ts';
import {
  CLOSURE_CODES,
  evaluateClosure as evaluateSigned,
  validateException,
  validateSignoff,
  type ClosureInput,
  type GateArtifact,
  type MissingItem,
} from '../../src/core/gate.ts';
import { parseRunbook } from '../../src/core/runbook.ts';

/**
 * Most tests here are about what the gate decides once attestations are known to be signed by
 * their holders (the engine checks signatures): sign-offs and exceptions count as verified unless
 * a test says otherwise.
 */
const evaluateClosure = (i: ClosureInput) =>
  evaluateSigned({ ...i, signoffs: i.signoffs.map((s) => ({ verified: true, ...s })), exceptions: i.exceptions.map((e) => ({ verified: true, ...e })) });

const T0 = Date.UTC(2025, 5, 1, 9, 0, 0);
const at = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

const runbook = parseRunbook({
  version: 1,
  roles: { 'identity-engineering': ['ian', 'ines'], 'ir-lead': ['lea', 'leo'], responders: ['ines', 'ian'] },
  applications: [
    { name: 'billing', connectors: ['keycloak:lab'], owners: ['bob'] },
    { name: 'chat', connectors: ['slack:*'], owners: ['cat'] },
  ],
});

const art = (id: string, status: GateArtifact['status'], over: Partial<GateArtifact> = {}): GateArtifact => ({
  id,
  label: `artifact ${id}`,
  connector: 'keycloak:lab',
  kind: 'refresh-token',
  status,
  ...over,
});

/** A closable incident: every rule satisfied. Each test breaks exactly what it is about. */
const good = (over: Partial<ClosureInput> = {}): ClosureInput => ({
  incident: { state: 'awaiting-signoff' },
  artifacts: [art('a1', 'verified-dead'), art('a2', 'verified-expired', { kind: 'access-token' })],
  exceptions: [],
  signoffs: [
    { role: 'identity-engineering', person: 'ian', at: at(T0), ledgerSeq: 10 },
    { role: 'ir-lead', person: 'leo', at: at(T0), ledgerSeq: 10 },
    { role: 'app-owner:billing', person: 'bob', at: at(T0), ledgerSeq: 10 },
  ],
  runbook,
  materialSeq: 10,
  reopenedSeq: -1,
  incidentConnectors: ['keycloak:lab'],
  executors: ['ines'],
  closer: 'lea',
  now: T0,
  ...over,
});

function missing(input: ClosureInput): MissingItem[] {
  const v = evaluateClosure(input);
  assert.equal(v.ok, false, 'expected a refusal');
  return v.ok ? [] : v.missing;
}
const codes = (input: ClosureInput) => missing(input).map((m) => m.code);

test('a complete incident closes', () => {
  assert.deepEqual(evaluateClosure(good()), { ok: true });
  assert.deepEqual(evaluateClosure(good({ executors: [] })), { ok: true });
  assert.deepEqual(evaluateClosure(good({ executors: ['ines', 'lea'] })), { ok: true }, 'the closer may execute alongside others');
});

test('WRONG_STATE: only awaiting-signoff, or verifying with everything proved', () => {
  assert.deepEqual(evaluateClosure(good({ incident: { state: 'verifying' } })), { ok: true });
  for (const state of ['open', 'discovering', 'planned', 'containing', 'remediated', 'reopened'] as const) {
    const [item, ...rest] = missing(good({ incident: { state } }));
    assert.equal(item?.code, 'WRONG_STATE', state);
    assert.match(item?.message ?? '', new RegExp(`"${state}"`));
    assert.deepEqual(rest, []);
  }
  const v = missing(good({ incident: { state: 'verifying' }, artifacts: [art('a1', 'verified-dead'), art('a2', 'revoked')] }));
  assert.deepEqual(v.map((m) => m.code), ['WRONG_STATE', 'MISSING_EVIDENCE']);
  assert.match(v[0]?.message ?? '', /verifying and 1 artifact\(s\) are not proved/);
});

test('MISSING_EVIDENCE: an acknowledgement is not evidence', () => {
  for (const status of ['discovered', 'planned', 'revoking', 'revoked'] as const) {
    const [item, ...rest] = missing(good({ artifacts: [art('a1', status)] }));
    assert.deepEqual([item?.code, item?.artifactId], ['MISSING_EVIDENCE', 'a1'], status);
    assert.match(item?.message ?? '', /artifact a1 \(refresh-token on keycloak:lab, a1\)/);
    assert.deepEqual(rest, []);
  }
  assert.match(missing(good({ artifacts: [art('a1', 'revoked')] }))[0]?.message ?? '', /acknowledgement is not evidence/);
});

test('STILL_LIVE and REVOKE_FAILED', () => {
  assert.deepEqual(codes(good({ artifacts: [art('a1', 'still-live')] })), ['STILL_LIVE']);
  assert.deepEqual(codes(good({ artifacts: [art('a1', 'failed')] })), ['REVOKE_FAILED']);
  const [why] = missing(good({ artifacts: [art('a1', 'failed', { failure: { code: 'ERR_PROVIDER_REJECTED', message: 'HTTP 403' } })] }));
  assert.match(why?.message ?? '', /revocation failed permanently \(ERR_PROVIDER_REJECTED: HTTP 403\)\./, 'the refusal says why it failed');
});

test('RESIDUAL_EXPOSURE names the time the exposure ends', () => {
  const [item] = missing(good({ artifacts: [art('j1', 'residual', { kind: 'access-token', expiresAt: '2025-06-01T09:05:00.000Z' })] }));
  assert.equal(item?.code, 'RESIDUAL_EXPOSURE');
  assert.match(item?.message ?? '', /residual exposure until 2025-06-01T09:05:00\.000Z/);
  const [unknown] = missing(good({ artifacts: [art('j2', 'residual')] }));
  assert.match(unknown?.message ?? '', /residual exposure until unknown/);
});

test('a valid exception from an IR lead covers an unproved artifact', () => {
  const exceptions = [{ artifactId: 'j1', grantedBy: 'lea', reason: 'JWT, 5 minutes left', expiresAt: at(T0 + HOUR), artifactStatus: 'residual' as const, ledgerSeq: 10 }];
  assert.deepEqual(evaluateClosure(good({ artifacts: [art('j1', 'residual')], exceptions })), { ok: true });
  assert.deepEqual(evaluateClosure(good({ artifacts: [art('j1', 'still-live')], exceptions: exceptions.map((e) => ({ ...e, artifactStatus: 'still-live' as const })) })), { ok: true });
  assert.deepEqual(codes(good({ artifacts: [art('j1', 'residual'), art('j2', 'residual')], exceptions })), ['RESIDUAL_EXPOSURE'], 'an exception covers only its artifact');
});

test('EXCEPTION_EXPIRED: with a frozen clock, an exception counts until it expires and not after', () => {
  const clock = frozenClock(T0);
  const exceptions = [{ artifactId: 'j1', grantedBy: 'lea', reason: 'accepted', expiresAt: at(T0 + HOUR), artifactStatus: 'residual' as const, ledgerSeq: 10 }];
  const input = () => good({ artifacts: [art('j1', 'residual', { expiresAt: at(T0 + 2 * HOUR) })], exceptions, now: clock.now() });
  assert.deepEqual(evaluateClosure(input()), { ok: true });
  clock.advance(HOUR - 1);
  assert.deepEqual(evaluateClosure(input()), { ok: true });
  clock.advance(1); // exactly at expiry: no longer counts
  const items = missing(input());
  assert.deepEqual(items.map((m) => [m.code, m.artifactId]), [['RESIDUAL_EXPOSURE', 'j1'], ['EXCEPTION_EXPIRED', 'j1']]);
  assert.match(items[1]?.message ?? '', /expired at 2025-06-01T10:00:00\.000Z/);
  // A second, newer exception revives it.
  const renewed = [...exceptions, { artifactId: 'j1', grantedBy: 'leo', reason: 'extended', expiresAt: at(T0 + 3 * HOUR), artifactStatus: 'residual' as const, ledgerSeq: 10 }];
  assert.deepEqual(evaluateClosure({ ...input(), exceptions: renewed }), { ok: true });
});

test('EXCEPTION_INVALID: not an IR lead, no reason, or an unreadable expiry', () => {
  const base = { artifactId: 'j1', grantedBy: 'lea', reason: 'r', expiresAt: at(T0 + HOUR), artifactStatus: 'residual' as const, ledgerSeq: 10 };
  const check = (e: typeof base) => missing(good({ artifacts: [art('j1', 'residual')], exceptions: [e] }));
  const byIan = check({ ...base, grantedBy: 'ian' });
  assert.deepEqual(byIan.map((m) => m.code), ['RESIDUAL_EXPOSURE', 'EXCEPTION_INVALID']);
  assert.match(byIan[1]?.message ?? '', /"ian", who does not hold ir-lead/);
  assert.equal(byIan[1]?.person, 'ian');
  assert.match(check({ ...base, reason: '  ' })[1]?.message ?? '', /no reason/);
  assert.match(check({ ...base, expiresAt: 'soon' })[1]?.message ?? '', /"soon" is not an ISO 8601 time/);
});

test('MISSING_SIGNOFF: every required role, including the owners of touched applications', () => {
  const none = missing(good({ signoffs: [] }));
  assert.deepEqual(none.map((m) => [m.code, m.role]), [
    ['MISSING_SIGNOFF', 'identity-engineering'],
    ['MISSING_SIGNOFF', 'ir-lead'],
    ['MISSING_SIGNOFF', 'app-owner:billing'],
  ]);
  const touchedChat = missing(good({ incidentConnectors: ['keycloak:lab', 'slack:eu'] }));
  assert.deepEqual(touchedChat.map((m) => m.role), ['app-owner:chat']);
  assert.deepEqual(evaluateClosure(good({ incidentConnectors: ['okta:corp'], signoffs: good().signoffs.slice(0, 2) })), { ok: true }, 'billing not touched');
});

test('MISSING_SIGNOFF: a sign-off by someone who does not hold the role does not count', () => {
  const signoffs = [...good().signoffs.filter((s) => s.role !== 'app-owner:billing'), { role: 'app-owner:billing', person: 'cat', at: at(T0), ledgerSeq: 10 }];
  const [item, ...rest] = missing(good({ signoffs }));
  assert.equal(item?.code, 'MISSING_SIGNOFF');
  assert.equal(item?.role, 'app-owner:billing');
  assert.match(item?.message ?? '', /signed by cat, who does not hold it/);
  assert.deepEqual(rest, []);
});

test('NOT_IR_LEAD: only an IR lead closes', () => {
  const items = missing(good({ closer: 'ian' }));
  assert.deepEqual(items.map((m) => [m.code, m.person]), [['NOT_IR_LEAD', 'ian']]);
});

test('SOLE_EXECUTOR: the only person who revoked cannot also close', () => {
  assert.deepEqual(codes(good({ executors: ['lea'] })), ['SOLE_EXECUTOR']);
  assert.deepEqual(codes(good({ executors: ['lea', 'lea'] })), ['SOLE_EXECUTOR'], 'repeats count once');
  assert.deepEqual(evaluateClosure(good({ executors: ['lea', 'ines'] })), { ok: true });
});

test('SELF_SIGNOFF: the sole executor cannot give every sign-off', () => {
  const rb = parseRunbook({ version: 1, roles: { 'identity-engineering': ['ian'], 'ir-lead': ['ian', 'lea'], responders: ['ian'] }, applications: [] });
  const signoffs = [
    { role: 'identity-engineering', person: 'ian', at: at(T0), ledgerSeq: 10 },
    { role: 'ir-lead', person: 'ian', at: at(T0), ledgerSeq: 10 },
  ];
  const items = missing(good({ runbook: rb, incidentConnectors: [], signoffs, executors: ['ian'] }));
  assert.deepEqual(items.map((m) => [m.code, m.person]), [['SELF_SIGNOFF', 'ian']]);
  const shared = [signoffs[0]!, { role: 'ir-lead', person: 'lea', at: at(T0), ledgerSeq: 10 }];
  assert.deepEqual(evaluateClosure(good({ runbook: rb, incidentConnectors: [], signoffs: shared, executors: ['ian'] })), { ok: true });
});

test('every missing item at once, in a stable order', () => {
  const input = good({
    incident: { state: 'containing' },
    artifacts: [
      art('a1', 'verified-dead'),
      art('a2', 'revoked'),
      art('a3', 'still-live'),
      art('a4', 'residual', { expiresAt: '2025-06-01T10:00:00.000Z' }),
      art('a5', 'failed'),
      art('a6', 'residual'),
      art('a7', 'unproven', { proof: { strength: 'self-report', required: 'replay', wanting: [{ path: 'refresh-replay', strength: 'replay', why: 'add --attribute clientId=<client>' }] } }),
    ],
    exceptions: [
      { artifactId: 'a3', grantedBy: 'lea', reason: 'granted while it looked residual', expiresAt: at(T0 + HOUR), artifactStatus: 'residual', ledgerSeq: 10 },
      { artifactId: 'a6', grantedBy: 'lea', reason: 'old', expiresAt: at(T0 - 1), artifactStatus: 'residual' as const, ledgerSeq: 10 },
      { artifactId: 'a6', grantedBy: 'bob', reason: 'not mine to give', expiresAt: at(T0 + HOUR), artifactStatus: 'residual' as const, ledgerSeq: 10, verified: false },
    ],
    signoffs: [
      { role: 'ir-lead', person: 'ian', at: at(T0), ledgerSeq: 10 }, { role: 'identity-engineering', person: 'ines', at: at(T0), ledgerSeq: 7 },
      { role: 'app-owner:billing', person: 'bob', at: at(T0), ledgerSeq: 10, verified: false },
    ],
    incidentConnectors: ['keycloak:lab', 'slack:eu'],
    executors: ['ian'],
    closer: 'ian',
    discoveryFailures: [{ connector: 'okta:corp', code: 'ERR_PROVIDER_UNAVAILABLE', message: 'okta:corp: GET users answered 503' }],
  });
  const items = missing(input);
  assert.deepEqual(
    items.map((m) => [m.code, m.artifactId ?? m.role ?? m.person]),
    [
      ['WRONG_STATE', undefined],
      ['DISCOVERY_INCOMPLETE', undefined],
      ['MISSING_EVIDENCE', 'a2'],
      ['STILL_LIVE', 'a3'],
      ['STALE_EXCEPTION', 'a3'],
      ['RESIDUAL_EXPOSURE', 'a4'],
      ['REVOKE_FAILED', 'a5'],
      ['RESIDUAL_EXPOSURE', 'a6'],
      ['EXCEPTION_EXPIRED', 'a6'],
      ['UNVERIFIED_EXCEPTION', 'a6'],
      ['EXCEPTION_INVALID', 'a6'],
      ['UNPROVEN', 'a7'],
      ['UNVERIFIED_SIGNOFF', 'app-owner:billing'],
      ['STALE_SIGNOFF', 'identity-engineering'],
      ['MISSING_SIGNOFF', 'ir-lead'],
      ['MISSING_SIGNOFF', 'app-owner:billing'],
      ['MISSING_SIGNOFF', 'app-owner:chat'],
      ['NOT_IR_LEAD', 'ian'],
      ['SOLE_EXECUTOR', 'ian'],
    ],
  );
  assert.deepEqual(missing(input), items, 'same input, same answer');
  for (const m of items) assert.ok(CLOSURE_CODES.includes(m.code) && m.message.length > 20, m.code);
  assert.deepEqual([...new Set(items.map((m) => m.code))].sort(), CLOSURE_CODES.filter((c) => c !== 'SELF_SIGNOFF' && c !== 'STALE_CLOSURE').sort(), 'covers every code but SELF_SIGNOFF (its own test) and STALE_CLOSURE (decided by the engine on the signed closure)');
});

test('validateSignoff refuses unknown roles and people who do not hold the role', () => {
  assert.equal(validateSignoff(runbook, 'app-owner:billing', 'bob'), 'app-owner:billing');
  assert.equal(validateSignoff(runbook, 'ir-lead', 'leo'), 'ir-lead');
  assert.throws(() => validateSignoff(runbook, 'ir-lead', 'bob'), (e: unknown) => {
    assert.ok(e instanceof SeverError);
    assert.equal(e.code, 'ERR_SIGNOFF_REFUSED');
    assert.match(e.message, /"bob" does not hold ir-lead in the runbook.*held by: lea, leo/);
    return true;
  });
  assert.throws(() => validateSignoff(runbook, 'app-owner:payroll', 'bob'), { code: 'ERR_SIGNOFF_REFUSED', message: /"app-owner:payroll" is not a role in the runbook; known roles: identity-engineering, ir-lead, app-owner:billing, app-owner:chat/ });
  assert.throws(() => validateSignoff(runbook, 'admin', 'lea'), { code: 'ERR_SIGNOFF_REFUSED' });
});

test('validateException refuses what the gate would not count, listing every reason', () => {
  const ok = { artifactId: 'j1', grantedBy: 'lea', reason: 'accepted', expiresAt: at(T0 + HOUR), artifactStatus: 'residual' as const, ledgerSeq: 10 };
  assert.doesNotThrow(() => validateException(runbook, ok, T0));
  assert.throws(() => validateException(runbook, { ...ok, expiresAt: at(T0) }, T0), { code: 'ERR_EXCEPTION_REFUSED', message: /artifact "j1" is refused: it expired at/ });
  assert.throws(() => validateException(runbook, { ...ok, grantedBy: 'ian', reason: '', expiresAt: 'x' }, T0), (e: unknown) => {
    assert.ok(e instanceof SeverError);
    assert.equal(e.code, 'ERR_EXCEPTION_REFUSED');
    assert.match(e.message, /does not hold ir-lead.*no reason.*not an ISO 8601 time/);
    assert.equal((e.details['problems'] as unknown[]).length, 3);
    return true;
  });
});

test('UNPROVEN: dead by weaker paths only is refused, and the refusal says what would prove it', () => {
  const a = art('r1', 'unproven', {
    proof: { strength: 'self-report', required: 'replay', wanting: [{ path: 'refresh-replay', strength: 'replay', why: 'add the token again with `--attribute clientId=<client>`' }] },
  });
  const [item, ...rest] = missing(good({ artifacts: [a] }));
  assert.deepEqual(rest, []);
  assert.equal(item?.code, 'UNPROVEN');
  assert.match(item?.message ?? '', /only self-report proof.*requires replay.*refresh-replay: add the token again with `--attribute clientId=<client>`.*incident verify/);
  const none = missing(good({ artifacts: [art('r2', 'unproven', { proof: { strength: 'relist', required: 'replay' } })] }));
  assert.match(none[0]?.message ?? '', /No path of its connector that is that strong could run/);
  const exceptions = [{ artifactId: 'r1', grantedBy: 'lea', reason: 'accepted: client unknown, token expires in 1 h', expiresAt: at(T0 + HOUR), artifactStatus: 'unproven' as const, ledgerSeq: 10 }];
  assert.deepEqual(evaluateClosure(good({ artifacts: [a], exceptions })), { ok: true }, 'the IR lead may accept it');
});

test('STILL_LIVE names a provider fault when the paths disagreed', () => {
  const inconsistency = { deadPaths: ['rfc7662-introspection'], livePaths: ['refresh-replay'], message: 'the provider\'s paths disagree: introspection said dead while refresh-replay found it working' };
  const [item] = missing(good({ artifacts: [art('r1', 'still-live', { proof: { strength: 'self-report', required: 'replay', inconsistency } })] }));
  assert.equal(item?.code, 'STILL_LIVE');
  assert.match(item?.message ?? '', /Provider fault: the provider's paths disagree/);
});

test('STALE_SIGNOFF: a sign-off that saw an older ledger head than the last material change does not count', () => {
  const input = good();
  assert.deepEqual(evaluateClosure(input), { ok: true });
  const later = missing({ ...input, materialSeq: 11 });
  assert.deepEqual(later.map((m) => [m.code, m.role]), [['STALE_SIGNOFF', 'identity-engineering'], ['STALE_SIGNOFF', 'ir-lead'], ['STALE_SIGNOFF', 'app-owner:billing']]);
  assert.match(later[0]?.message ?? '', /ian saw the ledger up to entry 10, but entry 11 changed the incident/);
  const unbound = input.signoffs.map(({ ledgerSeq: _, ...s }) => s);
  assert.deepEqual(missing({ ...input, signoffs: unbound }).map((m) => m.code), ['STALE_SIGNOFF', 'STALE_SIGNOFF', 'STALE_SIGNOFF'], 'a sign-off bound to nothing is stale');
  // A fresh sign-off of the same role beside a stale one is enough.
  const fresh = [...input.signoffs, { role: 'identity-engineering', person: 'ian', at: at(T0), ledgerSeq: 11 }];
  assert.deepEqual(missing({ ...input, materialSeq: 11, signoffs: fresh }).map((m) => m.role), ['ir-lead', 'app-owner:billing']);
});

test('STALE_EXCEPTION: an exception granted for another status, or before a reopen, does not count', () => {
  const e = { artifactId: 'j1', grantedBy: 'lea', reason: 'accepted', expiresAt: at(T0 + HOUR), artifactStatus: 'residual' as const, ledgerSeq: 10 };
  assert.deepEqual(evaluateClosure(good({ artifacts: [art('j1', 'residual')], exceptions: [e] })), { ok: true });
  const moved = missing(good({ artifacts: [art('j1', 'still-live')], exceptions: [e] }));
  assert.deepEqual(moved.map((m) => m.code), ['STILL_LIVE', 'STALE_EXCEPTION']);
  assert.match(moved[1]?.message ?? '', /granted while the artifact was residual, and it is still-live now/);
  const reopened = missing(good({ artifacts: [art('j1', 'residual')], exceptions: [e], reopenedSeq: 12, materialSeq: 10 }));
  assert.deepEqual(reopened.map((m) => m.code), ['RESIDUAL_EXPOSURE', 'STALE_EXCEPTION']);
  assert.match(reopened[1]?.message ?? '', /before the incident was reopened \(ledger entry 12\)/);
});

test('UNVERIFIED_SIGNOFF and UNVERIFIED_EXCEPTION: an attestation not signed by a registered key of its person counts for nothing', () => {
  const unsigned = good().signoffs.map((x) => (x.role === 'ir-lead' ? { ...x, verified: false, unverifiedReason: 'signed by key SHA256:x, which is not one of leo\'s registered keys' } : x));
  const items = evaluateClosure(good({ signoffs: unsigned }));
  assert.equal(items.ok, false);
  const m = items.ok ? [] : items.missing;
  assert.deepEqual(m.map((x) => x.code), ['UNVERIFIED_SIGNOFF', 'MISSING_SIGNOFF']);
  assert.match(m[0]!.message, /not signed by a key registered for leo \(signed by key SHA256:x/);
  // An exception whose signature does not verify does not cover its artifact.
  const exceptions = [{ artifactId: 'j1', grantedBy: 'lea', reason: 'accepted', expiresAt: at(T0 + HOUR), artifactStatus: 'residual' as const, ledgerSeq: 10, verified: false }];
  assert.deepEqual(codes(good({ artifacts: [art('j1', 'residual')], exceptions })), ['RESIDUAL_EXPOSURE', 'UNVERIFIED_EXCEPTION'], 'the artifact stays uncovered');
  // The helper above only fills in `verified` when absent: the real gate counts a sign-off without it as unsigned.
  assert.equal(evaluateSigned({ ...good(), signoffs: good().signoffs.map(({ verified: _, ...x }) => x) }).ok, false);
});
