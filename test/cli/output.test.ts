/**
 * Output: --json is exactly one complete JSON document however large (through a pipe, as a script
 * reads it), and human output never passes a terminal control sequence of user or provider data.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { frozenClock } from '../../src/core/clock.ts';
import { buildBundle } from '../../src/ledger/index.ts';
import { escapeText, oneLine, table } from '../../src/cli/output.ts';
import { renderIncident } from '../../src/cli/commands/incident.ts';
import type { IncidentView } from '../../src/engine/view.ts';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/databases.ts';
import { buildChain, SEED_A, signerFromSeed, T0 } from '../ledger/support.ts';
import { runMain, withFake } from './support.ts';

/** A valid bundle whose verification report (it lists every artifact) is several MiB of JSON. */
function bigBundle(n: number) {
  const signer = signerFromSeed(SEED_A);
  const artifacts = Array.from({ length: n }, (_, i) => ({ artifactId: `art_${String(i).padStart(6, '0')}`, kind: 'refresh-token', externalId: `rt-${i}` }));
  const entries = buildChain(signer, [
    { type: 'incident.opened', payload: { subject: { type: 'human', handle: 'bob' }, reason: 'big', publicKey: { ...signer.publicJwk } } },
    { type: 'artifact.discovered', payload: { connector: 'oauth:big', artifacts } },
  ]);
  const summary = { state: 'discovering', artifacts: artifacts.map((a) => ({ id: a.artifactId, kind: a.kind, connector: 'oauth:big', status: 'discovered' })), signoffs: [] };
  return buildBundle(entries, summary, { clock: frozenClock(T0 + 60_000), signer });
}

describe('CLI output', () => {
  let dir: string;
  before(() => {
    dir = tempDir('sever-output-');
  });

  it('--json through a pipe: one complete document of several MiB, then exit 0 (was cut at 64 KiB)', async () => {
    const path = join(dir, 'big.json');
    writeFileSync(path, JSON.stringify(bigBundle(20_000)));
    const r = await cli(['evidence', 'verify', path, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length > 2 * 1024 * 1024, `${r.stdout.length} bytes`);
    const doc = r.json();
    assert.equal(doc.ok, true);
    assert.equal(doc.summary.artifacts.length, 20_000);
    assert.equal(doc.summary.artifacts.at(-1).id, 'art_019999');
  });

  it('--json: a command that fails after its report prints only the error document', async () => {
    const path = join(dir, 'tampered.json');
    const b = bigBundle(3);
    b.summary.artifacts[0]!.status = 'verified-dead';
    writeFileSync(path, JSON.stringify(b));
    const r = await runMain(['evidence', 'verify', path, '--json']);
    assert.equal(r.code, 1);
    const doc = r.json();
    assert.deepEqual(Object.keys(doc), ['error']);
    assert.equal(doc.error.code, 'ERR_BUNDLE_INVALID');
    assert.equal(doc.error.details.part, 'signature');
    const human = await runMain(['evidence', 'verify', path]);
    assert.match(human.stdout, /does NOT verify/);
    assert.match(human.stderr, /^error ERR_BUNDLE_INVALID: /);
  });

  it('escapes C0, ESC, DEL, C1 and bidi controls; keeps newlines only in multi-line text', () => {
    const evil = 'a\u001b[31mred\u0007\u007f\u009b2J\u202egnp.exe\u2066x\u2028y\r\tz';
    assert.equal(escapeText(evil), 'a\\u001b[31mred\\u0007\\u007f\\u009b2J\\u202egnp.exe\\u2066x\\u2028y\\u000d\tz');
    assert.equal(oneLine('one\ntwo\tthree'), 'one\\u000atwo\\u0009three');
    assert.equal(escapeText('line 1\nline 2'), 'line 1\nline 2');
    assert.equal(oneLine('plain ✓ text — ok'), 'plain ✓ text — ok');
    const t = table([['ID', 'SUBJECT'], ['inc_1', 'x\u001b]0;owned\u0007\nfake row']]);
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(t), t);
    assert.equal(t.split('\n').length, 2, 'a newline in a cell cannot add a row');
  });

  it('incident list and show print a subject\'s escape sequences escaped, not raw; --json keeps the data', async () => {
    const subject = 'mallory\u001b[2J\u001b[1;1Hclosure gate: open\u009b';
    const engine = {
      list: async () => [{ id: 'inc_1', state: 'open', subject, subjectType: 'human', openedAt: '2025-01-01T00:00:00.000Z', closedAt: null, reason: '' }],
    };
    const r = await runMain(['incident', 'list'], withFake(engine));
    assert.equal(r.code, 0);
    assert.ok(!r.stdout.includes('\u001b') && !r.stdout.includes('\u009b'), JSON.stringify(r.stdout));
    assert.match(r.stdout, /mallory\\u001b\[2J\\u001b\[1;1Hclosure gate: open\\u009b/);
    const j = await runMain(['incident', 'list', '--json'], withFake(engine));
    assert.equal(j.json()[0].subject, subject);

    const view: IncidentView = {
      id: 'inc_1', state: 'verifying', subject: { type: 'human', handle: subject }, reason: 'x\nclosure gate: open (the IR lead may close)', openedBy: 'ida',
      openedAt: '2025-01-01T00:00:00.000Z', compromisedAt: null, closedAt: null, executors: [], counts: {},
      artifacts: [{ id: 'art_1', connector: 'oauth:x', kind: 'access-token', externalId: 'e', label: 'token\u001b[8m', status: 'still-live', tier: 'immediate', action: 'revoke', revocable: true, source: 'added', expiresAt: null, dependsOn: [], valueHeld: true, valueHash: null, proof: null }],
      residualExposure: [], requiredSignoffs: ['ir-lead'], signoffs: [], exceptions: [], pendingSteps: 0,
      gate: { ok: false, missing: [{ code: 'STILL_LIVE', message: 'art_1 \u001b[8mhidden' }] }, ledger: { entries: 3, head: 'ab'.repeat(32) },
    };
    const text = renderIncident(view);
    assert.ok(!/[\u001b\u009b]/.test(text));
    assert.equal(text.split('\n').filter((l) => l.startsWith('closure gate')).join('|'), 'closure gate: refused', 'a reason cannot forge a line');
    const shown = await runMain(['incident', 'show', 'inc_1'], withFake({ show: async () => view }));
    assert.ok(!/[\u001b\u009b]/.test(shown.stdout));

    // The proof of every artifact, provider faults, and stale sign-offs are shown to people too.
    const graded: IncidentView = {
      ...view,
      artifacts: [
        { ...view.artifacts[0]!, id: 'art_2', status: 'verified-dead', proof: { required: 'replay', strength: 'replay', paths: [{ path: 'refresh-replay', strength: 'replay', result: 'dead' }] } },
        { ...view.artifacts[0]!, id: 'art_3', status: 'still-live', proof: { required: 'replay', strength: 'self-report', paths: [], providerFault: "the provider's paths disagree" } },
      ],
      signoffs: [{ role: 'ir-lead', person: 'irene', at: '2025-01-01T00:00:00.000Z', ledgerSeq: 3, stale: true }],
    };
    const g = renderIncident(graded);
    assert.match(g, /art_2 .* verified-dead +replay\/replay/);
    assert.match(g, /art_3 .* still-live +self-report\/replay/);
    assert.match(g, /provider faults[^\n]*\n  - art_3: the provider's paths disagree/);
    assert.match(g, /✗ ir-lead by irene .*stale/);
  });

  it('coded errors print as one escaped line', async () => {
    const engine = { show: async () => { throw Object.assign(new Error('boom\u001b[2J\nsecond line'), {}); } };
    const r = await runMain(['incident', 'show', 'inc_1'], withFake(engine));
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error ERR_INTERNAL: boom\\u001b[2J\\u000asecond line\n');
  });
});
