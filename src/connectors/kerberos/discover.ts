import type { DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { KerberosClient } from './client.ts';

/** The principal (unless already disabled) and every TGT issued to it that has not reached its end time. */
export async function discoverKerberos(k: KerberosClient, subject: SubjectRef, now: number): Promise<DiscoveredArtifact[]> {
  const p = await k.getprinc(subject.id);
  if (!p) return [];
  const krbtgt = await k.getprinc(`krbtgt/${k.d.realm}`);
  const out: DiscoveredArtifact[] = [];
  if (!p.disallowAllTix) {
    out.push({ kind: 'directory-account', externalId: p.name, label: `Kerberos principal ${p.name}`, attributes: { principal: p.name, kvno: p.kvno } });
  }
  for (const t of await k.issuedTgts(p.name)) {
    const end = t.authtimeMs + p.maxLifeMs;
    if (end <= now) continue;
    out.push({
      kind: 'access-token',
      externalId: `tgt:${p.name}:${t.authtimeMs / 1000}`,
      label: `Kerberos TGT of ${p.name} issued ${new Date(t.authtimeMs).toISOString()} (bearer until ${new Date(end).toISOString()})`,
      issuedAt: new Date(t.authtimeMs).toISOString(),
      expiresAt: new Date(end).toISOString(),
      revocable: false,
      dependsOn: [p.name],
      attributes: {
        principal: p.name, authtime: t.authtimeMs / 1000, krbtgtKvno: krbtgt?.kvno ?? null,
        fallback: `rotate krbtgt/${k.d.realm}`,
        collateral: `every ticket of every principal in ${k.d.realm}`,
      },
    });
  }
  return out;
}
