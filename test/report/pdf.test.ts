/**
 * The report in a real browser (Debian's Chromium through playwright-core): printed to PDF, and
 * checked as a document: self-contained (it asks for nothing), every table header scoped, every
 * link inside it resolving, one bar per artifact, text contrast at WCAG AA.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { verifyBundle, type EvidenceBundle } from '../../src/ledger/index.ts';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM, loadControls, pdfPageCount, printPdf, renderReport } from '../../src/report/index.ts';
import { clone, CONTAINED, runIncidents, type Bundles, type IncidentSpec } from './support.ts';

const NO_CHROMIUM = existsSync(DEFAULT_CHROMIUM) ? false : `Chromium is not installed at ${DEFAULT_CHROMIUM} (apt-get install chromium)`;

const LARGE: IncidentSpec = {
  handle: 'svc-fleet', subjectType: 'workload', close: true,
  artifacts: Array.from({ length: 150 }, (_, i) => ({ kind: (['api-key', 'refresh-token', 'idp-session'] as const)[i % 3]!, externalId: `fleet-${i}`, revocable: true })),
};

describe('sever report in Chromium', { timeout: 300_000 }, () => {
  let run: Bundles;
  let small: EvidenceBundle;
  let large: EvidenceBundle;
  const html = (b: EvidenceBundle, pinned = true) =>
    renderReport(b, verifyBundle(b, pinned ? { expectedKeyId: run.keyId } : {}), { generatedAt: '2026-01-01T00:00:00.000Z', controls: loadControls() });

  before(async () => {
    run = await runIncidents([CONTAINED, LARGE]);
    [small, large] = run.bundles as [EvidenceBundle, EvidenceBundle];
  });
  after(async () => run?.close());

  it('without Chromium, printing is a coded error that says how to install it', async () => {
    await assert.rejects(printPdf('<p>x</p>', { executablePath: '/nonexistent/chromium' }), (e: any) => {
      assert.equal(e.code, 'ERR_PDF_BROWSER_MISSING');
      assert.match(e.message, /apt-get install chromium/);
      return true;
    });
  });

  it('prints a PDF, more pages for a larger incident', { skip: NO_CHROMIUM }, async () => {
    const a = await printPdf(html(small), { header: 'small' });
    const b = await printPdf(html(large), { header: 'large' });
    for (const pdf of [a, b]) assert.equal(Buffer.from(pdf.subarray(0, 5)).toString('latin1'), '%PDF-');
    assert.equal(large.summary.artifacts.length, 150);
    const [pa, pb] = [pdfPageCount(a), pdfPageCount(b)];
    assert.ok(pa >= 1, `small: ${pa} pages`);
    assert.ok(pb > 1 && pb > pa, `large: ${pb} pages, small: ${pa}`);
  });

  describe('as a document', { skip: NO_CHROMIUM }, () => {
    let browser: Browser;
    before(async () => {
      browser = await chromium.launch({ executablePath: DEFAULT_CHROMIUM, args: [...CHROMIUM_ARGS] });
    });
    after(async () => browser?.close());

    /** Loads the report and returns what the browser saw: requests made, and facts read from the DOM. */
    async function inspect(doc: string) {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.setContent(doc, { waitUntil: 'load' });
      const facts = await page.evaluate(`(() => {
        const q = (s) => [...document.querySelectorAll(s)];
        const lum = (c) => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map((v) => { v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        const bg = (el) => { for (let e = el; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; if (c && !/rgba\\(.*, 0\\)$/.test(c) && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; };
        const ratio = (el) => { const a = lum(getComputedStyle(el).color), b = lum(bg(el)); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
        const texts = q('.status, .verdict h2, .verdict p, td, th, .muted, a, caption, figcaption');
        return {
          scripts: q('script').length,
          h1: q('h1').length,
          unscopedTh: q('th').filter((th) => !['col', 'row'].includes(th.getAttribute('scope'))).length,
          broken: q('a[href^="#"]').map((a) => a.getAttribute('href').slice(1)).filter((id) => !document.getElementById(id)),
          external: q('[src], link[href], use[href]').length,
          bars: q('g[data-artifact]').length,
          svgs: q('svg[role="img"] title').length,
          lowContrast: texts.filter((el) => el.textContent.trim() && ratio(el) < 4.5).map((el) => el.className + ':' + ratio(el).toFixed(2) + ':' + el.textContent.trim().slice(0, 40)),
          alert: q('[role="alert"]').map((e) => e.textContent.slice(0, 60)),
        };
      })()`) as { scripts: number; h1: number; unscopedTh: number; broken: string[]; external: number; bars: number; svgs: number; lowContrast: string[]; alert: string[] };
      await page.close();
      return { requests: requests.filter((u) => u !== 'about:blank'), ...facts };
    }

    it('is self-contained, scoped, linked and legible', async () => {
      for (const [b, pinned] of [[small, true], [large, true], [small, false]] as const) {
        const f = await inspect(html(b, pinned));
        assert.deepEqual(f.requests, [], 'loads nothing');
        assert.equal(f.scripts, 0);
        assert.equal(f.external, 0, 'no external resource');
        assert.equal(f.h1, 1);
        assert.equal(f.unscopedTh, 0, 'every th has a scope');
        assert.deepEqual(f.broken, [], 'every in-page link resolves');
        assert.equal(f.bars, b.summary.artifacts.length, 'one bar per artifact');
        assert.ok(f.svgs >= Math.ceil(b.summary.artifacts.length / 40));
        assert.deepEqual(f.lowContrast, [], 'text contrast at least 4.5:1');
        assert.deepEqual(f.alert, []);
      }
    });

    it('a tampered bundle raises an alert the browser exposes', async () => {
      const forged = clone(small);
      forged.entries.at(-1)!.at = '2099-01-01T00:00:00.000Z';
      const f = await inspect(html(forged));
      assert.equal(f.alert.length, 1);
      assert.match(f.alert[0]!, /This evidence bundle does NOT verify/);
    });
  });
});
