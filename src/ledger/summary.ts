/**
 * The informative summary carried by an evidence bundle, and the checks that it agrees with the
 * chain wherever the chain can say. The chain is the evidence; the summary is for reading, and a
 * summary that claims more than the chain proves is refused.
 */
import { z } from 'zod';
import { TERMINAL_PROOF } from '../core/model.ts';
import type { Entry } from './entry.ts';
import { introducedArtifactIds, verdictsOf } from './payload-rules.ts';

/** The incident state that means closed (src/core/incident-state.ts); `incident.closed` moves to it. */
export const CLOSED_STATE = 'remediated';

export const summarySchema = z.looseObject({
  /** The incident state at export. */
  state: z.string().min(1),
  artifacts: z.array(z.looseObject({ id: z.string().min(1), kind: z.string().min(1), connector: z.string().min(1), status: z.string().min(1) })),
  signoffs: z.array(z.looseObject({ role: z.string().min(1), person: z.string().min(1) })),
});

export interface SummaryArtifact {
  id: string;
  kind: string;
  connector: string;
  status: string;
  [extra: string]: unknown;
}

export interface SummarySignoff {
  role: string;
  person: string;
  [extra: string]: unknown;
}

/** What the exporter says about the incident; extra members are allowed and not checked. */
export interface BundleSummary {
  state: string;
  artifacts: SummaryArtifact[];
  signoffs: SummarySignoff[];
  [extra: string]: unknown;
}

export interface SummaryProblem {
  /** Where in the summary, e.g. `summary.artifacts[2].status`. */
  path: string;
  reason: string;
  /** The entry that contradicts the summary, when there is one. */
  index: number | null;
  seq: number | null;
  type: string | null;
}

/**
 * The first disagreement between `summary` and a verified chain, or `undefined`. Checked: artifact
 * ids are unique and each was introduced by an `artifact.discovered` or `artifact.added` entry; an
 * artifact listed as `verified-dead` or `verified-expired` has that as the verdict of its last
 * `artifact.verdict` entry; the state is `remediated` exactly when the last of `incident.closed` and
 * `incident.reopened` is `incident.closed`; every sign-off has a `signoff.recorded` entry with the
 * same role and person.
 */
export function checkSummary(summary: BundleSummary, entries: readonly Entry[]): SummaryProblem | undefined {
  const introduced = new Set<string>();
  const lastVerdict = new Map<string, { entry: Entry; verdict: string; strength: string | null }>();
  let lastClosure: Entry | undefined;
  const signed = new Set<string>();
  for (const e of entries) {
    if (e.type === 'artifact.discovered' || e.type === 'artifact.added') for (const id of introducedArtifactIds(e.payload)) introduced.add(id);
    if (e.type === 'artifact.verdict') for (const v of verdictsOf(e.payload)) lastVerdict.set(v.artifactId, { entry: e, verdict: v.verdict, strength: v.strength });
    if (e.type === 'incident.closed' || e.type === 'incident.reopened') lastClosure = e;
    if (e.type === 'signoff.recorded') signed.add(JSON.stringify([e.payload.role, e.payload.person]));
  }
  const problem = (path: string, reason: string, e?: Entry): SummaryProblem => ({ path, reason, index: e?.seq ?? null, seq: e?.seq ?? null, type: e?.type ?? null });

  const seen = new Set<string>();
  for (const [i, a] of summary.artifacts.entries()) {
    const path = `summary.artifacts[${i}]`;
    if (seen.has(a.id)) return problem(`${path}.id`, `artifact ${a.id} is listed twice`);
    seen.add(a.id);
    if (!introduced.has(a.id)) return problem(`${path}.id`, `artifact ${a.id} was never recorded as discovered or added`);
    if ((TERMINAL_PROOF as readonly string[]).includes(a.status)) {
      const v = lastVerdict.get(a.id);
      if (v === undefined) return problem(`${path}.status`, `artifact ${a.id} is listed as ${a.status} but has no artifact.verdict entry`);
      if (v.verdict !== a.status) return problem(`${path}.status`, `artifact ${a.id} is listed as ${a.status} but its last verdict is ${v.verdict}`, v.entry);
      const claimed = (a.proof as { strength?: unknown } | undefined)?.strength;
      if (typeof claimed === 'string' && claimed !== v.strength) {
        return problem(`${path}.proof.strength`, `artifact ${a.id} is listed as proved by ${claimed} but its last verdict was proved by ${v.strength ?? 'an unrecorded strength'}`, v.entry);
      }
    }
  }
  const closed = lastClosure?.type === 'incident.closed';
  const badHead = misboundAttestation(entries);
  if (badHead) return badHead;
  if ((summary.state === CLOSED_STATE) !== closed) {
    const reason = closed ? `the chain closes the incident but the summary says ${summary.state}` : `the summary says ${CLOSED_STATE} but the chain ${lastClosure === undefined ? 'has no incident.closed entry' : 'reopened the incident after closing it'}`;
    return problem('summary.state', reason, lastClosure);
  }
  for (const [i, s] of summary.signoffs.entries()) {
    if (!signed.has(JSON.stringify([s.role, s.person]))) return problem(`summary.signoffs[${i}]`, `no signoff.recorded entry for ${s.person} as ${s.role}`);
  }
  return undefined;
}

/**
 * Every `signoff.recorded` (and `incident.closed`) that names the ledger head its person saw must
 * name an earlier entry of this chain by its exact hash: an attestation bound to a head the chain
 * does not hold attests to nothing that can be shown.
 */
function misboundAttestation(entries: readonly Entry[]): SummaryProblem | undefined {
  for (const e of entries) {
    const head = (e.type === 'signoff.recorded' ? e.payload.ledgerHead : e.type === 'incident.closed' ? e.payload.ledgerHeadSeen : undefined) as { seq?: unknown; hash?: unknown } | undefined;
    if (head === undefined) continue;
    const seq = typeof head.seq === 'number' ? head.seq : -1;
    const seen = seq >= 0 && seq < e.seq ? entries[seq] : undefined;
    if (seen === undefined || seen.hash !== head.hash) {
      return { path: `entries[${e.seq}].payload.ledgerHead`, reason: `the ${e.type} at seq ${e.seq} names ledger head ${String(head.seq)} with a hash that is not that entry's`, index: e.seq, seq: e.seq, type: e.type };
    }
  }
  return undefined;
}
