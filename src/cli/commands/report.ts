import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../ledger/atomic-write.ts';
import { readBundleFile, verifyBundle } from '../../ledger/index.ts';
import { loadControls, parseBundle, pdfPageCount, printPdf, renderReport, type PrintPdfOptions, type ReportVerification } from '../../report/index.ts';
import * as arg from '../args.ts';
import type { Run } from '../main.ts';
import { inputError, oneLine } from '../output.ts';
import { ensureWritableFile } from '../session.ts';

/** What the report command uses besides the file system; tests hand in their own. */
export interface ReportDeps {
  printPdf?: (html: string, o: PrintPdfOptions) => Promise<Uint8Array>;
  now?: () => Date;
}

/** The verdict as the JSON result carries it. */
function verdictOf(v: ReportVerification) {
  if (!v.ok) return { ok: false, code: v.code, part: v.part, reason: v.reason, seq: v.seq, type: v.type };
  const attestations = v.attestations ? Object.fromEntries(['verified', 'failed', 'unsigned'].map((s) => [s, v.attestations!.filter((a) => a.status === s).length])) : null;
  return { ok: true, pinned: v.pinned, keyId: v.keyId, headHash: v.headHash, entries: v.count, attestations };
}

/** The bundle path must name a readable regular file. */
function bundlePath(path: string): string {
  const abs = resolve(path);
  let st;
  try {
    st = statSync(abs, { throwIfNoEntry: false });
  } catch (e) {
    throw inputError(`<bundle> ${path}: cannot be looked up (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { field: '<bundle>', path });
  }
  if (!st) throw inputError(`<bundle> ${path}: no such file`, { field: '<bundle>', path });
  if (!st.isFile()) throw inputError(`<bundle> ${path}: not a regular file; give an evidence bundle (sever evidence export writes one)`, { field: '<bundle>', path });
  return abs;
}

export function registerReport(program: Command, run: Run, deps: ReportDeps = {}): void {
  program.command('report <bundle>').description('the auditor report of an evidence bundle, offline from the bundle alone: HTML (and PDF with the system Chromium); pin the signer with --key-id')
    .option('-o, --out <file>', 'HTML report path (default <bundle name>.report.html here, unless only --pdf is given)')
    .option('--pdf <file>', 'also print the report to this PDF (needs /usr/bin/chromium)')
    .option('--key-id <kid>', 'trust only this key (RFC 7638 thumbprint, as `evidence key-id` prints it); repeatable', (v: string, p: string[]) => [...p, v], [])
    .option('--controls <dir>', 'controls mappings directory (default Sever\'s docs/controls)')
    .action((file: string, o) => run(async (_g, out) => {
      const source = bundlePath(file);
      const keyIds = (o.keyId as string[]).map(arg.keyId);
      const htmlPath = o.out !== undefined || o.pdf === undefined ? resolve(o.out ?? `${basename(source).replace(/\.json$/i, '')}.report.html`) : null;
      const pdfPath = o.pdf === undefined ? null : resolve(o.pdf);
      if (htmlPath) ensureWritableFile(htmlPath, o.out === undefined ? 'the default report path' : '--out');
      if (pdfPath) ensureWritableFile(pdfPath, '--pdf');
      if (htmlPath && htmlPath === pdfPath) throw inputError(`--out and --pdf name the same file ${htmlPath}`, { field: '--pdf', path: pdfPath });
      const controls = loadControls(o.controls === undefined ? undefined : resolve(o.controls));

      const value = parseBundle(await readBundleFile(source), file);
      const verification: ReportVerification = verifyBundle(value, keyIds.length ? { expectedKeyId: keyIds } : {});
      const html = renderReport(value, verification, { generatedAt: (deps.now?.() ?? new Date()).toISOString(), controls, source: file });
      if (htmlPath) await writeFileAtomic(htmlPath, html, { mode: 0o644 });
      let pages: number | null = null;
      if (pdfPath) {
        const incident = verification.ok ? verification.incidentId : oneLine(String((value as { incidentId?: unknown } | null)?.incidentId ?? 'unknown incident'));
        const header = `Sever incident report ${incident}: ${verification.ok ? (verification.pinned ? 'bundle verified, pinned key' : 'bundle verified, key NOT pinned') : `BUNDLE DOES NOT VERIFY (${verification.code})`}`;
        const pdf = await (deps.printPdf ?? printPdf)(html, { header });
        await writeFileAtomic(pdfPath, pdf, { mode: 0o644 });
        pages = pdfPageCount(pdf);
      }
      const result = { bundle: source, incidentId: verification.ok ? verification.incidentId : null, html: htmlPath, pdf: pdfPath, pages, verification: verdictOf(verification) };
      out.result(result, (r: typeof result) => [
        ...(r.html ? [`wrote ${r.html}`] : []),
        ...(r.pdf ? [`wrote ${r.pdf}${r.pages ? ` (${r.pages} pages)` : ''}`] : []),
        verification.ok
          ? `the bundle verifies${verification.pinned ? ', pinned to the expected key' : '; its signer is NOT pinned (pass --key-id with the instance key id)'}`
          : `the bundle does NOT verify (${verification.code} at ${verification.part}); the report says so`,
      ].join('\n'));
      if (verification.ok) return 0;
      out.note(`error ${verification.code}: bundle ${file} failed verification at ${verification.part}${verification.seq !== null ? ` (entry seq ${verification.seq}${verification.type ? `, ${verification.type}` : ''})` : ''}: ${verification.reason}`);
      return 1;
    }));
}
