/**
 * HTML text helpers for the report: everything that comes from a bundle is escaped before it is
 * written, so an artifact label or a person's name can never become markup.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an element's content or a quoted attribute value. */
export const esc = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** An id usable as a fragment: letters, digits, `_`, `-`, `.`; anything else becomes `_`. */
export const anchor = (prefix: string, v: string | number): string => `${prefix}-${String(v).replace(/[^A-Za-z0-9_.-]/g, '_')}`;

/** A link to timeline row `seq`. */
export const seqLink = (seq: number): string => `<a href="#${anchor('e', seq)}">#${seq}</a>`;

/** Links to the timeline rows `seqs`, at most `max` of them, then how many more. */
export function seqLinks(seqs: readonly number[], max = 12): string {
  if (!seqs.length) return '—';
  const shown = seqs.slice(0, max).map(seqLink).join(', ');
  return seqs.length > max ? `${shown} and ${seqs.length - max} more` : shown;
}

/** A time as printed: the ISO text itself (UTC), or a dash. */
export const time = (iso: string | null | undefined): string => (iso ? `<time datetime="${esc(iso)}">${esc(iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z'))}</time>` : '—');

export type Tone = 'good' | 'bad' | 'warn' | 'neutral';

/** A status word in a coloured badge (the word carries the meaning; the colour only repeats it). */
export const badge = (text: string, tone: Tone): string => `<span class="status s-${tone}">${esc(text)}</span>`;

const GOOD = new Set(['verified-dead', 'verified-expired']);
const BAD = new Set(['still-live', 'failed', 'residual', 'unproven']);

/** The tone of an artifact status. */
export const statusTone = (status: string): Tone => (GOOD.has(status) ? 'good' : BAD.has(status) ? 'bad' : 'warn');
