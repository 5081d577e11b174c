/**
 * The report's opening: what the incident is, and whether the bundle verified. A bundle that does
 * not verify is said to, first and prominently, with the failure named and linked to the first bad
 * entry; a bundle verified without a pinned key says that it proves integrity, not authorship.
 */
import { anchor, esc, time } from './html.ts';
import type { IncidentFacts } from './read-bundle.ts';
import type { ReportOptions, ReportVerification } from './types.ts';

/** The verdict banner (`role="alert"` when the bundle fails). */
export function renderVerdict(v: ReportVerification, facts: IncidentFacts): string {
  if (!v.ok) {
    const at = v.seq !== null ? ` The first bad entry is <a href="#${anchor('e', v.seq)}">#${v.seq}</a>${v.type ? ` (${esc(v.type)})` : ''}.` : '';
    return `<section class="verdict failed" role="alert" aria-labelledby="verdict-h"><h2 id="verdict-h">This evidence bundle does NOT verify</h2>`
      + `<p><strong>${esc(v.code)}</strong>: failed at <strong>${esc(v.part)}</strong>${v.check && !v.reason.startsWith(`${v.check}:`) ? ` (${esc(v.check)})` : ''}: ${esc(v.reason)}${v.path ? ` [where: <code>${esc(v.path)}</code>]` : ''}.${at}</p>`
      + '<p>Nothing below can be relied on: it shows what the file claims, not what happened. Obtain the bundle again from its source and verify it with the instance\'s key id.</p></section>';
  }
  const chain = `${v.count} signed entries (seq 0..${v.count - 1}), head <code>${esc(v.headHash)}</code>, bundle signed by key <code>${esc(v.keyId)}</code>${v.keyIds.length > 1 ? ` (keys used: ${v.keyIds.map((k) => `<code>${esc(k)}</code>`).join(', ')})` : ''}.`;
  if (!v.pinned) {
    return `<section class="verdict unpinned" role="status" aria-labelledby="verdict-h"><h2 id="verdict-h">The bundle verifies, but its signer is NOT pinned</h2><p>${chain}</p>`
      + `<p>Without a pinned key this proves the bundle is intact and self-consistent, not who made it: anyone can build a consistent bundle with a key of their own. Regenerate the report with <code>--key-id</code> and the key id published by the Sever instance (never the one inside this bundle).</p></section>`;
  }
  return `<section class="verdict ok" role="status" aria-labelledby="verdict-h"><h2 id="verdict-h">The evidence bundle verifies, pinned to the expected key</h2><p>${chain}</p>`
    + `<p>Every entry, the summary and the bundle signature check out against the pinned key of incident ${esc(facts.incidentId)}.</p></section>`;
}

/** The incident's facts as a definition list. */
export function renderFacts(facts: IncidentFacts, v: ReportVerification, o: ReportOptions): string {
  const row = (k: string, val: string) => `<dt>${esc(k)}</dt><dd>${val}</dd>`;
  return `<dl class="facts">${[
    row('Incident', `<code>${esc(facts.incidentId)}</code>`),
    row('Subject', `${esc(facts.subjectHandle ?? '(unknown)')} <span class="muted">(${esc(facts.subjectType ?? 'type unknown')})</span>`),
    row('Reason', esc(facts.reason ?? '—')),
    row('Compromise began', facts.compromisedAt ? time(facts.compromisedAt) : 'not recorded'),
    row('Opened', `${time(facts.openedAt)}${facts.openedBy ? ` by ${esc(facts.openedBy)}` : ''}`),
    row('Closed', facts.closedAt ? `${time(facts.closedAt)} (<a href="#${anchor('e', facts.closedSeq!)}">#${facts.closedSeq}</a>)` : 'not closed'),
    row('Final state', `<strong>${esc(facts.state)}</strong>`),
    row('Bundle key id', facts.bundleKeyId ? `<code>${esc(facts.bundleKeyId)}</code>` : '—'),
    row('Bundle verified', v.ok ? (v.pinned ? 'yes, pinned to the expected key' : 'yes, but NOT pinned (integrity only, not authorship)') : `<strong>NO</strong>: ${esc(v.code)} at ${esc(v.part)}`),
    row('Exported', time(facts.exportedAt)),
    row('Ledger head', facts.headHash ? `<code>${esc(facts.headHash)}</code>` : '—'),
    ...(o.source ? [row('Bundle file', `<code>${esc(o.source)}</code>`)] : []),
    row('Report generated', time(o.generatedAt)),
  ].join('')}</dl>`;
}
