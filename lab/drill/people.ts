/**
 * The drill's people, each with their own SSH key made by OpenSSH's ssh-keygen: the runbook
 * registers the public halves, and every sign-off, exception and closure is signed with
 * `ssh-keygen -Y sign`, as a person would on their own machine. irene's key is ECDSA P-256, the
 * others Ed25519, so both kinds are exercised.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatementInput } from '../../src/engine/attest.ts';
import type { SignedAttestation } from '../../src/ledger/attestation.ts';
import { sshKeygenSign } from '../../src/cli/sign.ts';

export interface People {
  /** The runbook's `keys`: each person's public key line. */
  keys: Record<string, string[]>;
  /** The private key file of a person (what they would pass as `--key`). */
  keyFile(person: string): string;
  /** The engine's statement for `input`, signed with `signer`'s key (by default the person's own). */
  attest(engine: { statement(id: string, input: StatementInput): Promise<{ text: string }> }, id: string, input: StatementInput, signer?: string): Promise<SignedAttestation>;
}

export function makePeople(dir: string, names: readonly string[]): People {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = (p: string) => join(dir, `id_${p}`);
  const keys: Record<string, string[]> = {};
  for (const p of names) {
    const f = keyFile(p);
    if (!existsSync(f)) execFileSync('ssh-keygen', ['-q', '-t', p === 'irene' ? 'ecdsa' : 'ed25519', ...(p === 'irene' ? ['-b', '256'] : []), '-N', '', '-C', `${p}@drill`, '-f', f]);
    keys[p] = [readFileSync(`${f}.pub`, 'utf8').trim()];
  }
  return {
    keys, keyFile,
    async attest(engine, id, input, signer = input.person) {
      const { text } = await engine.statement(id, input);
      return { statement: text, signature: await sshKeygenSign(keyFile(signer), text) };
    },
  };
}
