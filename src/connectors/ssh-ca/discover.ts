/**
 * The subject's certificates from the CA's issuance log that still matter: not expired, and not
 * yet revoked on every host (a certificate revoked on some hosts only is still listed, so its
 * revocation can be completed). Sorted by externalId: the same log and KRLs, the same list.
 */
import type { DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { HostConfig, SshCaClient } from './client.ts';
import { belongsTo, certAttributes, certExternalId, parseIssuanceLog, validUntil } from './issuance-log.ts';

export async function discoverCerts(c: SshCaClient, hosts: HostConfig[], subject: SubjectRef, now: number): Promise<DiscoveredArtifact[]> {
  const all = parseIssuanceLog(await c.issuanceLog(), c.o.name);
  const live = all.filter((x) => (validUntil(x) ?? Infinity) > now);
  const out: DiscoveredArtifact[] = [];
  for (const cert of live.filter((x) => belongsTo(x, subject.id))) {
    const revoked = await Promise.all(hosts.map((h) => c.revokes(h, cert.certPath)));
    if (revoked.every(Boolean)) continue;
    // Revoking by key id would also revoke another subject's live certificate with the same id.
    const keyIdShared = live.some((x) => x.keyId === cert.keyId && x.serial !== cert.serial && !belongsTo(x, subject.id));
    const until = validUntil(cert);
    const from = cert.validAfter ? Date.parse(cert.validAfter) : Number.NaN;
    out.push({
      kind: 'ssh-certificate',
      externalId: certExternalId(cert),
      label: `SSH certificate ${cert.keyId} (serial ${cert.serial}) for ${cert.principals.length ? cert.principals.join(', ') : 'any user'}`,
      ...(Number.isNaN(from) ? {} : { issuedAt: new Date(from).toISOString() }),
      ...(until === undefined ? {} : { expiresAt: new Date(until).toISOString() }),
      attributes: certAttributes(cert, keyIdShared),
      revocable: true,
    });
  }
  return out.sort((a, b) => a.externalId.localeCompare(b.externalId));
}
