/**
 * Reads what the report shows out of an evidence bundle: the chain first (it is the evidence), the
 * informative summary only to fill what the chain does not say (an artifact's final status after a
 * re-plan). Defensive throughout: a bundle that failed verification is still reported on, so any
 * member may be missing or of the wrong type, and nothing here throws on it.
 */
import { introducedArtifactIds, verdictsOf } from '../ledger/payload-rules.ts';

export type Json = Record<string, unknown>;

export interface EntryFact {
  seq: number;
  type: string;
  at: string;
  actor: string;
  hash: string;
  payload: Json;
}

export interface PathResult {
  path: string;
  strength: string | null;
  result: string;
}

export interface ArtifactFact {
  id: string;
  kind: string;
  connector: string;
  label: string;
  issuedAt: string | null;
  expiresAt: string | null;
  introducedSeq: number;
  tier: string | null;
  action: string | null;
  /** The strength the plan required (its `proof.requires`), before any verdict says it. */
  planRequired: string | null;
  /** The final status: the summary's (the store's at export), else the last verdict, else the plan. */
  status: string;
  /** The last `artifact.verdict` naming it. */
  verdict: { seq: number; at: string; verdict: string; strength: string | null; required: string | null; reason: string | null } | null;
  /** The paths of the last observation of it, with their results; else the summary's. */
  paths: PathResult[];
  pathsSeq: number | null;
  /** Stronger paths that could not run, and why (from the last verdict or observation). */
  wanting: string[];
  /** The last exception granted for it. */
  exception: { seq: number; at: string; by: string; reason: string; expiresAt: string | null } | null;
  /** A residual artifact's expected end (the summary's `residualExposure[].until`). */
  residualUntil: string | null;
}

export interface IncidentFacts {
  incidentId: string;
  subjectType: string | null;
  subjectHandle: string | null;
  reason: string | null;
  openedAt: string | null;
  openedBy: string | null;
  compromisedAt: string | null;
  /** When the incident was closed, if the last of closed/reopened is closed. */
  closedAt: string | null;
  closedSeq: number | null;
  /** From the chain: the last state change, closure or reopen. */
  state: string;
  bundleKeyId: string | null;
  exportedAt: string | null;
  headHash: string | null;
  entries: EntryFact[];
  artifacts: ArtifactFact[];
}

export const asObject = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
export const asString = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function readEntries(bundle: Json): EntryFact[] {
  const out: EntryFact[] = [];
  for (const e of asArray(bundle.entries)) {
    const o = asObject(e);
    if (!o || typeof o.seq !== 'number' || typeof o.type !== 'string') continue;
    out.push({ seq: o.seq, type: o.type, at: asString(o.at) ?? '', actor: asString(o.actor) ?? '', hash: asString(o.hash) ?? '', payload: asObject(o.payload) ?? {} });
  }
  return out;
}

/** The items of a single-or-batch payload: `payload[list]` when it is an array, else the payload itself. */
export function itemsOf(payload: Json, list: string): Json[] {
  const v = payload[list];
  if (!Array.isArray(v)) return [payload];
  const out: Json[] = [];
  for (const x of v) {
    const o = asObject(x);
    if (o) out.push(o);
  }
  return out;
}

const STATE_OF: Record<string, string> = { 'incident.closed': 'remediated', 'incident.reopened': 'reopened' };

/** Reads the bundle (parsed JSON, possibly malformed) into the facts the report shows. */
export function readBundle(value: unknown): IncidentFacts {
  const bundle = asObject(value) ?? {};
  const entries = readEntries(bundle);
  const summary = asObject(bundle.summary) ?? {};
  const opened = entries.find((e) => e.type === 'incident.opened');
  const subject = asObject(opened?.payload.subject) ?? asObject(summary.subject) ?? {};

  const arts = new Map<string, ArtifactFact>();
  let state = 'open';
  let closed: EntryFact | null = null;
  for (const e of entries) {
    const p = e.payload;
    if (e.type === 'incident.state-changed') state = asString(p.to) ?? state;
    if (STATE_OF[e.type]) {
      state = STATE_OF[e.type]!;
      closed = e.type === 'incident.closed' ? e : null;
    }
    if (e.type === 'artifact.discovered' || e.type === 'artifact.added') introduce(arts, e, p);
    else if (e.type === 'plan.created') planned(arts, p);
    else if (e.type === 'verify.observation') observed(arts, e, p);
    else if (e.type === 'artifact.verdict') judged(arts, e, p);
    else if (e.type === 'exception.granted') excepted(arts, e, p);
  }
  fromSummary(arts, summary);

  return {
    incidentId: asString(bundle.incidentId) ?? asString(asObject(asArray(bundle.entries)[0])?.incidentId) ?? '(unknown)',
    subjectType: asString(subject.type),
    subjectHandle: asString(subject.handle),
    reason: asString(opened?.payload.reason),
    openedAt: asString(opened?.payload.openedAt) ?? asString(opened?.at) ?? asString(summary.openedAt),
    openedBy: asString(opened?.actor),
    compromisedAt: asString(opened?.payload.compromisedAt),
    closedAt: closed ? asString(closed.payload.closedAt) ?? closed.at : null,
    closedSeq: closed?.seq ?? null,
    state,
    bundleKeyId: asString(bundle.keyId),
    exportedAt: asString(bundle.exportedAt),
    headHash: asString(bundle.headHash),
    entries,
    artifacts: [...arts.values()],
  };
}

function introduce(arts: Map<string, ArtifactFact>, e: EntryFact, p: Json): void {
  const ids = new Set(introducedArtifactIds(p));
  for (const a of itemsOf(p, 'artifacts')) {
    const id = asString(a.artifactId);
    if (!id || !ids.has(id) || arts.has(id)) continue;
    arts.set(id, {
      id, kind: asString(a.kind) ?? asString(p.kind) ?? '?', connector: asString(a.connector) ?? asString(p.connector) ?? '?',
      label: asString(a.label) ?? '', issuedAt: asString(a.issuedAt), expiresAt: asString(a.expiresAt), introducedSeq: e.seq,
      tier: null, action: null, planRequired: null, status: e.type === 'artifact.added' ? 'added' : 'discovered', verdict: null,
      paths: [], pathsSeq: null, wanting: [], exception: null, residualUntil: null,
    });
  }
}

function planned(arts: Map<string, ArtifactFact>, p: Json): void {
  for (const item of asArray(asObject(p.plan)?.items)) {
    const i = asObject(item);
    const a = i && arts.get(asString(i.artifactId) ?? '');
    if (!i || !a) continue;
    a.tier = asString(i.tier);
    a.action = asString(i.action);
    a.planRequired = asString(asObject(i.proof)?.requires);
    if (!a.verdict) a.status = 'planned';
  }
}

const wantingOf = (v: unknown): string[] =>
  asArray(v).flatMap((w) => {
    const o = asObject(w);
    return o && asString(o.path) ? [`${asString(o.path)}${asString(o.strength) ? ` (${asString(o.strength)})` : ''}${asString(o.why) ? `: ${asString(o.why)}` : ''}`] : [];
  });

function observed(arts: Map<string, ArtifactFact>, e: EntryFact, p: Json): void {
  for (const o of itemsOf(p, 'observations')) {
    const a = arts.get(asString(o.artifactId) ?? '');
    if (!a) continue;
    const checks = asArray(o.checks).flatMap((c) => {
      const x = asObject(c);
      return x && asString(x.path) ? [{ path: asString(x.path)!, strength: asString(x.strength), result: asString(x.result) ?? '?' }] : [];
    });
    const err = asObject(o.error);
    a.paths = checks.length ? checks : err ? [{ path: 'observation', strength: null, result: `error ${asString(err.code) ?? ''}`.trim() }] : a.paths;
    a.pathsSeq = e.seq;
    const unavailable = wantingOf(o.unavailable);
    if (unavailable.length) a.wanting = unavailable;
  }
}

function judged(arts: Map<string, ArtifactFact>, e: EntryFact, p: Json): void {
  const items = new Map(itemsOf(p, 'verdicts').map((v) => [asString(v.artifactId), v]));
  for (const v of verdictsOf(p)) {
    const a = arts.get(v.artifactId);
    if (!a) continue;
    const raw = items.get(v.artifactId) ?? {};
    a.verdict = { seq: e.seq, at: e.at, verdict: v.verdict, strength: v.strength, required: asString(raw.required), reason: asString(raw.reason) };
    a.status = v.verdict;
    const wanting = wantingOf(raw.wanting);
    if (wanting.length) a.wanting = wanting;
  }
}

function excepted(arts: Map<string, ArtifactFact>, e: EntryFact, p: Json): void {
  const x = asObject(p.exception) ?? p;
  const a = arts.get(asString(x.artifactId) ?? '');
  if (a) a.exception = { seq: e.seq, at: e.at, by: asString(x.grantedBy) ?? e.actor, reason: asString(x.reason) ?? '', expiresAt: asString(x.expiresAt) };
}

function fromSummary(arts: Map<string, ArtifactFact>, summary: Json): void {
  for (const s of asArray(summary.artifacts)) {
    const o = asObject(s);
    const a = o && arts.get(asString(o.id) ?? '');
    if (!o || !a) continue;
    a.status = asString(o.status) ?? a.status;
    a.tier ??= asString(o.tier);
    if (!a.paths.length) {
      a.paths = asArray(asObject(o.proof)?.paths).flatMap((t) => {
        const m = typeof t === 'string' ? /^(.*?) \((.*?)\): (.*)$/.exec(t) : null;
        return m ? [{ path: m[1]!, strength: m[2]!, result: m[3]! }] : [];
      });
    }
  }
  for (const r of asArray(summary.residualExposure)) {
    const o = asObject(r);
    const a = o && arts.get(asString(o.artifactId) ?? '');
    if (o && a) a.residualUntil = asString(o.until);
  }
}
