/**
 * The controls mappings (docs/controls/*.yaml) are data: every file matches the format, and every
 * rule names only entry types, artifact kinds and subject types that exist in the code and in the
 * evidence format. Evaluated on real bundles: RS.MI-01 is met only when every artifact is proved.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { ARTIFACT_KINDS, SUBJECT_TYPES } from '../../src/core/model.ts';
import { ENTRY_TYPES, verifyBundle, type EvidenceBundle } from '../../src/ledger/index.ts';
import { DEFAULT_CONTROLS_DIR, evaluateControls, frameworkSchema, loadControls, readBundle, renderReport, statusOf, type ControlFramework } from '../../src/report/index.ts';
import { clone, CONTAINED, NOT_CONTAINED, runIncidents, type Bundles } from './support.ts';

const EVIDENCE_DOC = readFileSync(new URL('../../docs/evidence.md', import.meta.url), 'utf8');
const FILES = readdirSync(DEFAULT_CONTROLS_DIR).filter((f) => f.endsWith('.yaml')).sort();

/** Every entry type, artifact kind and subject type a mapping names, with where. */
function namesIn(f: ControlFramework): Array<{ where: string; entryType?: string; kind?: string; subjectType?: string }> {
  return f.controls.flatMap((c) => [
    ...(c.appliesWhen ?? []).flatMap((alt, i) => [
      ...(alt.entryTypes ?? []).map((t) => ({ where: `${c.id} appliesWhen[${i}]`, entryType: t })),
      ...(alt.artifactKinds ?? []).map((k) => ({ where: `${c.id} appliesWhen[${i}]`, kind: k })),
      ...(alt.subjectTypes ?? []).map((s) => ({ where: `${c.id} appliesWhen[${i}]`, subjectType: s })),
    ]),
    ...c.requires.flatMap((r, i) => [
      ...(r.check === 'entries' ? r.types.map((t) => ({ where: `${c.id} requires[${i}]`, entryType: t })) : []),
      ...(r.check === 'artifacts-proved' ? (r.kinds ?? []).map((k) => ({ where: `${c.id} requires[${i}]`, kind: k })) : []),
    ]),
  ]);
}

describe('controls mappings', () => {
  it('every file in docs/controls matches the format, is named by its id, and cites an official https source', () => {
    assert.deepEqual(FILES, ['nist-ai-rmf-1.0.yaml', 'nist-csf-2.0.yaml', 'owasp-nhi-top10-2025.yaml']);
    for (const file of FILES) {
      const raw = parseYaml(readFileSync(new URL(file, `file://${DEFAULT_CONTROLS_DIR}`), 'utf8'));
      const r = frameworkSchema.safeParse(raw);
      assert.ok(r.success, `${file}: ${r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      assert.equal(`${r.data.id}.yaml`, file);
      assert.match(r.data.source.url, /^https:\/\/(nvlpubs\.nist\.gov|owasp\.org)\//, `${file}: the official publication`);
      for (const c of r.data.controls) assert.ok(c.source.section.length > 0, `${file} ${c.id}: a section`);
    }
    assert.equal(loadControls().length, FILES.length);
  });

  it('every rule names entry types, artifact kinds and subject types that exist in the code and in docs/evidence.md §5', () => {
    for (const f of loadControls()) {
      for (const n of namesIn(f)) {
        if (n.entryType) {
          assert.ok((ENTRY_TYPES as readonly string[]).includes(n.entryType), `${f.id} ${n.where}: entry type ${n.entryType} is not in ENTRY_TYPES`);
          assert.ok(EVIDENCE_DOC.includes(`| \`${n.entryType}\` |`), `${f.id} ${n.where}: entry type ${n.entryType} is not in docs/evidence.md §5`);
        }
        if (n.kind) assert.ok((ARTIFACT_KINDS as readonly string[]).includes(n.kind), `${f.id} ${n.where}: artifact kind ${n.kind} is not in ARTIFACT_KINDS`);
        if (n.subjectType) assert.ok((SUBJECT_TYPES as readonly string[]).includes(n.subjectType), `${f.id} ${n.where}: subject type ${n.subjectType} is not in SUBJECT_TYPES`);
      }
    }
  });

  it('ids follow each framework\'s own numbering, and the OWASP list is complete', () => {
    const [ai, csf, nhi] = loadControls() as [ControlFramework, ControlFramework, ControlFramework];
    for (const c of csf.controls) assert.match(c.id, /^(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}$/);
    for (const c of ai.controls) assert.match(c.id, /^(GOVERN|MAP|MEASURE|MANAGE) \d\.\d{1,2}$/);
    assert.deepEqual(nhi.controls.map((c) => c.id), Array.from({ length: 10 }, (_, i) => `NHI${i + 1}:2025`));
    assert.deepEqual(nhi.controls.map((c) => c.title), [
      'Improper Offboarding', 'Secret Leakage', 'Vulnerable Third-Party NHI', 'Insecure Authentication', 'Overprivileged NHI',
      'Insecure Cloud Deployment Configurations', 'Long-Lived Secrets', 'Environment Isolation', 'NHI Reuse', 'Human Use of NHI',
    ]);
    const rsmi = csf.controls.find((c) => c.id === 'RS.MI-01');
    assert.equal(rsmi?.title, 'Incidents are contained');
    assert.equal(csf.controls.find((c) => c.id === 'RS.MI-02')?.title, 'Incidents are eradicated');
  });

  it('refuses a rule naming an entry type, artifact kind or subject type that does not exist', () => {
    const base = parseYaml(readFileSync(new URL('nist-csf-2.0.yaml', `file://${DEFAULT_CONTROLS_DIR}`), 'utf8'));
    const bad = (mutate: (f: any) => void) => {
      const f = structuredClone(base);
      mutate(f);
      return frameworkSchema.safeParse(f).success;
    };
    assert.equal(bad(() => undefined), true);
    assert.equal(bad((f) => (f.controls[0].requires[0].types = ['artifact.revoked'])), false);
    assert.equal(bad((f) => (f.controls.find((c: any) => c.id === 'RS.MI-02').requires[0].kinds = ['session-cookie'])), false);
    assert.equal(bad((f) => (f.controls[0].appliesWhen = [{ subjectTypes: ['robot'] }])), false);
    assert.equal(bad((f) => (f.controls[0].coverage = 'partial', delete f.controls[0].note)), false, 'partial coverage must say what is not covered');
    assert.equal(bad((f) => f.controls.push(structuredClone(f.controls[0]))), false, 'an id twice');
  });
});

describe('controls on real incidents', { timeout: 180_000 }, () => {
  let run: Bundles;
  let contained: EvidenceBundle;
  let live: EvidenceBundle;
  const frameworks = loadControls();
  const judge = (b: EvidenceBundle, pin = true) => evaluateControls(frameworks, readBundle(b), verifyBundle(b, pin ? { expectedKeyId: run.keyId } : {}));

  before(async () => {
    run = await runIncidents([CONTAINED, NOT_CONTAINED]);
    [contained, live] = run.bundles as [EvidenceBundle, EvidenceBundle];
  });
  after(async () => run?.close());

  it('RS.MI-01 is met only when every artifact is proved dead, and not met when one is still live or unproven', () => {
    assert.ok(contained.summary.artifacts.every((a) => a.status === 'verified-dead'));
    assert.equal(statusOf(judge(contained), 'nist-csf-2.0', 'RS.MI-01'), 'met');
    const statuses = live.summary.artifacts.map((a) => a.status).sort();
    assert.deepEqual(statuses, ['residual', 'still-live', 'verified-dead']);
    const r = judge(live).find((f) => f.framework.id === 'nist-csf-2.0')!.results.find((x) => x.control.id === 'RS.MI-01')!;
    assert.equal(r.status, 'not-met');
    assert.match(r.requirements[0]!.detail ?? '', /1 of 3 proved; not: art_\w+ \((still-live|residual)\), art_\w+ \((still-live|residual)\)/);
  });

  it('links each control to the entries that prove it, in the rendered report', () => {
    const html = renderReport(contained, verifyBundle(contained, { expectedKeyId: run.keyId }), { generatedAt: '2026-01-01T00:00:00.000Z', controls: frameworks });
    const verdicts = contained.entries.filter((e) => e.type === 'artifact.verdict').map((e) => e.seq);
    const at = html.indexOf('data-control="RS.MI-01"');
    const rowHtml = html.slice(at, html.indexOf('</tr>', at));
    assert.match(rowHtml, /data-status="met"/);
    for (const seq of verdicts) assert.ok(rowHtml.includes(`<a href="#e-${seq}">#${seq}</a>`), `verdict #${seq} linked`);
    for (const seq of verdicts) assert.ok(html.includes(`<tr id="e-${seq}">`), `timeline row #${seq} exists`);
  });

  it('applies each framework where it belongs: NHI risks to a non-human subject, the AI RMF only to an agent, never a control the bundle cannot show', () => {
    const c = judge(contained);
    assert.equal(statusOf(c, 'owasp-nhi-top10-2025', 'NHI1:2025'), 'partly', 'a workload offboarded: partial coverage at best');
    assert.equal(statusOf(c, 'owasp-nhi-top10-2025', 'NHI2:2025'), 'partly');
    assert.equal(statusOf(c, 'owasp-nhi-top10-2025', 'NHI5:2025'), 'not-applicable');
    assert.equal(statusOf(c, 'nist-ai-rmf-1.0', 'MANAGE 2.4'), 'not-applicable', 'no agent in this incident');
    assert.equal(statusOf(c, 'nist-csf-2.0', 'RS.AN-06'), 'met');
    assert.equal(statusOf(judge(contained, false), 'nist-csf-2.0', 'RS.AN-06'), 'partly', 'unpinned: integrity without provenance');
    assert.equal(statusOf(c, 'nist-csf-2.0', 'RC.RP-05'), 'not-applicable', 'no rotation happened');
    assert.equal(statusOf(c, 'nist-csf-2.0', 'RC.RP-06'), 'met');
    const l = judge(live);
    assert.equal(statusOf(l, 'owasp-nhi-top10-2025', 'NHI1:2025'), 'not-met');

    // The same incident, if its subject had been an AI agent.
    const agent = clone(contained);
    const facts = readBundle(agent);
    facts.subjectType = 'ai-agent';
    const a = evaluateControls(frameworks, facts, verifyBundle(contained, { expectedKeyId: run.keyId }));
    assert.equal(statusOf(a, 'nist-ai-rmf-1.0', 'MANAGE 2.4'), 'met');
    assert.equal(statusOf(a, 'nist-ai-rmf-1.0', 'MANAGE 1.4'), 'not-applicable', 'nothing left unproved: no residual risk to document');
  });

  it('on a bundle that does not verify, no applicable control is met or partly met', () => {
    const forged = clone(contained);
    forged.entries[1]!.actor = 'mallory';
    const results = evaluateControls(frameworks, readBundle(forged), verifyBundle(forged, { expectedKeyId: run.keyId }));
    const statuses = new Set(results.flatMap((f) => f.results.map((r) => r.status)));
    assert.deepEqual([...statuses].sort(), ['not-applicable', 'not-met']);
  });
});
