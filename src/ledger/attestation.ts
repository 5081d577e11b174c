/**
 * Attestations signed by the person who gives them. A sign-off, an exception, a closure or a
 * reopen is a statement (canonical JSON naming the incident, the action, the person, the role and
 * the ledger head they saw) signed with that person's own SSH key (`ssh-keygen -Y sign -n
 * sever-attestation`). Sever checks the signature against the keys the runbook registers for
 * the person; `evidence verify` checks it again offline against the runbook recorded in the ledger.
 * A typed name alone attests to nothing.
 */
import { z } from 'zod';
import { canonicalize } from './canonical.ts';
import { ATTESTATION_NAMESPACE, parseSshPublicKey, parseSshSignature, SshFormatError, verifySshSignature } from './ssh-signature.ts';

export const ATTESTATION_ACTIONS = ['signoff', 'exception', 'close', 'reopen'] as const;
export type AttestationAction = (typeof ATTESTATION_ACTIONS)[number];

const nonEmpty = z.string().trim().min(1).max(2_000);

/** What a person signs. `at` is when Sever prepared it; the ledger head is what binds it. */
export const statementSchema = z.strictObject({
  kind: z.literal('sever.statement'),
  version: z.literal(1),
  action: z.enum(ATTESTATION_ACTIONS),
  incidentId: nonEmpty,
  person: nonEmpty,
  role: nonEmpty.optional(),
  artifactId: nonEmpty.optional(),
  reason: nonEmpty.optional(),
  expiresAt: nonEmpty.optional(),
  note: z.string().max(2_000).optional(),
  ledgerHead: z.strictObject({ seq: z.number().int().nonnegative(), hash: z.string().regex(/^[0-9a-f]{64}$/) }),
  at: nonEmpty,
});
export type Statement = z.output<typeof statementSchema>;

/** A signed statement as submitted and stored: the exact text signed and the armored signature. */
export interface SignedAttestation {
  statement: string;
  signature: string;
}

/** A submitted attestation after checking: the statement and the key that signed it. */
export interface CheckedAttestation extends SignedAttestation {
  parsed: Statement;
  /** OpenSSH fingerprint of the signing key (`SHA256:…`). */
  keyFingerprint: string;
}

/** Why an attestation does not hold; `code` is stable, `message` says what would fix it. */
export interface AttestationProblem {
  code: 'MALFORMED' | 'NO_KEY' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' | 'MISMATCH';
  message: string;
}

/** The statement text a person signs: canonical JSON of the statement, then a newline (as a file ends). */
export function statementText(s: Statement): string {
  return `${canonicalize(statementSchema.parse(s) as never)}\n`;
}

/** Parses a submitted statement; only the canonical text of a valid statement is accepted. */
export function parseStatement(text: string): Statement | AttestationProblem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { code: 'MALFORMED', message: 'the statement is not JSON; sign the exact text Sever printed (sever incident statement …)' };
  }
  const r = statementSchema.safeParse(value);
  if (!r.success) return { code: 'MALFORMED', message: `the statement is not a Sever statement (${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ').slice(0, 300)})` };
  if (statementText(r.data) !== text) return { code: 'MALFORMED', message: 'the statement is not in canonical form; sign the exact text Sever printed, unchanged' };
  return r.data;
}

/**
 * Checks a signed attestation: the statement is a valid Sever statement, the signature is by one
 * of the keys registered for the statement's person and verifies over the exact text.
 *
 * @param keysOf The public key lines registered for a person (the runbook's `keys`).
 */
export function checkAttestation(a: SignedAttestation, keysOf: (person: string) => readonly string[]): CheckedAttestation | AttestationProblem {
  if (typeof a?.statement !== 'string' || typeof a?.signature !== 'string') return { code: 'MALFORMED', message: 'an attestation needs the statement text and its signature' };
  const parsed = parseStatement(a.statement);
  if ('code' in parsed) return parsed;
  let sig;
  try {
    sig = parseSshSignature(a.signature);
  } catch (e) {
    return { code: 'MALFORMED', message: `the signature cannot be read: ${e instanceof SshFormatError ? e.message : 'malformed'}` };
  }
  const registered = keysOf(parsed.person);
  if (registered.length === 0) {
    return { code: 'NO_KEY', message: `${parsed.person} has no registered SSH key in the runbook (runbook.keys["${parsed.person}"]); register their public key, then sign again` };
  }
  const fingerprints = registered.flatMap((line) => {
    try {
      return [parseSshPublicKey(line).fingerprint];
    } catch {
      return [];
    }
  });
  if (!fingerprints.includes(sig.publicKey.fingerprint)) {
    return { code: 'UNKNOWN_KEY', message: `signed by key ${sig.publicKey.fingerprint}, which is not one of ${parsed.person}'s registered keys (${fingerprints.join(', ')}); only the holder's own key attests` };
  }
  if (sig.namespace !== ATTESTATION_NAMESPACE) return { code: 'BAD_SIGNATURE', message: `signed in namespace "${sig.namespace}"; sign with -n ${ATTESTATION_NAMESPACE}` };
  if (!verifySshSignature(sig, a.statement, ATTESTATION_NAMESPACE)) {
    return { code: 'BAD_SIGNATURE', message: `the signature by ${sig.publicKey.fingerprint} does not verify over this statement; sign the exact text again` };
  }
  return { statement: a.statement, signature: a.signature, parsed, keyFingerprint: sig.publicKey.fingerprint };
}

/**
 * Whether a checked statement says what the action claims: the same incident, action, person and,
 * where given, role and artifact. Returns the first mismatch, or undefined.
 */
export function statementMismatch(s: Statement, want: { action: AttestationAction; incidentId: string; person?: string; role?: string; artifactId?: string }): AttestationProblem | undefined {
  const diffs: string[] = [];
  if (s.action !== want.action) diffs.push(`it signs "${s.action}", not "${want.action}"`);
  if (s.incidentId !== want.incidentId) diffs.push(`it is for incident ${s.incidentId}, not ${want.incidentId}`);
  if (want.person !== undefined && s.person !== want.person) diffs.push(`it is by ${s.person}, not ${want.person}`);
  if (want.role !== undefined && s.role !== want.role) diffs.push(`it is for role ${s.role ?? '(none)'}, not ${want.role}`);
  if (want.artifactId !== undefined && s.artifactId !== want.artifactId) diffs.push(`it is for artifact ${s.artifactId ?? '(none)'}, not ${want.artifactId}`);
  return diffs.length ? { code: 'MISMATCH', message: `the signed statement does not match: ${diffs.join('; ')}` } : undefined;
}

/** The allowed-signers file for `ssh-keygen -Y verify -f`: one line per registered key. */
export function allowedSigners(keys: Record<string, readonly string[]>): string {
  const out: string[] = [];
  for (const [person, lines] of Object.entries(keys)) {
    // A principal with spaces or quotes would need quoting; names are quoted when they have any.
    const principal = /^[A-Za-z0-9._@+-]+$/.test(person) ? person : `"${person.replace(/"/g, '')}"`;
    for (const line of lines) out.push(`${principal} namespaces="${ATTESTATION_NAMESPACE}" ${line.trim().split(/\s+/).slice(0, 2).join(' ')}`);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
