/**
 * Offline check of every attestation in a chain: each sign-off, exception, closure and reopen must
 * be signed by one of the keys the runbook in force at that point (recorded in the chain itself, at
 * `incident.opened` and at each `runbook.recorded`) registers for the person; the signed statement
 * must say what the entry says (incident, action, person, role, artifact, ledger head), and the head
 * it names must be that entry of this chain. A reopen by Sever itself is signed by the ledger key
 * only, and reported as such.
 */
import { holdsRole, type Runbook } from '../core/runbook.ts';
import { checkAttestation, statementMismatch, type AttestationAction, type SignedAttestation } from './attestation.ts';
import type { Entry } from './entry.ts';

export interface AttestationCheck {
  seq: number;
  type: string;
  person: string;
  role?: string;
  /** `verified`: signed by the person's registered key; `system`: Sever's own reopen (ledger key); `unsigned`, `failed`: it attests to nothing. */
  status: 'verified' | 'failed' | 'unsigned' | 'system';
  keyFingerprint?: string;
  reason?: string;
}

const ATTESTED: Record<string, AttestationAction> = {
  'signoff.recorded': 'signoff',
  'exception.granted': 'exception',
  'incident.closed': 'close',
  'incident.reopened': 'reopen',
};

type P = Record<string, unknown>;
const obj = (v: unknown): P => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as P) : {});
const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Checks every attestation entry of a verified chain, in order. */
export function verifyAttestations(entries: readonly Entry[]): AttestationCheck[] {
  let runbook: Runbook | undefined;
  const hashes = new Map<number, string>();
  const out: AttestationCheck[] = [];
  for (const e of entries) {
    hashes.set(e.seq, e.hash);
    const p = obj(e.payload);
    if ((e.type === 'incident.opened' || e.type === 'runbook.recorded') && p.runbook !== undefined) runbook = p.runbook as Runbook;
    const action = ATTESTED[e.type];
    if (!action) continue;
    let person: string | undefined;
    let role: string | undefined;
    let artifactId: string | undefined;
    let att: SignedAttestation | undefined;
    if (e.type === 'signoff.recorded') {
      const rec = obj(p.signoff);
      [person, role, att] = [s(p.person), s(p.role), rec.attestation as SignedAttestation | undefined];
    } else if (e.type === 'exception.granted') {
      const rec = obj(p.exception);
      [person, artifactId, att] = [s(rec.grantedBy), s(rec.artifactId), rec.attestation as SignedAttestation | undefined];
    } else if (e.type === 'incident.closed') {
      [person, att] = [s(p.closer), p.attestation as SignedAttestation | undefined];
    } else {
      [person, att] = [e.actor, p.attestation as SignedAttestation | undefined];
      if (!att && e.actor === 'sever') {
        out.push({ seq: e.seq, type: e.type, person: 'sever', status: 'system', reason: 'reopened by Sever itself, signed by the instance ledger key' });
        continue;
      }
    }
    const base = { seq: e.seq, type: e.type, person: person ?? e.actor, ...(role ? { role } : {}) };
    const fail = (reason: string, extra: Partial<AttestationCheck> = {}) => out.push({ ...base, status: 'failed', reason, ...extra });
    if (!att) {
      out.push({ ...base, status: 'unsigned', reason: 'no signature: a typed name attests to nothing' });
      continue;
    }
    if (!runbook) {
      fail('no runbook with registered keys is recorded in the chain before it');
      continue;
    }
    const rb = runbook;
    const checked = checkAttestation(att, (who) => rb.keys?.[who] ?? []);
    if ('code' in checked) {
      fail(checked.message);
      continue;
    }
    const extra = { keyFingerprint: checked.keyFingerprint };
    const mismatch = statementMismatch(checked.parsed, { action, incidentId: e.incidentId, ...(person !== undefined ? { person } : {}), ...(role !== undefined ? { role } : {}), ...(artifactId !== undefined ? { artifactId } : {}) });
    if (mismatch || person === undefined) {
      fail(mismatch?.message ?? 'the entry names no person', extra);
      continue;
    }
    const head = checked.parsed.ledgerHead;
    if (head.seq >= e.seq || hashes.get(head.seq) !== head.hash) {
      fail(`the statement is bound to entry ${head.seq} (${head.hash.slice(0, 12)}…), which is not an earlier entry of this chain`, extra);
      continue;
    }
    const needs = action === 'signoff' ? role ?? '' : action === 'reopen' ? undefined : 'ir-lead';
    if (needs !== undefined && !holdsRole(rb, needs, person)) {
      fail(`${person} does not hold ${needs} in the runbook in force`, extra);
      continue;
    }
    out.push({ ...base, status: 'verified', ...extra });
  }
  return out;
}
