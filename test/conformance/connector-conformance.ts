/**
 * The ONE conformance suite every connector runs (STYLE.md §4). A connector's test file calls
 * {@link runConnectorConformance} with a `setup` that starts (or reaches) a real provider and
 * returns a fresh {@link ConformanceFixture}; every check below then runs against it. A test that
 * does not apply is skipped through `skips`, and the reason is printed.
 *
 * Checked: the manifest is complete and consistent (the engine's boot check plus more); discover
 * is repeatable; for every revocable kind, verify says `live` before revoke and `dead` after it,
 * through paths the manifest lists and none equal to the revoke method, and strongly enough for the
 * default policy (or naming the stronger path it could not run); revoke is idempotent (the
 * second call answers `already_revoked`); a non-revocable artifact throws ERR_NOT_REVOCABLE; an
 * unreachable provider and bad credentials give catalogued SeverErrors with the right
 * `retryable`.
 */
import assert from 'node:assert/strict';
import { secretProblem } from '../../src/ledger/secret-guard.ts';
import { describe, it, type TestContext } from 'node:test';
import type { Connector, RevokeOutcome, SubjectRef, VerifyObservation } from '../../src/connectors/contract.ts';
import { ERROR_CATALOGUE, isSeverError, type ErrorCode } from '../../src/core/errors.ts';
import { ARTIFACT_KINDS, type ArtifactHandle, type DiscoveredArtifact } from '../../src/core/model.ts';
import { checkManifest } from '../../src/engine/check-manifest.ts';
import { gradeProof, PROOF_STRENGTHS } from '../../src/core/proof.ts';
import { DEFAULT_POLICY, requiredProof } from '../../src/core/policy.ts';

export const CONFORMANCE_TESTS = [
  'manifest is valid',
  'discover is repeatable',
  'verify says live before revoke and dead after, through another path',
  'revoke is idempotent',
  'a non-revocable artifact is refused with ERR_NOT_REVOCABLE',
  'an unreachable provider gives retryable coded errors',
  'bad credentials give a non-retryable coded error',
] as const;
export type ConformanceTest = (typeof CONFORMANCE_TESTS)[number];

export interface ConformanceFixture {
  connector: Connector;
  subject: SubjectRef;
  /**
   * Creates live artifacts of the subject at the provider and answers handles to them, as the
   * engine would hold them (after discovery, or from `incident add-artifact`). Cover every
   * revocable kind of the manifest; each call may be the first thing done on a fresh fixture.
   */
  makeArtifacts(): Promise<ArtifactHandle[]>;
  /** A live artifact the provider cannot revoke selectively, when the connector has such a kind. */
  makeNonRevocable?(): Promise<ArtifactHandle>;
  /** The same connector pointed at an address where nothing listens. */
  unreachable(): Connector;
  /** The same connector with wrong credentials. */
  badCredentials(): Connector;
  teardown(): Promise<void>;
}

export interface ConformanceOptions {
  /** Connector instance name, shown in test names. */
  name: string;
  /** A fresh fixture; called once per test (and once per kind in the per-kind tests). */
  setup(): Promise<ConformanceFixture>;
  /** Tests that do not apply, each with its reason (printed as the SKIP reason). */
  skips?: Partial<Record<ConformanceTest, string>>;
  /** How long verify may take to observe death after an acknowledged revoke. Default 2000 ms. */
  deadWithinMs?: number;
}

/** What the engine hands a connector for a discovered artifact. */
export function toHandle(d: DiscoveredArtifact, subjectId?: string): ArtifactHandle {
  return {
    kind: d.kind, externalId: d.externalId, label: d.label, attributes: d.attributes ?? {}, revocable: d.revocable ?? true,
    ...(d.issuedAt ? { issuedAt: d.issuedAt } : {}), ...(d.expiresAt ? { expiresAt: d.expiresAt } : {}),
    ...(d.secret !== undefined ? { secret: d.secret } : {}), ...(subjectId ? { subjectId } : {}),
  };
}

/** Asserts `e` is a SeverError with a catalogued code (and the given code / retryable, when given). */
export function assertCoded(e: unknown, expect: { code?: ErrorCode | ErrorCode[]; retryable?: boolean } = {}): asserts e is import('../../src/core/errors.ts').SeverError {
  assert.ok(isSeverError(e), `expected a SeverError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  assert.ok(e.code in ERROR_CATALOGUE, `${e.code} is not in the error catalogue`);
  if (expect.code !== undefined) {
    const codes = Array.isArray(expect.code) ? expect.code : [expect.code];
    assert.ok(codes.includes(e.code), `expected ${codes.join(' or ')}, got ${e.code}: ${e.message}`);
  }
  if (expect.retryable !== undefined) assert.equal(e.retryable, expect.retryable, `${e.code} retryable should be ${expect.retryable}: ${e.message}`);
}

/** The rejection of `p` (the test fails when it fulfils). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return undefined;
}

async function withFixture<T>(o: ConformanceOptions, fn: (f: ConformanceFixture) => Promise<T>): Promise<T> {
  const f = await o.setup();
  try {
    return await fn(f);
  } finally {
    await f.teardown();
  }
}

function checkManifestDeeply(c: Connector): void {
  const m = c.manifest;
  checkManifest(m);
  assert.equal(c.name.split(':')[0], m.kind, `connector name ${c.name} must be ${m.kind}:<instance>`);
  assert.ok(m.title.trim() && m.description.trim(), 'title and description are required');
  const kinds = m.artifacts.map((a) => a.kind);
  assert.equal(new Set(kinds).size, kinds.length, 'each artifact kind appears once');
  for (const a of m.artifacts) {
    assert.ok(ARTIFACT_KINDS.includes(a.kind), `${a.kind} is a known artifact kind`);
    assert.ok(a.discover.trim(), `${a.kind}: discover path described`);
    assert.ok(a.revoke.method.trim(), `${a.kind}: revoke method named`);
    assert.ok(a.verify.length > 0, `${a.kind}: at least one verification path`);
    assert.ok(!a.verify.some((v) => v.path === a.revoke.method), `${a.kind}: verification path differs from revoke method ${a.revoke.method}`);
    assert.equal(new Set(a.verify.map((v) => v.path)).size, a.verify.length, `${a.kind}: verification paths unique`);
    for (const v of a.verify) assert.ok(PROOF_STRENGTHS.includes(v.strength), `${a.kind}: path ${v.path} declares a proof strength (${PROOF_STRENGTHS.join(', ')})`);
    assert.ok(a.permissions.length > 0 && a.permissions.every((p) => p.trim()), `${a.kind}: permissions listed`);
    assert.ok(a.residue.length > 0, `${a.kind}: residue listed (what survives, and what compensates)`);
    for (const r of a.residue) assert.ok(r.what.trim() && r.compensatingAction.trim(), `${a.kind}: residue has what + compensatingAction`);
    assert.ok(Number.isFinite(a.expectedDeadByMs) && a.expectedDeadByMs >= 0, `${a.kind}: expectedDeadByMs >= 0`);
    if (!a.revoke.selective) assert.ok(a.revoke.fallback?.trim(), `${a.kind}: non-selective revoke names a fallback`);
    if (a.rotate) {
      assert.ok(typeof c.rotate === 'function' && typeof c.adoption === 'function', `${a.kind}: a kind that rotates has rotate() and adoption()`);
      assert.notEqual(a.rotate.adoption, a.rotate.method, `${a.kind}: adoption is observed through another path than the rotation`);
      assert.ok(a.revoke.selective, `${a.kind}: rotate-then-revoke ends in a selective revoke`);
    }
  }
  if (m.adoptionPolicy) assert.ok(m.adoptionPolicy.pollIntervalMs > 0 && m.adoptionPolicy.deadlineMs >= m.adoptionPolicy.pollIntervalMs, 'adoptionPolicy positive');
  assert.ok(Number.isInteger(m.limits.concurrency) && m.limits.concurrency > 0, 'limits.concurrency positive integer');
  if (m.limits.rate) assert.ok(m.limits.rate.limit > 0 && m.limits.rate.windowMs > 0, 'limits.rate positive');
  assert.ok(m.verifyPolicy.pollIntervalMs > 0 && m.verifyPolicy.deadlineMs >= m.verifyPolicy.pollIntervalMs, 'verifyPolicy positive');
}

/** Verify until `want` or the deadline; answers the last observation. */
async function verifyUntil(c: Connector, a: ArtifactHandle, want: VerifyObservation['verdict'], withinMs: number): Promise<VerifyObservation> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const obs = await c.verify(a);
    if (obs.verdict === want || Date.now() >= deadline) return obs;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function assertIndependent(c: Connector, a: ArtifactHandle, out: RevokeOutcome, obs: VerifyObservation): void {
  const cap = c.manifest.artifacts.find((x) => x.kind === a.kind)!;
  assert.ok(obs.checks.length > 0, `${a.kind}: verify made at least one check`);
  for (const check of obs.checks) {
    assert.notEqual(check.path, out.method, `${a.kind}: check ${check.path} must not be the revoke path`);
    assert.ok(cap.verify.some((v) => v.path === check.path), `${a.kind}: check path ${check.path} is listed in the manifest (${cap.verify.map((v) => v.path).join(', ')})`);
    if (a.secret) assert.ok(!JSON.stringify(check.observed).includes(a.secret), `${a.kind}: observation is secret-free`);
  }
}

/**
 * Graded proof: the death the connector reports reaches the strength the default policy requires
 * for the kind, or the connector names, among `unavailable`, a declared path that strong with what
 * it needs (so the engine marks it `unproven` and the gate can say what would prove it). Every
 * unavailable path is one the manifest declares.
 */
function assertGraded(c: Connector, name: string, a: ArtifactHandle, obs: VerifyObservation): void {
  const cap = c.manifest.artifacts.find((x) => x.kind === a.kind)!;
  const strengthOf = (path: string) => cap.verify.find((v) => v.path === path)?.strength;
  for (const u of obs.unavailable ?? []) {
    assert.ok(strengthOf(u.path), `${a.kind}: unavailable path ${u.path} is declared in the manifest`);
    assert.ok(u.why.trim().length > 10, `${a.kind}: unavailable path ${u.path} says what it needs`);
    if (a.secret) assert.ok(!u.why.includes(a.secret), `${a.kind}: the reason is secret-free`);
  }
  const required = requiredProof(DEFAULT_POLICY, { artifact: { kind: a.kind, connector: name, attributes: a.attributes }, subjectType: 'human' }).requires;
  const grade = gradeProof(
    obs.checks.map((x) => ({ path: x.path, strength: strengthOf(x.path) ?? 'self-report', result: x.result })),
    required,
    (obs.unavailable ?? []).map((u) => ({ ...u, strength: strengthOf(u.path) ?? 'self-report' })),
  );
  if (grade.verdict === 'unproven') {
    assert.ok((grade.wanting ?? []).length > 0, `${a.kind}: dead only by ${grade.strength} while the default policy requires ${required}, and no stronger path is named as unavailable with what it needs`);
  } else {
    assert.ok(grade.verdict === 'dead' || grade.verdict === 'expired', `${a.kind}: graded ${grade.verdict}`);
  }
}

/** Artifacts by kind, revocable ones only, first of each kind. */
function revocableByKind(list: ArtifactHandle[]): Map<string, ArtifactHandle> {
  const out = new Map<string, ArtifactHandle>();
  for (const a of list) if (a.revocable && !out.has(a.kind)) out.set(a.kind, a);
  return out;
}

/** Runs every revocable kind of a fresh fixture through `fn`, one subtest per kind. */
async function perKind(t: TestContext, o: ConformanceOptions, fn: (f: ConformanceFixture, a: ArtifactHandle) => Promise<void>): Promise<void> {
  const kinds = await withFixture(o, async (f) => {
    const byKind = revocableByKind(await f.makeArtifacts());
    const declared = f.connector.manifest.artifacts.map((c) => c.kind);
    for (const k of byKind.keys()) assert.ok(declared.includes(k as never), `makeArtifacts gave ${k}, which the manifest does not declare`);
    return [...byKind.keys()];
  });
  assert.ok(kinds.length > 0, 'makeArtifacts must give at least one revocable artifact');
  for (const kind of kinds) {
    await t.test(kind, () =>
      withFixture(o, async (f) => {
        const a = revocableByKind(await f.makeArtifacts()).get(kind);
        assert.ok(a, `a fresh makeArtifacts() gives a ${kind} again`);
        await fn(f, a);
      }),
    );
  }
}

export function runConnectorConformance(o: ConformanceOptions): void {
  const skip = (test: ConformanceTest) => (o.skips?.[test] ? { skip: o.skips[test] } : {});
  const within = o.deadWithinMs ?? 2_000;

  describe(`connector conformance: ${o.name}`, () => {
    it('manifest is valid', skip('manifest is valid'), () => withFixture(o, async (f) => checkManifestDeeply(f.connector)));

    it('discover is repeatable', skip('discover is repeatable'), () =>
      withFixture(o, async (f) => {
        await f.makeArtifacts();
        const first = await f.connector.discover(f.subject);
        const second = await f.connector.discover(f.subject);
        const ids = (l: DiscoveredArtifact[]) => l.map((a) => `${a.kind} ${a.externalId}`).sort();
        assert.deepEqual(ids(second), ids(first), 'same provider state, same artifacts');
        assert.equal(new Set(first.map((a) => a.externalId)).size, first.length, 'externalIds are unique within the connector');
        const declared = f.connector.manifest.artifacts.map((c) => c.kind);
        for (const a of first) {
          assert.ok(declared.includes(a.kind), `discovered ${a.kind} is declared in the manifest`);
          if (a.secret) assert.ok(!a.label.includes(a.secret) && !JSON.stringify(a.attributes ?? {}).includes(a.secret), `${a.externalId}: label and attributes are secret-free`);
        }
      }),
    );

    it('verify says live before revoke and dead after, through another path', skip('verify says live before revoke and dead after, through another path'), (t) =>
      perKind(t, o, async (f, a) => {
        const before = await f.connector.verify(a);
        assert.equal(before.verdict, 'live', `${a.kind} is live before revoke: ${JSON.stringify(before.checks)}`);
        const out = await f.connector.revoke(a);
        assert.ok(out.status === 'revoked' || out.status === 'accepted', `${a.kind}: first revoke acknowledged, got ${out.status}`);
        const cap = f.connector.manifest.artifacts.find((x) => x.kind === a.kind)!;
        assert.equal(out.method, cap.revoke.method, `${a.kind}: outcome method is the manifest's revoke method`);
        if (a.secret) assert.ok(!JSON.stringify(out).includes(a.secret), `${a.kind}: revoke outcome is secret-free`);
        // The ledger refuses secret-shaped fields (a `token` key, a bearer value) in what it records.
        assert.equal(secretProblem({ request: out.request ?? null, response: out.response }), undefined, `${a.kind}: the ledger would refuse this revoke outcome`);
        const after = await verifyUntil(f.connector, a, 'dead', within);
        assert.equal(after.verdict, 'dead', `${a.kind} is dead after revoke: ${JSON.stringify(after.checks)}`);
        assertIndependent(f.connector, a, out, after);
        assertIndependent(f.connector, a, out, before);
        assertGraded(f.connector, o.name, a, after);
      }),
    );

    it('revoke is idempotent', skip('revoke is idempotent'), (t) =>
      perKind(t, o, async (f, a) => {
        const first = await f.connector.revoke(a);
        assert.notEqual(first.status, 'already_revoked', `${a.kind}: a live artifact is not reported already revoked`);
        await verifyUntil(f.connector, a, 'dead', within);
        const second = await f.connector.revoke(a);
        assert.equal(second.status, 'already_revoked', `${a.kind}: the second revoke answers already_revoked`);
        assert.equal(secretProblem({ request: second.request ?? null, response: second.response }), undefined, `${a.kind}: the ledger would refuse this revoke outcome`);
        assert.equal(second.method, first.method);
      }),
    );

    it('a non-revocable artifact is refused with ERR_NOT_REVOCABLE', skip('a non-revocable artifact is refused with ERR_NOT_REVOCABLE'), () =>
      withFixture(o, async (f) => {
        assert.ok(f.makeNonRevocable, 'the fixture provides makeNonRevocable (or the test is skipped with a reason)');
        const a = await f.makeNonRevocable();
        assert.equal(a.revocable, false, 'makeNonRevocable gives an artifact marked revocable: false');
        const e = await rejection(f.connector.revoke(a));
        assertCoded(e, { code: 'ERR_NOT_REVOCABLE', retryable: false });
      }),
    );

    it('an unreachable provider gives retryable coded errors', skip('an unreachable provider gives retryable coded errors'), () =>
      withFixture(o, async (f) => {
        const [a] = [...revocableByKind(await f.makeArtifacts()).values()];
        assert.ok(a, 'an artifact to try');
        const down = f.unreachable();
        const d = await rejection(down.discover(f.subject));
        if (d !== undefined) assertCoded(d, { code: 'ERR_PROVIDER_UNAVAILABLE', retryable: true });
        assertCoded(await rejection(down.revoke(a)), { code: 'ERR_PROVIDER_UNAVAILABLE', retryable: true });
        assertCoded(await rejection(down.verify(a)), { code: 'ERR_PROVIDER_UNAVAILABLE', retryable: true });
      }),
    );

    it('bad credentials give a non-retryable coded error', skip('bad credentials give a non-retryable coded error'), () =>
      withFixture(o, async (f) => {
        const [a] = [...revocableByKind(await f.makeArtifacts()).values()];
        assert.ok(a, 'an artifact to try');
        const bad = f.badCredentials();
        const errors = [await rejection(bad.discover(f.subject)), await rejection(bad.revoke(a)), await rejection(bad.verify(a))].filter((e) => e !== undefined);
        assert.ok(errors.length > 0, 'wrong credentials are noticed');
        for (const e of errors) assertCoded(e, { code: ['ERR_PROVIDER_REJECTED', 'ERR_SECRET_UNRESOLVED'], retryable: false });
      }),
    );
  });
}

/** The first artifact of `kind` (matching `pred`) in `list`; the test fails, naming what was found, when there is none. */
export function one<T extends { kind: string }>(list: T[], kind: string, pred: (a: T) => boolean = () => true): T {
  const a = list.find((x) => x.kind === kind && pred(x));
  assert.ok(a, `a ${kind} was found (found: ${list.map((x) => x.kind).join(', ')})`);
  return a;
}
