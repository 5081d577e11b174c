/**
 * The report's one inline style sheet. Colours pass WCAG AA contrast (4.5:1 or more) for text on
 * their backgrounds, and no state is shown by colour alone (each has its word). Printing repeats
 * table headers, keeps rows and chart blocks whole, and keeps the verdict banner's colours.
 */
export const STYLES = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: #111; background: #fff; margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 12px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 2px solid #333; padding-bottom: 4px; break-after: avoid; }
h3 { font-size: 16px; margin: 20px 0 6px; break-after: avoid; }
a { color: #0645ad; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
.muted { color: #444; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 13px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid #888; padding: 4px 6px; text-align: left; vertical-align: top; }
thead th { background: #e8e8e8; }
tbody th { font-weight: 600; background: #f6f6f6; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td ul { margin: 0; padding-left: 16px; }
table.controls tbody th { white-space: nowrap; }
table.artifacts td:nth-child(6) { max-width: 16em; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0 16px; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.verdict { border: 3px solid; padding: 12px 16px; margin: 12px 0 20px; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.verdict h2 { border: 0; margin: 0 0 6px; padding: 0; font-size: 20px; }
.verdict p { margin: 4px 0; }
.verdict.ok { background: #0b5a2a; border-color: #0b5a2a; color: #fff; }
.verdict.unpinned { background: #fff4e0; border-color: #7a4d00; color: #4a2f00; }
.verdict.failed { background: #8b0000; border-color: #5c0000; color: #fff; }
.verdict a { color: inherit; text-decoration: underline; }
.watermark { position: fixed; top: 40%; left: 0; right: 0; text-align: center; font-size: 72px; font-weight: 800; color: rgba(139, 0, 0, 0.14); transform: rotate(-24deg); pointer-events: none; z-index: 10; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.status { display: inline-block; padding: 0 6px; border-radius: 3px; font-weight: 600; white-space: nowrap; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.s-good { background: #e3f2e7; color: #0b4d22; }
.s-bad { background: #fde8e8; color: #7f0f0f; }
.s-warn { background: #fff1d6; color: #5c3a00; }
.s-neutral { background: #ececec; color: #333; }
/* Nothing in an unverified bundle is shown as good: its claims are greyed. */
body.unverified .s-good { background: #ececec; color: #333; }
nav ol { columns: 2; margin: 4px 0 16px; }
figure.exposure { margin: 0 0 6px; break-inside: avoid; }
figure.exposure figcaption { font-size: 12px; color: #444; }
svg .lbl { font-size: 11px; fill: #111; }
svg .tick { font-size: 10px; fill: #333; }
svg .grid { stroke: #d0d0d0; stroke-width: 1; }
svg .axis-line { stroke: #333; stroke-width: 1; }
svg .bar.proved { fill: #2b5d8a; }
svg .bar.unproved { stroke: #9b1111; stroke-width: 1; }
svg .arrow { fill: #9b1111; }
svg .mark { stroke-width: 2; }
svg .mark.compromise { stroke: #9b1111; stroke-dasharray: 4 3; }
svg .mark.opened { stroke: #555; }
svg .mark.closed { stroke: #0b5a2a; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 12.5px; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 22px; height: 0; border-top: 2px solid; }
.swatch.mark-compromise { border-top: 2px dashed #9b1111; }
.swatch.mark-opened { border-color: #555; }
.swatch.mark-closed { border-color: #0b5a2a; }
tr:target { outline: 3px solid #0645ad; }
footer { margin-top: 32px; font-size: 12.5px; color: #333; border-top: 1px solid #888; padding-top: 8px; }
@page { size: A4 landscape; margin: 14mm 10mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  table { font-size: 10.5px; }
  nav { display: none; }
  a { color: #111; text-decoration: none; }
  .verdict { break-inside: avoid; }
}
`;
