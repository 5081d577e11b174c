/**
 * The artifacts table: every artifact with its kind, connector, the plan's tier and action, its
 * final status, the proof strength reached against the strength required, the independent paths
 * that observed it with their results, and its exposure window.
 */
import type { ExposureWindow } from './compute-exposure.ts';
import { anchor, badge, esc, seqLink, statusTone, time } from './html.ts';
import type { ArtifactFact } from './read-bundle.ts';

const RESULT_TONE: Record<string, 'good' | 'bad' | 'neutral'> = { dead: 'good', expired: 'good', live: 'bad' };

function proof(a: ArtifactFact): string {
  const reached = a.verdict?.strength ?? null;
  const required = a.verdict?.required ?? a.planRequired;
  const enough = reached !== null && (a.status === 'verified-dead' || a.status === 'verified-expired');
  return `${reached ? badge(reached, enough ? 'good' : 'warn') : badge('none', 'bad')} <span class="muted">of</span> ${esc(required ?? '—')}`
    + (a.verdict ? `<br><span class="muted">verdict ${seqLink(a.verdict.seq)}</span>` : '');
}

function paths(a: ArtifactFact): string {
  if (!a.paths.length && !a.wanting.length) return '<span class="muted">no observation recorded</span>';
  const items = a.paths.map((p) => `<li><code>${esc(p.path)}</code>${p.strength ? ` (${esc(p.strength)})` : ''}: ${badge(p.result, RESULT_TONE[p.result] ?? 'neutral')}</li>`);
  const wanting = a.wanting.map((w) => `<li class="muted">could not run: ${esc(w)}</li>`);
  const why = a.verdict?.reason ? [`<li class="muted">${esc(a.verdict.reason)}</li>`] : [];
  return `<ul>${[...items, ...wanting, ...why].join('')}</ul>${a.pathsSeq !== null ? `<span class="muted">observed ${seqLink(a.pathsSeq)}</span>` : ''}`;
}

function exposure(w: ExposureWindow | undefined): string {
  if (!w) return '—';
  const from = time(new Date(w.start).toISOString());
  if (w.kind === 'proved') return `${from} → ${time(new Date(w.end).toISOString())}`;
  if (w.kind === 'until-expiry') return `${from} → <strong>live until ${time(new Date(w.end).toISOString())}</strong> (recorded expiry; never proved)`;
  return `${from} → <strong>open-ended</strong> (never proved)`;
}

function status(a: ArtifactFact): string {
  const x = a.exception;
  return badge(a.status, statusTone(a.status))
    + (x ? `<br><span class="muted">accepted by exception ${seqLink(x.seq)} (${esc(x.by)}${x.expiresAt ? `, until ${time(x.expiresAt)}` : ''}): ${esc(x.reason)}</span>` : '');
}

/** The table (one row per artifact, `id="a-<artifactId>"`), with a count by status above it. */
export function renderArtifacts(artifacts: readonly ArtifactFact[], windows: ReadonlyMap<string, ExposureWindow>): string {
  if (!artifacts.length) return '<p>The chain records no artifacts.</p>';
  const counts = new Map<string, number>();
  for (const a of artifacts) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
  const tally = [...counts].map(([s, n]) => `${n} ${badge(s, statusTone(s))}`).join(', ');
  const rows = artifacts.map((a, i) => `<tr id="${anchor('a', a.id)}"><td>${i + 1}</td><th scope="row"><code>${esc(a.id)}</code>${a.label ? `<br>${esc(a.label)}` : ''}<br><span class="muted">introduced ${seqLink(a.introducedSeq)}</span></th>`
    + `<td>${esc(a.kind)}</td><td><code>${esc(a.connector)}</code></td><td>${esc(a.tier ?? '—')}<br><span class="muted">${esc(a.action ?? '—')}</span></td>`
    + `<td>${status(a)}</td><td>${proof(a)}</td><td>${paths(a)}</td><td>${exposure(windows.get(a.id))}</td></tr>`);
  return `<p>${artifacts.length} artifact(s): ${tally}.</p>`
    + '<table class="artifacts"><caption>Artifacts, their proof and exposure</caption><thead><tr><th scope="col">#</th><th scope="col">Artifact</th><th scope="col">Kind</th><th scope="col">Connector</th>'
    + '<th scope="col">Tier / action</th><th scope="col">Final status</th><th scope="col">Proof reached of required</th><th scope="col">Proof paths and results</th><th scope="col">Exposure window</th></tr></thead>'
    + `<tbody>${rows.join('\n')}</tbody></table>`;
}
