/**
 * The attestations table: each sign-off, exception, closure and reopen with who gave it, in which
 * role, when, the ledger head it was bound to, and its verification status.
 */
import { badge, esc, seqLink, time, type Tone } from './html.ts';
import type { AttestationRow, AttestationStatus } from './read-attestations.ts';

const TONE: Record<AttestationStatus, Tone> = { verified: 'good', system: 'neutral', failed: 'bad', unsigned: 'bad', other: 'warn', 'not-checked': 'warn', 'typed-name': 'warn' };

function head(r: AttestationRow): string {
  if (!r.head) return '<span class="muted">none recorded</span>';
  const match = r.headMatches ? badge('matches the chain', 'good') : badge('NOT an entry of this chain', 'bad');
  return `${seqLink(r.head.seq)} <code>${esc(r.head.hash.slice(0, 16))}…</code><br>${match}`;
}

export function renderAttestations(rows: readonly AttestationRow[]): string {
  if (!rows.length) return '<p>No sign-off, exception, closure or reopen is recorded.</p>';
  return '<table class="attestations"><caption>Attestations</caption><thead><tr><th scope="col">Entry</th><th scope="col">What</th><th scope="col">Who</th><th scope="col">Role</th>'
    + '<th scope="col">When</th><th scope="col">Bound to ledger head</th><th scope="col">Verification</th></tr></thead><tbody>'
    + rows.map((r) => `<tr><th scope="row">${seqLink(r.seq)}</th><td>${esc(r.what)}</td><td>${esc(r.person)}</td><td>${esc(r.role ?? '—')}</td><td>${time(r.at)}</td>`
      + `<td>${head(r)}</td><td data-attestation-status="${r.status}">${badge(r.statusText, TONE[r.status])}</td></tr>`).join('\n')
    + '</tbody></table>';
}
