/**
 * The timeline: every ledger entry, one row each (`id="e-<seq>"`, the target of every seq link in
 * the report), with its time, type, actor and a one-line summary.
 */
import { anchor, esc, time } from './html.ts';
import type { EntryFact } from './read-bundle.ts';
import { summarizeEntry } from './summarize-entry.ts';

export function renderTimeline(entries: readonly EntryFact[]): string {
  if (!entries.length) return '<p>The bundle holds no readable entries.</p>';
  return '<table class="timeline"><caption>Ledger entries, in chain order</caption><thead><tr><th scope="col">Seq</th><th scope="col">Time (UTC)</th><th scope="col">Type</th><th scope="col">Actor</th><th scope="col">What</th></tr></thead><tbody>'
    + entries.map((e) => `<tr id="${anchor('e', e.seq)}"><th scope="row">${e.seq}</th><td>${time(e.at)}</td><td><code>${esc(e.type)}</code></td><td>${esc(e.actor)}</td><td>${esc(summarizeEntry(e))}</td></tr>`).join('\n')
    + '</tbody></table>';
}
