/**
 * `sever report <bundle>`: writes the report from the bundle file alone (no store, no config),
 * pins like `evidence verify`, says with --json what it wrote and whether the bundle verified,
 * exits 1 (with the report written) when it does not, and names the path of a bad input.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SeverError } from '../../src/core/errors.ts';
import { writeBundleFile, type EvidenceBundle } from '../../src/ledger/index.ts';
import { DEFAULT_CHROMIUM } from '../../src/report/index.ts';
import { tempDir } from '../support/databases.ts';
import { clone, CONTAINED, runIncidents, runReportCli, type Bundles } from './support.ts';

describe('sever report (CLI)', { timeout: 240_000 }, () => {
  let run: Bundles;
  let bundle: EvidenceBundle;
  let dir: string;
  let good: string;
  let forged: string;

  before(async () => {
    run = await runIncidents([CONTAINED]);
    bundle = run.bundles[0]!;
    dir = tempDir('sever-report-');
    good = join(dir, `${bundle.incidentId}.json`);
    forged = join(dir, 'forged.json');
    await writeBundleFile(good, bundle);
    const f = clone(bundle);
    f.summary.artifacts[0]!.status = 'still-live';
    await writeBundleFile(forged, f);
  });
  after(async () => run?.close());

  it('writes the HTML report of a pinned, verifying bundle, and says so with --json', async () => {
    const out = join(dir, 'r.html');
    const r = await runReportCli(['report', good, '--out', out, '--key-id', run.keyId, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json();
    assert.deepEqual({ ...j, verification: { ...j.verification, attestations: null } }, {
      bundle: good, incidentId: bundle.incidentId, html: out, pdf: null, pages: null,
      verification: { ok: true, pinned: true, keyId: bundle.keyId, headHash: bundle.headHash, entries: bundle.entries.length, attestations: null },
    });
    const html = readFileSync(out, 'utf8');
    assert.match(html, /class="verdict ok"/);
    for (const a of bundle.summary.artifacts) assert.ok(html.includes(`id="a-${a.id}"`));
    assert.ok(html.includes(`sever report ${good} --key-id ${run.keyId}`), 'the report says how to regenerate it');
  });

  it('a bundle that does not verify: the report is written and says so, and the command exits 1', async () => {
    const out = join(dir, 'forged.html');
    const r = await runReportCli(['report', forged, '-o', out, '--key-id', run.keyId]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /does NOT verify \(ERR_BUNDLE_INVALID at signature\)/);
    assert.match(r.stderr, /^error ERR_BUNDLE_INVALID: bundle .*forged\.json failed verification at signature/m);
    assert.match(readFileSync(out, 'utf8'), /This evidence bundle does NOT verify/);
    const j = await runReportCli(['report', forged, '-o', out, '--json']);
    assert.equal(j.code, 1);
    assert.equal(j.json().verification.ok, false);
    assert.equal(j.json().verification.part, 'signature');
    assert.equal(j.json().html, out);
  });

  it('pins: a bundle signed by another key is refused with --key-id of this instance', async () => {
    const r = await runReportCli(['report', good, '-o', join(dir, 'other.html'), '--key-id', 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k', '--json']);
    assert.equal(r.code, 1);
    assert.equal(r.json().verification.part, 'keys');
  });

  it('bad inputs are ERR_INPUT_INVALID (exit 2) naming the path or the flag', async () => {
    const missing = await runReportCli(['report', join(dir, 'none.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error ERR_INPUT_INVALID: <bundle> .*none\.json: no such file/);
    const isDir = await runReportCli(['report', dir]);
    assert.match(isDir.stderr, /ERR_INPUT_INVALID: <bundle> .*: not a regular file/);
    const outDir = await runReportCli(['report', good, '--out', dir]);
    assert.equal(outDir.code, 2);
    assert.match(outDir.stderr, /ERR_INPUT_INVALID: --out .*: is a directory/);
    const noParent = await runReportCli(['report', good, '--pdf', join(dir, 'no', 'such', 'r.pdf')]);
    assert.match(noParent.stderr, /ERR_INPUT_INVALID: --pdf .*r\.pdf: the directory .* does not exist/);
    const badKey = await runReportCli(['report', good, '--key-id', 'nope']);
    assert.match(badKey.stderr, /ERR_INPUT_INVALID: --key-id/);
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{"not json');
    const unreadable = await runReportCli(['report', junk, '-o', join(dir, 'junk.html'), '--json']);
    assert.equal(unreadable.code, 1);
    assert.equal(unreadable.json().error.code, 'ERR_BUNDLE_UNREADABLE');
    assert.equal(existsSync(join(dir, 'junk.html')), false, 'nothing to report on, nothing written');
    const controls = join(dir, 'controls');
    mkdirSync(controls);
    writeFileSync(join(controls, 'x.yaml'), 'kind: sever.controls\nversion: 1\nid: x\n');
    const badMapping = await runReportCli(['report', good, '-o', join(dir, 'c.html'), '--controls', controls]);
    assert.match(badMapping.stderr, /ERR_INPUT_INVALID: The controls mapping .*x\.yaml is invalid/);
  });

  it('--pdf without Chromium is the coded error, after nothing half-written', async () => {
    const pdf = join(dir, 'none.pdf');
    const r = await runReportCli(['report', good, '--pdf', pdf, '--json'], {
      printPdf: async () => {
        throw new SeverError('ERR_PDF_BROWSER_MISSING', 'Printing the report to PDF needs Chromium, which is not installed at /usr/bin/chromium: install it (apt-get install chromium)');
      },
    });
    assert.equal(r.code, 1);
    assert.equal(r.json().error.code, 'ERR_PDF_BROWSER_MISSING');
    assert.equal(existsSync(pdf), false);
  });

  it('--pdf writes a PDF with the system Chromium', { skip: existsSync(DEFAULT_CHROMIUM) ? false : `Chromium is not installed at ${DEFAULT_CHROMIUM} (apt-get install chromium)` }, async () => {
    const pdf = join(dir, 'r.pdf');
    const r = await runReportCli(['report', good, '--pdf', pdf, '--key-id', run.keyId, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.json().html, null, 'only the PDF was asked for');
    assert.ok(r.json().pages >= 1);
    assert.equal(readFileSync(pdf).subarray(0, 5).toString('latin1'), '%PDF-');
  });
});
