/**
 * Proves a certificate dead on every host through paths other than the KRL update: ssh-keygen -Q
 * against the host's KRL file, a login attempt with the certificate against the host's sshd (the
 * only proof that sshd enforces that file), and, where the sshd log is readable, that no
 * connection the certificate opened is still established. Never changes anything.
 */
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import type { HostConfig, SshCaClient } from './client.ts';
import { certOf, type CertRef } from './issuance-log.ts';
import { KRL_QUERY, LOGIN, SESSIONS } from './manifest.ts';

export interface VerifyOptions {
  hosts: HostConfig[];
  /** The user to log in as; default: each of the certificate's principals (at most MAX_PRINCIPALS). */
  user?: string;
  /** Where the certificate's private key is, with {keyId}, {serial}, {subject} placeholders. */
  privateKeyPath?: string;
}

export const MAX_PRINCIPALS = 4;

function probeUsers(c: SshCaClient, cert: CertRef, o: VerifyOptions): string[] {
  if (o.user) return [o.user];
  if (cert.principals.length > 0) return cert.principals.slice(0, MAX_PRINCIPALS);
  throw new SeverError('ERR_CONNECTOR_CONFIG', `${c.o.name}: certificate ${cert.keyId} is valid for any user: set loginProbe.user to the account the login probe should try`, { details: { connector: c.o.name, setting: 'loginProbe.user' } });
}

async function privateKeyOf(c: SshCaClient, cert: CertRef, o: VerifyOptions): Promise<string | undefined> {
  if (!o.privateKeyPath) return undefined;
  const path = o.privateKeyPath.replaceAll('{keyId}', cert.keyId).replaceAll('{serial}', String(cert.serial)).replaceAll('{subject}', cert.subject ?? '');
  return (await c.exists(path)) ? path : undefined;
}

async function verifyOnHost(c: SshCaClient, h: HostConfig, cert: CertRef, users: string[], key: string | undefined): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  const revoked = await c.revokes(h, cert.certPath);
  checks.push({ path: KRL_QUERY, result: revoked ? 'dead' : 'live', observed: { host: h.name, krl: revoked ? 'REVOKED' : 'not revoked' } });
  for (const user of users) {
    const p = await c.probe(h, cert.certPath, user, key);
    checks.push({ path: LOGIN, result: p.accepted ? 'live' : 'dead', observed: { host: h.name, user, mode: p.mode, sshd: p.accepted ? 'accepted' : 'Permission denied (publickey)' } });
  }
  const open = await c.sessions(h, cert.serial, cert.keyId);
  if (open !== undefined) checks.push({ path: SESSIONS, result: open.connections > 0 ? 'live' : 'dead', observed: { host: h.name, establishedConnections: open.connections } });
  return checks;
}

export async function verifyCert(c: SshCaClient, o: VerifyOptions, a: ArtifactHandle): Promise<VerifyObservation> {
  const cert = certOf(a);
  const users = probeUsers(c, cert, o);
  const key = await privateKeyOf(c, cert, o);
  const checks = (await Promise.all(o.hosts.map((h) => verifyOnHost(c, h, cert, users, key)))).flat();
  return { verdict: checks.some((x) => x.result === 'live') ? 'live' : 'dead', checks };
}
