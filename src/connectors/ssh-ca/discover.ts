import type { DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { SshCaClient } from './client.ts';

export const certId = (serial: number) => `serial:${serial}`;

/** The subject's certificates that have not expired and are not yet revoked on every host. */
export async function discoverCerts(c: SshCaClient, subject: SubjectRef, now: number): Promise<DiscoveredArtifact[]> {
  const out: DiscoveredArtifact[] = [];
  for (const cert of await c.issued()) {
    if (cert.subject !== subject.id && !cert.keyId.startsWith(`${subject.id}-`)) continue;
    if (Date.parse(cert.validBefore) <= now) continue;
    const revoked = await Promise.all(c.d.hosts.map((h) => c.revokedIn(h.krlPath, cert.certPath)));
    if (revoked.length > 0 && revoked.every(Boolean)) continue;
    out.push({
      kind: 'ssh-certificate', externalId: certId(cert.serial), label: `SSH certificate ${cert.keyId} (serial ${cert.serial}) for ${cert.principals.join(',')}`,
      expiresAt: cert.validBefore,
      attributes: { serial: cert.serial, keyId: cert.keyId, principals: cert.principals.join(','), certPath: cert.certPath, keyPath: cert.keyPath ?? null },
    });
  }
  return out.sort((a, b) => a.externalId.localeCompare(b.externalId));
}
