import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { IssuedCert, SshCaClient } from './client.ts';
import { KRL_ADD } from './manifest.ts';

export function certOf(a: ArtifactHandle): IssuedCert {
  const keyPath = a.attributes.keyPath;
  return {
    serial: Number(a.attributes.serial), keyId: String(a.attributes.keyId), principals: String(a.attributes.principals ?? '').split(','),
    validBefore: a.expiresAt ?? '', certPath: String(a.attributes.certPath), ...(typeof keyPath === 'string' ? { keyPath } : {}),
  };
}

/** Adds the certificate to every host's KRL that lacks it, then ends sessions it already opened. */
export async function revokeCert(c: SshCaClient, a: ArtifactHandle): Promise<RevokeOutcome> {
  const cert = certOf(a);
  const hosts: Array<{ host: string; krl: 'updated' | 'already'; sessionsEnded: number }> = [];
  for (const h of c.d.hosts) {
    const already = await c.revokedIn(h.krlPath, cert.certPath);
    if (!already) await c.addToKrl(h, cert);
    const ended = c.endSessions(await c.sessionPids(h, cert.serial));
    hosts.push({ host: h.name, krl: already ? 'already' : 'updated', sessionsEnded: ended });
  }
  const changed = hosts.some((h) => h.krl === 'updated' || h.sessionsEnded > 0);
  return { status: changed ? 'revoked' : 'already_revoked', method: KRL_ADD, request: { serial: cert.serial, keyId: cert.keyId }, response: { body: { hosts } } };
}
