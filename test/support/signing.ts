/**
 * People with their own keys, for tests: each person gets an Ed25519 key on first use, the runbook
 * registers its public half, and attestations are signed in-process in the exact SSHSIG format
 * `ssh-keygen -Y sign` writes (test/ledger/ssh-signature.test.ts checks both ways against OpenSSH).
 * Signing as someone else means signing with a key that is not theirs: `signWith`.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { knownPeople, parseRunbook, type Runbook } from '../../src/core/runbook.ts';
import type { Engine } from '../../src/engine/create-engine.ts';
import type { StatementInput } from '../../src/engine/attest.ts';
import type { SignedAttestation } from '../../src/ledger/attestation.ts';
import { ATTESTATION_NAMESPACE, ed25519PublicLine, signSshEd25519 } from '../../src/ledger/ssh-signature.ts';

const keys = new Map<string, KeyObject>();

/** The person's private key (made on first use; the same for the whole test process). */
export function keyOf(person: string): KeyObject {
  let k = keys.get(person);
  if (!k) keys.set(person, (k = generateKeyPairSync('ed25519').privateKey));
  return k;
}

/** The `ssh-ed25519 AAAA…` line the runbook registers for the person. */
export const publicLineOf = (person: string): string => `${ed25519PublicLine(keyOf(person))} ${person}@test`;

/** The runbook with every person it names given their key (unless `keys` already names theirs). */
export function withKeys(input: Record<string, unknown>): Runbook {
  const bare = parseRunbook(input);
  const given = (input.keys ?? {}) as Record<string, string[]>;
  const all = Object.fromEntries(knownPeople(bare).map((p) => [p, given[p] ?? [publicLineOf(p)]]));
  return parseRunbook({ ...input, keys: all });
}

/** Signs `text` with `key` (by default the claimed person's own). */
export const signText = (key: KeyObject, text: string): string => signSshEd25519(key, text, ATTESTATION_NAMESPACE);

/** The engine's statement for `input`, signed by `input.person`'s own key. */
export async function signed(engine: Pick<Engine, 'statement'>, incidentId: string, input: StatementInput): Promise<SignedAttestation> {
  return signWith(keyOf(input.person), engine, incidentId, input);
}

/** The engine's statement for `input`, signed with `key`: someone else's key, to test refusals. */
export async function signWith(key: KeyObject, engine: Pick<Engine, 'statement'>, incidentId: string, input: StatementInput): Promise<SignedAttestation> {
  const { text } = await engine.statement(incidentId, input);
  return { statement: text, signature: signText(key, text) };
}

/** Shorthands for the four attested actions, each signed by the person named. */
export const attest = {
  signoff: async (e: Engine, id: string, role: string, person: string, note?: string) => e.signoff(id, await signed(e, id, { action: 'signoff', person, role, ...(note ? { note } : {}) })),
  exception: async (e: Engine, id: string, artifactId: string, person: string, reason: string, expiresAt: string) =>
    e.grantException(id, await signed(e, id, { action: 'exception', person, artifactId, reason, expiresAt })),
  close: async (e: Engine, id: string, person: string) => e.close(id, await signed(e, id, { action: 'close', person })),
  reopen: async (e: Engine, id: string, person: string, reason: string, alert?: Record<string, unknown>) =>
    e.reopen(id, person === 'sever' ? 'sever' : await signed(e, id, { action: 'reopen', person, reason }), reason, alert),
};
