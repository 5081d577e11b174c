/**
 * The auditor report rendered from real bundles (incidents run through the engine and exported):
 * every artifact with its proof, the exposure chart with a bar per artifact, attestations with
 * their verification status, and a tampered bundle that can never look clean.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyBundle, type EvidenceBundle } from '../../src/ledger/index.ts';
import { loadControls, readBundle, renderReport, type ReportVerification } from '../../src/report/index.ts';
import { sampleBundle, SEED_A, signerFromSeed } from '../ledger/support.ts';
import { clone, CONTAINED, NOT_CONTAINED, runIncidents, type Bundles } from './support.ts';

const OPTS = { generatedAt: '2026-01-01T00:00:00.000Z', controls: loadControls() };

/** The `<tr …>…</tr>` whose opening tag contains `marker`. */
function row(html: string, marker: string): string {
  const at = html.indexOf(marker);
  assert.ok(at >= 0, `no row with ${marker}`);
  const start = html.lastIndexOf('<tr', at);
  return html.slice(start, html.indexOf('</tr>', at) + 5);
}

const count = (html: string, needle: string) => html.split(needle).length - 1;

describe('sever report: rendering', { timeout: 180_000 }, () => {
  let run: Bundles;
  let contained: EvidenceBundle;
  let live: EvidenceBundle;
  const render = (b: unknown, v: ReportVerification = verifyBundle(b, { expectedKeyId: run.keyId })) => renderReport(b, v, OPTS);

  before(async () => {
    run = await runIncidents([CONTAINED, NOT_CONTAINED]);
    [contained, live] = run.bundles as [EvidenceBundle, EvidenceBundle];
  });
  after(async () => run?.close());

  it('lists every artifact with its kind, connector, plan, final status and proof (strength reached of required, each path and its result)', () => {
    for (const b of [contained, live]) {
      const html = render(b);
      const facts = readBundle(b);
      assert.equal(facts.artifacts.length, b.summary.artifacts.length);
      for (const s of b.summary.artifacts) {
        const r = row(html, `id="a-${s.id}"`);
        assert.ok(r.includes(`<code>${s.id}</code>`), r);
        assert.ok(r.includes(`<td>${s.kind}</td>`), `${s.id}: kind`);
        assert.ok(r.includes('<code>memory:a</code>'), `${s.id}: connector`);
        assert.ok(r.includes('immediate'), `${s.id}: tier from the plan`);
        assert.ok(r.includes(`>${s.status}</span>`), `${s.id}: final status ${s.status}`);
        const proof = s.proof as { strength: string | null; required: string; paths: string[] };
        assert.ok(r.includes(`${proof.strength ?? 'none'}</span> <span class="muted">of</span> ${proof.required}`), `${s.id}: strength reached of required`);
        for (const p of proof.paths) {
          const [, path, strength, result] = /^(.*) \((.*)\): (.*)$/.exec(p)!;
          assert.ok(r.includes(`<code>${path}</code> (${strength}): <span class="status s-${result === 'dead' ? 'good' : 'bad'}">${result}</span>`), `${s.id}: path ${p}`);
        }
      }
    }
    const html = render(live);
    const key = live.summary.artifacts.find((a) => a.kind === 'api-key')!;
    assert.equal(key.status, 'still-live');
    assert.match(row(html, `id="a-${key.id}"`), /accepted by exception <a href="#e-\d+">/);
  });

  it('a tampered bundle says so first and prominently, names the failure and the entry, and no control is met', () => {
    const clean = render(contained);
    assert.ok(!clean.includes('does NOT verify') && !clean.includes('NOT VERIFIED'));
    assert.match(clean, /class="verdict ok" role="status"/);

    const forged = clone(contained);
    const verdict = forged.entries.find((e) => e.type === 'artifact.verdict')!;
    (verdict.payload as { verdicts: Array<{ strength: string }> }).verdicts[0]!.strength = 'self-report';
    const v = verifyBundle(forged, { expectedKeyId: run.keyId });
    assert.equal(v.ok, false);
    const html = render(forged, v);
    const banner = html.indexOf('<section class="verdict failed" role="alert"');
    assert.ok(banner > 0 && banner < html.indexOf('<main>'), 'the failure banner comes before the content');
    assert.match(html, /<title>Sever incident report: [^<]+ \(bundle does NOT verify\)<\/title>/);
    assert.ok(html.includes('This evidence bundle does NOT verify'));
    assert.ok(html.includes('class="watermark"'), 'every printed page carries NOT VERIFIED');
    assert.ok(html.includes(`first bad entry is <a href="#e-${verdict.seq}">#${verdict.seq}</a> (artifact.verdict)`), 'the first bad entry is named and linked');
    assert.ok(html.includes('<strong>ERR_BUNDLE_INVALID</strong>: failed at <strong>entry</strong>: hash: the content does not match its hash'));
    assert.ok(html.includes('<body class="unverified">'), 'its claims are greyed, never shown as good');
    assert.equal(count(html, 'data-status="met"'), 0, 'nothing is met on a bundle that does not verify');
    assert.ok(count(clean, 'data-status="met"') > 0);

    // A changed summary (outside the entries) is caught by the bundle signature, and said as loudly.
    const relabelled = clone(contained);
    relabelled.summary.state = 'remediated-and-audited';
    assert.match(render(relabelled, verifyBundle(relabelled, { expectedKeyId: run.keyId })), /does NOT verify[\s\S]*failed at <strong>signature<\/strong>/);

    // Re-signed by someone else: intact, but the pinned key refuses it.
    const other = verifyBundle(sampleBundle(signerFromSeed(SEED_A)), { expectedKeyId: run.keyId });
    assert.match(render(sampleBundle(signerFromSeed(SEED_A)), other), /role="alert"[\s\S]*failed at <strong>keys<\/strong>/);
  });

  it('without a pinned key the bundle is shown intact but not proved authored', () => {
    const html = render(contained, verifyBundle(contained));
    assert.match(html, /class="verdict unpinned"/);
    assert.ok(html.includes('its signer is NOT pinned'));
    assert.match(row(html, 'data-control="RS.AN-06"'), /data-status="partly"/);
    assert.match(row(render(contained), 'data-control="RS.AN-06"'), /data-status="met"/);
  });

  it('draws the exposure windows on a time axis, one bar per artifact: solid when proved, hatched and open-ended when never proved', () => {
    for (const b of [contained, live]) {
      const html = render(b);
      assert.match(html, /<svg role="img"[^>]*viewBox="0 0 1000 \d+"/);
      assert.ok(html.includes('class="axis-line"') && html.includes('class="tick"'), 'the time axis with its ticks');
      assert.ok(html.includes('class="mark compromise"'), 'the compromise is marked');
      assert.equal(count(html, 'data-artifact="'), b.summary.artifacts.length, 'one bar per artifact');
      for (const a of b.summary.artifacts) {
        const proved = a.status === 'verified-dead' || a.status === 'verified-expired';
        assert.ok(html.includes(`data-artifact="${a.id}" data-window="${proved ? 'proved' : 'open'}"`), `${a.id} (${a.status})`);
      }
    }
    const html = render(live);
    assert.ok(html.includes('<path class="arrow"'), 'an exposure with no end is drawn open-ended');
    assert.ok(html.includes('fill="url(#hatch-0)"'), 'and hatched');
  });

  it('shows each attestation with who, role, when, the ledger head it is bound to, and its verification status', () => {
    const html = render(contained);
    const signoffs = contained.entries.filter((e) => e.type === 'signoff.recorded');
    assert.equal(signoffs.length, 3);
    for (const e of signoffs) {
      const r = row(html, `<th scope="row"><a href="#e-${e.seq}">`);
      const head = e.payload.ledgerHead as { seq: number; hash: string };
      assert.ok(r.includes(`<td>${e.payload.person}</td><td>${e.payload.role}</td>`), r);
      assert.ok(r.includes(`<a href="#e-${head.seq}">#${head.seq}</a> <code>${head.hash.slice(0, 16)}…</code>`), 'bound head');
      assert.ok(r.includes('matches the chain'));
    }
    const closure = contained.entries.find((e) => e.type === 'incident.closed')!;
    assert.ok(row(html, `<th scope="row"><a href="#e-${closure.seq}">`).includes('<td>closure</td><td>irene</td>'));

    // What the verifier says of each signature, when it says anything.
    const v = verifyBundle(contained, { expectedKeyId: run.keyId }) as ReportVerification & { ok: true };
    const [first, ...rest] = signoffs;
    const checked: ReportVerification = { ...v, attestations: [
      { seq: first!.seq, type: first!.type, person: 'ida', role: 'identity-engineering', status: 'failed', reason: 'signature by a key not registered for ida' },
      ...rest.map((e) => ({ seq: e.seq, type: e.type, person: String(e.payload.person), status: 'verified' as const, keyFingerprint: 'SHA256:abc' })),
    ] };
    const shown = render(contained, checked);
    assert.match(row(shown, `<th scope="row"><a href="#e-${first!.seq}">`), /data-attestation-status="failed".*FAILED: signature by a key not registered for ida/);
    assert.match(row(shown, `<th scope="row"><a href="#e-${rest[0]!.seq}">`), /data-attestation-status="verified".*verified \(key SHA256:abc\)/);

    // A verifier that does not check signatures: a typed name is said to be one, and a signature it did not check is never called verified.
    const noList = { ...v, attestations: undefined } as unknown as ReportVerification;
    const typed = clone(contained);
    for (const e of typed.entries) {
      for (const p of [e.payload, e.payload.signoff, e.payload.exception] as Array<Record<string, unknown> | undefined>) {
        if (p && typeof p === 'object') for (const k of ['attestation', 'keyFingerprint']) delete p[k];
      }
    }
    const typedHtml = render(typed, noList);
    assert.equal(count(typedHtml, 'data-attestation-status="typed-name"><span class="status s-warn">not signed (typed name)'), signoffs.length + 1, 'three sign-offs and the closure');
    assert.ok(!render(contained, noList).includes('data-attestation-status="verified"'));
  });

  it('escapes whatever the bundle says: a label cannot become markup', () => {
    const b = clone(contained);
    const d = b.entries.find((e) => e.type === 'artifact.discovered')!;
    (d.payload as { artifacts: Array<{ label: string }> }).artifacts[0]!.label = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const html = render(b, verifyBundle(b));
    assert.ok(!html.includes('<script') && !html.includes('<img'), 'no markup from the bundle');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  it('reports on a bundle that is not even an evidence bundle without throwing', () => {
    const v = verifyBundle({ hello: 'world' });
    const html = render({ hello: 'world' }, v);
    assert.match(html, /role="alert"[\s\S]*failed at <strong>envelope<\/strong>/);
    assert.ok(html.includes('The chain records no artifacts.'));
  });
});
