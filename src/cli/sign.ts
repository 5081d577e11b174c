/**
 * Signing an attestation from the command line: with the person's own SSH key through OpenSSH's
 * `ssh-keygen -Y sign` (a private key file, or a public key file whose private half is in the
 * ssh-agent, as git's SSH signing does), or a statement already signed elsewhere.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { ATTESTATION_NAMESPACE } from '../ledger/ssh-signature.ts';
import type { SignedAttestation } from '../ledger/attestation.ts';
import { inputError } from './output.ts';

/** How a command is told to sign: `--key`, or `--statement` with `--signature`. */
export interface SignOptions {
  key?: string;
  statement?: string;
  signature?: string;
}

const MAX_FILE = 64 * 1024;

function readSmall(path: string, flag: string): string {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw inputError(`${flag} ${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { field: flag, path });
  }
  if (!st.isFile()) throw inputError(`${flag} ${path}: not a file`, { field: flag, path });
  if (st.size > MAX_FILE) throw inputError(`${flag} ${path}: larger than ${MAX_FILE} bytes`, { field: flag, path });
  return readFileSync(path, 'utf8');
}

/** Signs `text` with `ssh-keygen -Y sign -n sever-attestation -f <key>`; the signature is returned, armored. */
export function sshKeygenSign(key: string, text: string): Promise<string> {
  readSmall(key, '--key');
  return new Promise((resolve, reject) => {
    // stdin carries the statement; a passphrase prompt, if any, reads the terminal.
    const p = spawn('ssh-keygen', ['-q', '-Y', 'sign', '-n', ATTESTATION_NAMESPACE, '-f', key], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    p.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    p.on('error', (e: NodeJS.ErrnoException) =>
      reject(inputError(`--key: cannot run ssh-keygen (${e.code ?? e.message}); install OpenSSH's client tools, or sign the statement elsewhere and pass --statement and --signature`, { field: '--key' })));
    p.on('close', (code) => {
      if (code === 0 && out.includes('BEGIN SSH SIGNATURE')) resolve(out);
      else reject(inputError(`--key ${key}: ssh-keygen could not sign (${err.trim().split('\n').pop()?.slice(0, 200) || `exit ${code}`})`, { field: '--key', path: key }));
    });
    p.stdin.end(text);
  });
}

/**
 * The signed attestation for a command: signs `prepare()`'s statement with `--key`, or reads
 * `--statement` and `--signature` (both files) as given.
 */
export async function signedAttestation(o: SignOptions, prepare: () => Promise<string>): Promise<SignedAttestation> {
  const key = o.key ?? process.env.SEVER_SIGNING_KEY;
  if (o.statement !== undefined || o.signature !== undefined) {
    if (o.statement === undefined || o.signature === undefined) throw inputError('--statement and --signature go together: the statement file and the signature ssh-keygen -Y sign wrote for it', { field: o.statement === undefined ? '--statement' : '--signature' });
    if (o.key !== undefined) throw inputError('--key and --statement/--signature are alternatives: sign here with --key, or submit a statement signed elsewhere', { field: '--key' });
    return { statement: readSmall(o.statement, '--statement'), signature: readSmall(o.signature, '--signature') };
  }
  if (key === undefined || key === '') {
    throw inputError('an attestation must be signed with your own SSH key: pass --key ~/.ssh/id_ed25519 (or set SEVER_SIGNING_KEY), or sign `sever incident statement …` elsewhere and pass --statement and --signature', { field: '--key' });
  }
  const text = await prepare();
  return { statement: text, signature: await sshKeygenSign(key, text) };
}
