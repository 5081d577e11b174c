/**
 * The controls section: per framework, each control with its status on this incident's evidence,
 * the requirements behind it, and the ledger entries that prove them (linked to the timeline).
 */
import type { ControlStatus, FrameworkResult } from './evaluate-controls.ts';
import { badge, esc, seqLinks, type Tone } from './html.ts';

const STATUS: Record<ControlStatus, [string, Tone]> = {
  met: ['met', 'good'], partly: ['partly', 'warn'], 'not-applicable': ['not applicable', 'neutral'], 'not-met': ['not met', 'bad'],
};
const REQ: Record<string, string> = { held: '✓ held', 'not-held': '✗ not held', 'not-applicable': '– not applicable' };

function framework(f: FrameworkResult): string {
  const s = f.framework.source;
  const rows = f.results.map((r) => {
    const c = r.control;
    const [word, tone] = STATUS[r.status];
    const reqs = r.requirements.length
      ? `<ul>${r.requirements.map((q) => `<li>${esc(REQ[q.result])}: ${esc(q.says)}${q.detail ? ` <span class="muted">(${esc(q.detail)})</span>` : ''}</li>`).join('')}</ul>`
      : '';
    return `<tr data-control="${esc(c.id)}" data-status="${r.status}"><th scope="row"><code>${esc(c.id)}</code></th><td>${esc(c.title)}<br><span class="muted">${esc(c.source.section)}</span></td>`
      + `<td>${badge(word, tone)}${r.why ? `<br><span class="muted">${esc(r.why)}</span>` : ''}</td><td>${reqs || '—'}</td><td>${seqLinks(r.seqs)}</td></tr>`;
  });
  return `<h3 id="fw-${esc(f.framework.id)}">${esc(f.framework.title)}</h3>`
    + `<p class="muted">Source: ${esc(s.document)}, <a href="${esc(s.url)}">${esc(s.url)}</a>. Mapping: <code>docs/controls/${esc(f.framework.id)}.yaml</code>.</p>`
    + `<table class="controls"><caption>${esc(f.framework.title)}: this incident's evidence</caption><thead><tr><th scope="col">Control</th><th scope="col">Outcome (official wording)</th>`
    + '<th scope="col">Status</th><th scope="col">What the evidence must show</th><th scope="col">Proved by entries</th></tr></thead>'
    + `<tbody>${rows.join('\n')}</tbody></table>`;
}

export function renderControls(results: readonly FrameworkResult[]): string {
  if (!results.length) return '<p>No controls mapping was given.</p>';
  return '<p>Each control is judged only on what this bundle holds: <strong>met</strong> (every requirement held), <strong>partly</strong> (some held, or Sever\'s evidence covers only part of the control), '
    + '<strong>not met</strong>, or <strong>not applicable</strong> (the control does not apply to this incident, or no evidence bundle can show it). Mappings are data: docs/controls/README.md.</p>'
    + results.map(framework).join('\n');
}
