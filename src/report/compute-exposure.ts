/**
 * Residual exposure windows from what the ledger records: each artifact is exposed from the
 * compromise (or, when the incident does not say when it began, from its opening; or from the
 * artifact's issue time when it is later) until the verdict that proved it dead or expired. An
 * artifact never proved has no end: it is drawn open-ended, or until its recorded expiry when the
 * ledger knows one (an STS session lives until it expires), never as closed.
 */
import type { ArtifactFact, IncidentFacts } from './read-bundle.ts';

export interface ExposureWindow {
  artifact: ArtifactFact;
  /** Start, ms since the epoch. */
  start: number;
  /** End, ms; for `open`, the axis end (the drawing continues past it). */
  end: number;
  /** `proved`: ends at its proof. `until-expiry`: not proved, live until a recorded expiry. `open`: not proved, no end known. */
  kind: 'proved' | 'until-expiry' | 'open';
}

export interface ExposureAxis {
  from: number;
  to: number;
  /** When the compromise began, the incident opened and (if it is) closed, ms; null when unknown. */
  compromisedAt: number | null;
  openedAt: number | null;
  closedAt: number | null;
  windows: ExposureWindow[];
}

const PROVED = new Set(['verified-dead', 'verified-expired']);
const ms = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
};

/** Whether the chain proves the artifact: a terminal status that its last verdict agrees with. */
export const isProved = (a: ArtifactFact): boolean => PROVED.has(a.status) && a.verdict?.verdict === a.status;

export function computeExposure(facts: IncidentFacts): ExposureAxis {
  const compromisedAt = ms(facts.compromisedAt);
  const openedAt = ms(facts.openedAt) ?? ms(facts.entries[0]?.at);
  const lastAt = ms(facts.entries.at(-1)?.at);
  const origin = compromisedAt ?? openedAt ?? lastAt ?? 0;
  let to = Math.max(origin, lastAt ?? origin, ms(facts.exportedAt) ?? origin);
  const windows: ExposureWindow[] = [];
  for (const a of facts.artifacts) {
    const issued = ms(a.issuedAt);
    const start = issued !== null && issued > origin ? issued : origin;
    if (isProved(a)) {
      const provedAt = ms(a.verdict!.at) ?? start;
      const expiry = ms(a.expiresAt);
      const end = a.status === 'verified-expired' && expiry !== null && expiry < provedAt ? expiry : provedAt;
      windows.push({ artifact: a, start, end: Math.max(start, end), kind: 'proved' });
      continue;
    }
    const until = ms(a.residualUntil) ?? ms(a.expiresAt);
    if (until !== null && until > start) {
      windows.push({ artifact: a, start, end: until, kind: 'until-expiry' });
      to = Math.max(to, until);
    } else windows.push({ artifact: a, start, end: Number.NaN, kind: 'open' });
  }
  for (const w of windows) if (w.kind === 'open') w.end = to;
  const from = windows.reduce((m, w) => Math.min(m, w.start), origin);
  return { from, to: to > from ? to : from + 60_000, compromisedAt, openedAt, closedAt: ms(facts.closedAt), windows };
}
