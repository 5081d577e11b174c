/**
 * The auditor report: one self-contained, accessible HTML document made from an evidence bundle
 * alone. Pure: the caller verifies the bundle (`verifyBundle`) and loads the controls mappings, and
 * passes both in; nothing here reads a file, a clock or the network. The document has no script and
 * no external resource (inline CSS and SVG only), and prints as it reads.
 */
import { computeExposure } from './compute-exposure.ts';
import { evaluateControls } from './evaluate-controls.ts';
import { esc } from './html.ts';
import { readAttestations } from './read-attestations.ts';
import { readBundle } from './read-bundle.ts';
import { renderArtifacts } from './render-artifacts.ts';
import { renderAttestations } from './render-attestations.ts';
import { renderControls } from './render-controls.ts';
import { renderExposure } from './render-exposure.ts';
import { renderFacts, renderVerdict } from './render-header.ts';
import { renderTimeline } from './render-timeline.ts';
import { STYLES } from './styles.ts';
import type { ReportOptions, ReportVerification } from './types.ts';

/**
 * Renders the report of `bundle` (the parsed bundle file; it may be malformed when verification
 * failed, and is then reported on as untrusted).
 *
 * @param verification What `verifyBundle` said of this same bundle, optionally with its
 *   `attestations` checked. A failure is shown first and prominently, and no control is `met`.
 */
export function renderReport(bundle: unknown, verification: ReportVerification, opts: ReportOptions): string {
  const facts = readBundle(bundle);
  const axis = computeExposure(facts);
  const windows = new Map(axis.windows.map((w) => [w.artifact.id, w]));
  const controls = evaluateControls(opts.controls ?? [], facts, verification);
  const failed = !verification.ok;
  const title = `Sever incident report: ${facts.incidentId}${failed ? ' (bundle does NOT verify)' : ''}`;
  const section = (id: string, heading: string, body: string) => `<section aria-labelledby="${id}"><h2 id="${id}">${esc(heading)}</h2>\n${body}\n</section>`;
  const pin = verification.ok && verification.pinned ? ` --key-id ${verification.keyId}` : ' --key-id <the instance key id>';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="sever report">
<title>${esc(title)}</title>
<style>${STYLES}</style>
</head>
<body${failed ? ' class="unverified"' : ''}>
${failed ? '<div class="watermark" aria-hidden="true">NOT VERIFIED</div>' : ''}
<header>
<h1>Incident report: <code>${esc(facts.incidentId)}</code></h1>
${renderVerdict(verification, facts)}
${renderFacts(facts, verification, opts)}
</header>
<nav aria-label="Contents"><ol><li><a href="#artifacts-h">Artifacts and proof</a></li><li><a href="#exposure-h">Residual exposure</a></li><li><a href="#attestations-h">Attestations</a></li><li><a href="#controls-h">Controls</a></li><li><a href="#timeline-h">Timeline</a></li></ol></nav>
<main>
${section('artifacts-h', 'Artifacts and proof', renderArtifacts(facts.artifacts, windows))}
${section('exposure-h', 'Residual exposure', renderExposure(axis))}
${section('attestations-h', 'Attestations', renderAttestations(readAttestations(facts, verification)))}
${section('controls-h', 'Controls', renderControls(controls))}
${section('timeline-h', 'Timeline', renderTimeline(facts.entries))}
</main>
<footer>
<p>Made by <code>sever report</code> from the evidence bundle alone (no store, no configuration, no network), at ${esc(opts.generatedAt)}. Anyone holding the bundle regenerates it offline with
<code>sever report ${esc(opts.source ?? '<bundle>')}${esc(pin)}</code>; the bundle format is specified in docs/evidence.md, so it can also be checked with an independent verifier.</p>
</footer>
</body>
</html>
`;
}
