/**
 * A self-signed certificate for the lab's HTTPS authority (`@azure/identity` accepts only an https
 * authority host). Made once per process with the system `openssl` (Debian's `openssl` package),
 * for 127.0.0.1 only, valid one day; the private key never leaves the process's memory after the
 * temporary directory is removed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverError } from '../../src/core/errors.ts';

export interface LabCertificate { key: string; cert: string }

let made: LabCertificate | undefined;

export function labCertificate(): LabCertificate {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'sever-entra-lab-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
    made = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    return made;
  } catch (e) {
    throw new SeverError('ERR_LAB_FAILED', `the Entra lab could not make its TLS certificate with openssl (apt-get install openssl): ${e instanceof Error ? e.message.slice(0, 200) : 'unknown'}`, { cause: e });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
