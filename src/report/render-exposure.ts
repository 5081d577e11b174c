/**
 * The residual exposure chart: one bar per artifact on a shared UTC time axis, as inline SVG
 * (no script, no external resource). Proved windows are solid; windows never proved are hatched,
 * to a recorded expiry or open-ended with an arrow. Drawn in blocks of {@link ROWS_PER_BLOCK}
 * rows, each its own figure, so that a large incident prints across pages without a bar cut.
 */
import { anchor, esc } from './html.ts';
import type { ExposureAxis, ExposureWindow } from './compute-exposure.ts';

export const ROWS_PER_BLOCK = 40;

const W = 1000;
const X0 = 300;
const X1 = 975;
const TOP = 24;
const ROW = 18;

const STEPS = [1e3, 5e3, 15e3, 30e3, 60e3, 5 * 60e3, 15 * 60e3, 30 * 60e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3, 7 * 86400e3, 30 * 86400e3, 365 * 86400e3];

function ticks(from: number, to: number): number[] {
  const step = STEPS.find((s) => (to - from) / s <= 7) ?? STEPS.at(-1)!;
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

function tickLabel(t: number, from: number, to: number): string {
  const iso = new Date(t).toISOString();
  if (to - from >= 86400e3) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  return to - from >= 600e3 ? iso.slice(11, 16) : iso.slice(11, 19);
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const KIND_TEXT: Record<ExposureWindow['kind'], string> = {
  proved: 'proved dead or expired at',
  'until-expiry': 'NOT proved: live until its recorded expiry',
  open: 'NOT proved: exposure has no known end',
};

function bar(w: ExposureWindow, i: number, y: number, x: (t: number) => number, hatch: string): string {
  const a = w.artifact;
  const x0 = x(w.start);
  const width = Math.max(2, x(w.end) - x0);
  const end = new Date(w.end).toISOString();
  const title = `${a.id} (${a.kind}, ${a.connector}): exposed from ${new Date(w.start).toISOString()}; ${KIND_TEXT[w.kind]}${w.kind === 'open' ? '' : ` ${end}`}`;
  const fill = w.kind === 'proved' ? 'class="bar proved"' : `class="bar unproved" fill="url(#${hatch})"`;
  const arrow = w.kind === 'open' ? `<path class="arrow" d="M${X1} ${y - 1} l8 6 l-8 6 z"/>` : '';
  return `<a href="#${anchor('a', a.id)}"><g data-artifact="${esc(a.id)}" data-window="${w.kind}"><title>${esc(title)}</title>`
    + `<text x="4" y="${y + 9}" class="lbl">${esc(clip(`${i + 1}. ${a.kind} ${a.label || a.id}`, 46))}</text>`
    + `<rect ${fill} x="${x0.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="10"/>${arrow}</g></a>`;
}

function block(axis: ExposureAxis, rows: ExposureWindow[], first: number, n: number): string {
  const span = axis.to - axis.from;
  const x = (t: number) => X0 + ((t - axis.from) / span) * (X1 - X0);
  const height = TOP + rows.length * ROW + 6;
  const hatch = `hatch-${n}`;
  const marks = ([['compromise', axis.compromisedAt], ['opened', axis.openedAt], ['closed', axis.closedAt]] as const)
    .flatMap(([cls, t]) => (t === null ? [] : [`<line class="mark ${cls}" x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${TOP - 4}" y2="${height - 2}"/>`]));
  const grid = ticks(axis.from, axis.to).map((t) => {
    const tx = x(t).toFixed(1);
    return `<line class="grid" x1="${tx}" x2="${tx}" y1="${TOP - 4}" y2="${height - 2}"/><text class="tick" x="${tx}" y="14" text-anchor="middle">${esc(tickLabel(t, axis.from, axis.to))}</text>`;
  });
  const title = `Exposure windows of artifacts ${first + 1} to ${first + rows.length}`;
  return `<figure class="exposure"><svg role="img" aria-labelledby="${hatch}-t" viewBox="0 0 ${W} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">`
    + `<title id="${hatch}-t">${esc(title)}; the same windows are listed in the artifacts table</title>`
    + `<defs><pattern id="${hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fbe4e4"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9b1111" stroke-width="3"/></pattern></defs>`
    + `<g class="axis">${grid.join('')}<line class="axis-line" x1="${X0}" x2="${X1}" y1="${TOP - 4}" y2="${TOP - 4}"/></g>${marks.join('')}`
    + rows.map((w, i) => bar(w, first + i, TOP + i * ROW + 4, x, hatch)).join('')
    + `</svg><figcaption>${esc(title)}.</figcaption></figure>`;
}

/** The chart: a caption with the axis span, then one SVG block per {@link ROWS_PER_BLOCK} artifacts. */
export function renderExposure(axis: ExposureAxis): string {
  if (!axis.windows.length) return '<p>No artifacts: no exposure to draw.</p>';
  const out = [
    `<p class="axis-note">Time axis (UTC) from ${esc(new Date(axis.from).toISOString())} to ${esc(new Date(axis.to).toISOString())}.`
      + ` Each bar runs from ${axis.compromisedAt !== null ? 'the compromise' : 'the opening of the incident (it does not record when the compromise began)'}, or from the artifact's issue time when later, to the verdict that proved it dead or expired.</p>`,
    '<ul class="legend"><li><svg aria-hidden="true" width="28" height="12"><rect class="bar proved" width="28" height="12"/></svg> proved dead or expired</li>'
      + '<li><svg aria-hidden="true" width="28" height="12"><defs><pattern id="hatch-legend" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fbe4e4"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9b1111" stroke-width="3"/></pattern></defs><rect class="bar unproved" fill="url(#hatch-legend)" width="28" height="12"/></svg> never proved: live until its recorded expiry, or open-ended (arrow)</li>'
      + '<li><span class="swatch mark-compromise"></span> compromise began</li><li><span class="swatch mark-opened"></span> incident opened</li><li><span class="swatch mark-closed"></span> incident closed</li></ul>',
  ];
  for (let i = 0; i < axis.windows.length; i += ROWS_PER_BLOCK) out.push(block(axis, axis.windows.slice(i, i + ROWS_PER_BLOCK), i, i / ROWS_PER_BLOCK));
  return out.join('\n');
}
