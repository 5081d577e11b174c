/**
 * Prints the report to PDF with the system's Chromium (Debian's `/usr/bin/chromium`) through
 * playwright-core: the HTML is loaded with `setContent`, nothing is served, every network request
 * is refused and scripts are off. Sever never downloads a browser: without Chromium this is a
 * coded error saying how to install it (the HTML report needs no browser).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { SeverError } from '../core/errors.ts';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The launch arguments: no sandbox (Sever may run as root), and nothing that reaches out. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'] as const;

export interface PrintPdfOptions {
  /** Chromium's executable (default {@link DEFAULT_CHROMIUM}). */
  executablePath?: string;
  /** Plain text printed at the top of every page, e.g. the incident id and the verdict. */
  header?: string;
  /** For the whole print, ms (default 10 minutes: a 10,000-artifact report is some 1,800 pages). */
  timeoutMs?: number;
}

/**
 * The largest report (characters of HTML, about 3,000 artifacts) printed as a tagged (accessible)
 * PDF. Chromium's tagged-PDF generation stalls, idle, on a report of 10,000 artifacts (it finished
 * 5,000); larger reports are printed untagged, with their outline, rather than never.
 */
export const MAX_TAGGED_HTML = 4_000_000;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * @returns The PDF's bytes (they start with `%PDF-`).
 * @throws SeverError `ERR_PDF_BROWSER_MISSING` when Chromium is not installed, `ERR_PDF_FAILED` when
 *   it cannot be started or cannot print.
 */
export async function printPdf(html: string, o: PrintPdfOptions = {}): Promise<Uint8Array> {
  const executablePath = o.executablePath ?? DEFAULT_CHROMIUM;
  if (!existsSync(executablePath)) {
    throw new SeverError('ERR_PDF_BROWSER_MISSING', `Printing the report to PDF needs Chromium, which is not installed at ${executablePath}: install it (apt-get install chromium), or write only the HTML report (--out), which needs no browser.`, {
      details: { executablePath, install: 'apt-get install chromium' },
    });
  }
  const timeout = o.timeoutMs ?? 600_000;
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], headless: true, timeout: 60_000 });
  } catch (e) {
    throw new SeverError('ERR_PDF_FAILED', `Chromium at ${executablePath} could not be started: ${firstLine(e)}`, { details: { executablePath }, cause: e });
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SeverError('ERR_PDF_FAILED', `Chromium did not finish printing the report within ${Math.round(timeout / 1000)} s.`, { details: { executablePath, timeoutMs: timeout } })), timeout);
  });
  try {
    return await Promise.race([print(browser, html, o.header ?? '', timeout), expired]);
  } catch (e) {
    if (e instanceof SeverError) throw e;
    throw new SeverError('ERR_PDF_FAILED', `Chromium could not print the report to PDF: ${firstLine(e)}`, { details: { executablePath }, cause: e });
  } finally {
    clearTimeout(timer);
    await browser.close().catch(() => undefined);
  }
}

async function print(browser: Browser, html: string, header: string, timeout: number): Promise<Uint8Array> {
  const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  // The report is self-contained; anything it would fetch is refused rather than fetched.
  await page.route('**/*', (route) => route.abort());
  await page.setContent(html, { waitUntil: 'load', timeout });
  const pdf = await page.pdf({
    preferCSSPageSize: true, printBackground: true, tagged: html.length <= MAX_TAGGED_HTML, outline: true, displayHeaderFooter: true,
    headerTemplate: `<div style="font-size:8px;width:100%;padding:0 10mm;color:#222;font-family:sans-serif">${escapeHtml(header)}</div>`,
    footerTemplate: '<div style="font-size:8px;width:100%;padding:0 10mm;color:#222;font-family:sans-serif;text-align:right">page <span class="pageNumber"></span> of <span class="totalPages"></span></div>',
  });
  return new Uint8Array(pdf);
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 500);

/** The number of pages of a PDF Chromium wrote (its page tree's `/Count`). */
export function pdfPageCount(pdf: Uint8Array): number {
  const text = Buffer.from(pdf).toString('latin1');
  const counts = [...text.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)|\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages\b/g)].map((m) => Number(m[1] ?? m[2]));
  return counts.length ? Math.max(...counts) : 0;
}
