/**
 * `npm run bench:report`: what the auditor report costs on a large incident. Builds a synthetic but
 * schema-valid bundle of N artifacts (default 10,000), its every entry and the bundle signed with a
 * real Ed25519 key through the ledger code (so it verifies, pinned), then measures, as
 * `sever report` does it: verify (UTF-8 + JSON + verifyBundle), render the HTML, print the PDF with
 * the system Chromium. Render time is also given as a ratio to verify time, per run, side by side:
 * these machines are shared and noisy, ratios much less so than absolute times.
 *   node bench/report.ts [artifacts=10000] [runs=3] [pdfRuns=1] [batch=25]
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { frozenClock } from '../src/core/clock.ts';
import { buildBundle, buildEntry, createSigner, generateKeyJwk, hashObservation, verifyBundle, type BundleSummary, type Entry, type EntryType, type EvidenceBundle, type Signer } from '../src/ledger/index.ts';
import { DEFAULT_CHROMIUM, loadControls, parseBundle, pdfPageCount, printPdf, renderReport } from '../src/report/index.ts';

const [n = 10_000, runs = 3, pdfRuns = 1, batch = 25] = process.argv.slice(2).map(Number);
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const KINDS = ['refresh-token', 'idp-session', 'api-key', 'oauth-grant', 'access-token'] as const;

interface Art { id: string; kind: string; fate: 'dead' | 'residual' | 'still-live' | 'unproven' }

/** The fate of artifact i: mostly proved dead by replay; some residual, still live or unproven, as in real incidents. */
const fateOf = (i: number): Art['fate'] => (i % 100 === 7 ? 'residual' : i % 100 === 42 ? 'still-live' : i % 100 === 77 ? 'unproven' : 'dead');

function buildIncident(signer: Signer): EvidenceBundle {
  const clock = frozenClock(T0);
  const entries: Entry[] = [];
  const incidentId = 'inc_bench_report';
  const add = (type: EntryType, payload: Record<string, unknown>, actor = 'sever', stepMs = 40) => {
    entries.push(buildEntry(entries.at(-1), { incidentId, type, actor, payload }, { clock, signer }));
    clock.advance(stepMs);
  };
  const arts: Art[] = Array.from({ length: n }, (_, i) => ({ id: `art_${String(i).padStart(8, '0')}`, kind: KINDS[i % KINDS.length]!, fate: fateOf(i) }));
  const chunks = <T>(xs: T[], k: number) => Array.from({ length: Math.ceil(xs.length / k) }, (_, i) => xs.slice(i * k, i * k + k));
  const connector = (i: number) => `memory:region-${i % 4}`;

  add('incident.opened', { subject: { type: 'workload', handle: 'svc-fleet', identifiers: {} }, reason: 'deploy credentials leaked', openedAt: new Date(T0).toISOString(), compromisedAt: new Date(T0 - 3 * 3_600_000).toISOString(), publicKey: { ...signer.publicJwk } }, 'ida');
  add('incident.state-changed', { from: 'open', to: 'discovering' }, 'ida');
  add('discovery.started', { connectors: ['memory:region-0', 'memory:region-1', 'memory:region-2', 'memory:region-3'] }, 'ida');
  for (const c of chunks(arts.map((a, i) => ({ a, i })), 1_000)) {
    add('artifact.discovered', { artifacts: c.map(({ a, i }) => ({ artifactId: a.id, kind: a.kind, connector: connector(i), externalId: `ext-${i}`, label: `${a.kind} ext-${i}`, revocable: a.fate !== 'residual', expiresAt: null, issuedAt: null, dependsOn: [], secretHash: null })) }, 'ida');
  }
  add('discovery.completed', { added: n, total: n }, 'ida');
  add('plan.created', { plan: { kind: 'sever.plan', items: arts.map((a, i) => ({ artifactId: a.id, kind: a.kind, connector: connector(i), tier: 'immediate', action: a.fate === 'residual' ? 'await-expiry' : 'revoke', proof: { requires: 'replay' } })) } }, 'ida');
  add('incident.state-changed', { from: 'planned', to: 'containing' }, 'ida');
  const revocable = arts.filter((a) => a.fate !== 'residual');
  for (const c of chunks(revocable, 1_000)) add('revoke.intent', { revoke: c.map((a) => ({ artifactId: a.id, method: 'memory:delete' })) }, 'ida');
  const observed = { status: 401, body: { error: 'invalid_grant' } };
  const observedHash = hashObservation(observed);
  for (const c of chunks(arts, batch)) {
    const r = c.filter((a) => a.fate !== 'residual');
    if (r.length) add('revoke.response', { note: 'acknowledgements, not evidence', responses: r.map((a) => ({ artifactId: a.id, method: 'memory:delete', status: 'revoked', responseStatus: 204 })) });
    add('verify.observation', { observations: c.map((a) => ({
      artifactId: a.id, kind: a.kind, verdict: a.fate === 'dead' ? 'dead' : 'live', observedHash,
      checks: a.fate === 'unproven' ? [{ path: 'rfc7662-introspection', result: 'dead', strength: 'self-report' }] : [{ path: 'refresh-replay', result: a.fate === 'dead' ? 'dead' : 'live', strength: 'replay' }],
    })) });
    add('artifact.verdict', { verdicts: c.map((a) => ({
      artifactId: a.id, kind: a.kind, verdict: a.fate === 'dead' ? 'verified-dead' : a.fate, required: 'replay', strength: a.fate === 'dead' ? 'replay' : a.fate === 'unproven' ? 'self-report' : null,
      ...(a.fate === 'dead' ? {} : { reason: a.fate === 'unproven' ? 'only self-report proof; replay required' : 'still live at the verification deadline' }),
    })) });
  }
  add('incident.state-changed', { from: 'containing', to: 'verifying' }, 'ida');
  const summary: BundleSummary = {
    state: 'verifying', subject: { type: 'workload', handle: 'svc-fleet' },
    artifacts: arts.map((a, i) => ({
      id: a.id, kind: a.kind, connector: connector(i), status: a.fate === 'dead' ? 'verified-dead' : a.fate, label: `${a.kind} ext-${i}`, tier: 'immediate',
      proof: { strength: a.fate === 'dead' ? 'replay' : a.fate === 'unproven' ? 'self-report' : null, required: 'replay', paths: [a.fate === 'unproven' ? 'rfc7662-introspection (self-report): dead' : `refresh-replay (replay): ${a.fate === 'dead' ? 'dead' : 'live'}`] },
    })),
    signoffs: [],
    residualExposure: arts.filter((a) => a.fate === 'residual').map((a) => ({ artifactId: a.id, label: a.kind, until: new Date(T0 + 12 * 3_600_000).toISOString() })),
  };
  return buildBundle(entries, summary, { clock: frozenClock(clock.now() + 60_000), signer });
}

const ms = (t0: number) => performance.now() - t0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (x: number) => x.toFixed(x < 10 ? 2 : 0);

const signer = createSigner(generateKeyJwk());
let t = performance.now();
const bundle = buildIncident(signer);
const bytes = new TextEncoder().encode(JSON.stringify(bundle, null, 2));
const built = ms(t);
const controls = loadControls();
process.stdout.write(`report bench: ${n} artifacts, ${bundle.entries.length} signed entries, bundle ${(bytes.length / 1e6).toFixed(1)} MB (built and signed in ${f(built)} ms)\n`);
process.stdout.write('run  verify ms  html ms  html/verify  html MB\n');

const rows: Array<{ verify: number; html: number }> = [];
let html = '';
for (let r = 0; r < runs; r++) {
  t = performance.now();
  const value = parseBundle(bytes, 'bench');
  const v = verifyBundle(value, { expectedKeyId: signer.keyId });
  const verify = ms(t);
  if (!v.ok) throw new Error(`the bench bundle does not verify: ${v.part}: ${v.reason}`);
  t = performance.now();
  html = renderReport(value, v, { generatedAt: new Date().toISOString(), controls, source: 'bench' });
  const render = ms(t);
  rows.push({ verify, html: render });
  process.stdout.write(`${String(r + 1).padStart(3)}  ${f(verify).padStart(9)}  ${f(render).padStart(7)}  ${(render / verify).toFixed(2).padStart(11)}  ${(html.length / 1e6).toFixed(1).padStart(7)}\n`);
}
process.stdout.write(`median: verify ${f(median(rows.map((x) => x.verify)))} ms, html ${f(median(rows.map((x) => x.html)))} ms, html/verify ${median(rows.map((x) => x.html / x.verify)).toFixed(2)}\n`);

if (!existsSync(DEFAULT_CHROMIUM)) {
  process.stdout.write(`pdf: skipped, Chromium is not installed at ${DEFAULT_CHROMIUM} (apt-get install chromium)\n`);
} else {
  process.stdout.write('run  verify ms  pdf ms  pdf/verify  pages\n');
  for (let r = 0; r < pdfRuns; r++) {
    t = performance.now();
    const v = verifyBundle(parseBundle(bytes, 'bench'), { expectedKeyId: signer.keyId });
    const verify = ms(t);
    t = performance.now();
    const pdf = await printPdf(html, { header: `bench ${n} artifacts` });
    const print = ms(t);
    if (!v.ok) throw new Error('the bench bundle does not verify');
    process.stdout.write(`${String(r + 1).padStart(3)}  ${f(verify).padStart(9)}  ${f(print).padStart(6)}  ${(print / verify).toFixed(2).padStart(10)}  ${String(pdfPageCount(pdf)).padStart(5)}\n`);
  }
}
process.stdout.write(`peak rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`);
