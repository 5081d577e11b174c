/**
 * The attestations of an incident (sign-offs, exceptions, closure, reopens), each with who gave it,
 * when, the ledger head it was bound to (and whether that head is the chain's entry), and what the
 * verifier says of its signature. When the verification result carries no `attestations` list,
 * the verifier did not check signatures: a payload without one is a typed name, and one that
 * carries a signature is reported as not checked, never as verified.
 */
import { asObject, asString, type EntryFact, type IncidentFacts, type Json } from './read-bundle.ts';
import type { AttestationCheck, ReportVerification } from './types.ts';

export type AttestationStatus = 'verified' | 'failed' | 'unsigned' | 'system' | 'other' | 'not-checked' | 'typed-name';

export interface AttestationRow {
  seq: number;
  type: string;
  /** `sign-off`, `exception`, `closure`, `reopen`. */
  what: string;
  person: string;
  role: string | null;
  at: string;
  /** The ledger head the person saw, as recorded; null when none is. */
  head: { seq: number; hash: string } | null;
  /** Whether `head.hash` is the hash of the chain's entry at `head.seq`, earlier than this one. */
  headMatches: boolean | null;
  status: AttestationStatus;
  /** The status in words, e.g. `verified (SHA256:…)` or `not signed (typed name)`. */
  statusText: string;
}

const WHAT: Record<string, string> = { 'signoff.recorded': 'sign-off', 'exception.granted': 'exception', 'incident.closed': 'closure', 'incident.reopened': 'reopen' };

const headOf = (v: unknown): AttestationRow['head'] => {
  const o = asObject(v);
  return o && typeof o.seq === 'number' && typeof o.hash === 'string' ? { seq: o.seq, hash: o.hash } : null;
};

/** The statement a signed attestation carries, parsed (it names the ledger head too). */
function statementOf(p: Json): Json | undefined {
  const att = asObject(p.attestation) ?? asObject(asObject(p.signoff)?.attestation) ?? asObject(asObject(p.exception)?.attestation);
  const text = asString(att?.statement);
  if (!text) return undefined;
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

const fingerprintOf = (p: Json): string | null =>
  asString(p.keyFingerprint) ?? asString(asObject(p.attestation)?.keyFingerprint) ?? asString(asObject(asObject(p.signoff)?.attestation)?.keyFingerprint) ?? asString(asObject(asObject(p.exception)?.attestation)?.keyFingerprint);

function statusOf(e: EntryFact, checked: readonly AttestationCheck[] | undefined): Pick<AttestationRow, 'status' | 'statusText'> {
  if (checked) {
    const c = checked.find((x) => x.seq === e.seq);
    if (!c) return { status: 'not-checked', statusText: 'not checked by the verifier' };
    if (c.status === 'verified') return { status: 'verified', statusText: `verified${c.keyFingerprint ? ` (key ${c.keyFingerprint})` : ''}` };
    if (c.status === 'failed') return { status: 'failed', statusText: `FAILED${c.reason ? `: ${c.reason}` : ''}` };
    if (c.status === 'unsigned') return { status: 'unsigned', statusText: `not signed${c.reason ? `: ${c.reason}` : ' (typed name)'}` };
    if (c.status === 'system') return { status: 'system', statusText: 'Sever\'s own action, signed by the ledger key' };
    return { status: 'other', statusText: `${c.status}${c.reason ? `: ${c.reason}` : ''}` };
  }
  const fp = fingerprintOf(e.payload);
  if (fp || statementOf(e.payload)) return { status: 'not-checked', statusText: `signed${fp ? ` (key ${fp})` : ''}, but this verifier does not check attestation signatures` };
  return { status: 'typed-name', statusText: 'not signed (typed name)' };
}

export function readAttestations(facts: IncidentFacts, v: ReportVerification): AttestationRow[] {
  const bySeq = new Map(facts.entries.map((e) => [e.seq, e]));
  return facts.entries.filter((e) => WHAT[e.type]).map((e) => {
    const p = e.payload;
    const x = asObject(p.exception) ?? {};
    const statement = statementOf(p);
    const person = e.type === 'signoff.recorded' ? asString(p.person) : e.type === 'exception.granted' ? asString(x.grantedBy) : e.type === 'incident.closed' ? asString(p.closer) : null;
    const head = headOf(p.ledgerHead) ?? headOf(x.ledgerHead) ?? headOf(p.ledgerHeadSeen) ?? headOf(statement?.ledgerHead);
    const seen = head ? bySeq.get(head.seq) : undefined;
    return {
      seq: e.seq, type: e.type, what: WHAT[e.type]!, person: person ?? asString(statement?.person) ?? e.actor,
      role: asString(p.role) ?? asString(statement?.role), at: e.at, head,
      headMatches: head ? seen !== undefined && head.seq < e.seq && seen.hash === head.hash : null,
      ...statusOf(e, v.attestations),
    };
  });
}
