import type { DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { LdapClient } from './client.ts';

/** The subject's account, when it exists and is not locked already. */
export async function discoverLdap(client: LdapClient, subject: SubjectRef): Promise<DiscoveredArtifact[]> {
  const e = await client.find(subject.id);
  if (!e || e.locked) return [];
  return [{
    kind: 'directory-account',
    externalId: e.dn,
    label: `directory account ${e.dn}`,
    attributes: { dn: e.dn, uid: e.uid, passwordFingerprint: e.passwordFingerprint },
  }];
}
