/**
 * One line saying what a ledger entry records, for the report's timeline. Batches are counted,
 * never listed: an entry of a 10,000-artifact incident stays one line.
 */
import { asObject, asString, itemsOf, type EntryFact, type Json } from './read-bundle.ts';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `3 verified-dead, 1 residual` from a list of values. */
function tally(values: readonly (string | null)[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v ?? '?', (counts.get(v ?? '?') ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

const head = (v: unknown): string => {
  const o = asObject(v);
  return o && typeof o.seq === 'number' ? ` (bound to head #${o.seq})` : '';
};

const connectorsOf = (items: Json[], p: Json) => [...new Set(items.map((i) => asString(i.connector) ?? asString(p.connector)).filter((c): c is string => c !== null))].join(', ');

const SUMMARIES: Record<string, (p: Json, e: EntryFact) => string> = {
  'incident.opened': (p) => {
    const s = asObject(p.subject) ?? {};
    return `opened for ${asString(s.type) ?? 'subject'} ${asString(s.handle) ?? '?'}${asString(p.reason) ? `: ${asString(p.reason)}` : ''}`;
  },
  'incident.state-changed': (p) => `state ${asString(p.from) ?? '?'} → ${asString(p.to) ?? '?'}${asString(p.reason) ? ` (${asString(p.reason)})` : ''}`,
  'discovery.started': (p) => `discovery started${Array.isArray(p.connectors) ? ` on ${p.connectors.length} connector(s)` : ''}`,
  'artifact.discovered': (p) => {
    const items = itemsOf(p, 'artifacts');
    return `${plural(items.length, 'artifact')} discovered (${tally(items.map((i) => asString(i.kind)))})${connectorsOf(items, p) ? ` via ${connectorsOf(items, p)}` : ''}`;
  },
  'artifact.added': (p) => `${plural(itemsOf(p, 'artifacts').length, 'artifact')} added by hand (${tally(itemsOf(p, 'artifacts').map((i) => asString(i.kind) ?? asString(p.kind)))})`,
  'artifact.amended': (p) => `artifact ${asString(p.artifactId) ?? '?'} amended`,
  'discovery.completed': (p) => `discovery completed: ${typeof p.total === 'number' ? p.total : '?'} artifact(s), ${typeof p.added === 'number' ? p.added : '?'} new`,
  'plan.created': (p) => {
    const items = itemsOf(asObject(p.plan) ?? {}, 'items').filter((i) => i.artifactId !== undefined);
    return `plan: ${plural(items.length, 'item')} (${tally(items.map((i) => asString(i.action)))})`;
  },
  'revoke.intent': (p) => `revocation intended for ${plural(itemsOf(p, 'revoke').length, 'artifact')}`,
  'revoke.response': (p) => `provider acknowledged ${plural(itemsOf(p, 'responses').length, 'revocation')} (${tally(itemsOf(p, 'responses').map((r) => asString(r.status)))}); not evidence`,
  'revoke.error': (p) => `revocation failed for ${plural(itemsOf(p, 'errors').length, 'artifact')}`,
  'rotate.response': (p) => `new credential issued and delivered to the dependents of ${plural(itemsOf(p, 'responses').length, 'artifact')}`,
  'rotate.adoption': (p) => `dependents seen using the new credential for ${plural(itemsOf(p, 'observations').length, 'artifact')}`,
  'verify.observation': (p) => {
    const obs = itemsOf(p, 'observations');
    return `${plural(obs.length, 'independent observation')}: ${tally(obs.map((o) => asString(o.verdict) ?? (o.error ? 'error' : null)))}`;
  },
  'provider.fault': () => 'provider fault: its verification paths contradict each other (treated as live)',
  'artifact.verdict': (p) => `${plural(itemsOf(p, 'verdicts').length, 'verdict')}: ${tally(itemsOf(p, 'verdicts').map((v) => asString(v.verdict)))}`,
  'signoff.recorded': (p) => `sign-off as ${asString(p.role) ?? '?'} by ${asString(p.person) ?? '?'}${head(p.ledgerHead)}`,
  'signoff.refused': (p) => `sign-off refused${asString(p.role) ? ` for ${asString(p.role)}` : ''}`,
  'exception.granted': (p) => {
    const x = asObject(p.exception) ?? p;
    return `exception for ${asString(x.artifactId) ?? '?'} by ${asString(x.grantedBy) ?? '?'}${asString(x.expiresAt) ? ` until ${asString(x.expiresAt)}` : ''}${head(x.ledgerHead)}`;
  },
  'close.refused': (p) => `closure refused: ${plural(Array.isArray(p.missing) ? p.missing.length : 0, 'item')} missing`,
  'incident.closed': (p) => `closed as remediated by ${asString(p.closer) ?? '?'}${head(p.ledgerHeadSeen)}`,
  'incident.reopened': (p) => `reopened${asString(p.reason) ? `: ${asString(p.reason)}` : ''}`,
  'alert.raised': (p) => `alert${asString(p.message) ? `: ${asString(p.message)}` : asString(p.kind) ? `: ${asString(p.kind)}` : ''}`,
  'key.announced': (p) => `signing key ${asString(asObject(p.publicKey)?.kid) ?? '?'} announced`,
};

/** The one-line summary of `e` (the type itself for an unknown type). */
export function summarizeEntry(e: EntryFact): string {
  const f = SUMMARIES[e.type];
  try {
    return f ? f(e.payload, e) : e.type;
  } catch {
    return e.type;
  }
}
