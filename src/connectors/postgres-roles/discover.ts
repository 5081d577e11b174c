import type { DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { PgRolesClient } from './client.ts';

export const roleId = (role: string) => `role:${role}`;
export const backendId = (pid: number, start: string) => `backend:${pid}:${start}`;

/** The role's login (when it can log in) and every live connection of the role. */
export async function discoverRoles(c: PgRolesClient, subject: SubjectRef, o: { rotatable: boolean } = { rotatable: false }): Promise<DiscoveredArtifact[]> {
  const role = await c.role(subject.id);
  if (!role) return [];
  const out: DiscoveredArtifact[] = [];
  if (role.canLogin) {
    out.push({ kind: 'service-account-binding', externalId: roleId(role.name), label: `login of database role ${role.name}`, attributes: { role: role.name, validUntil: role.validUntil, ...(o.rotatable ? { rotatable: true } : {}) } });
  }
  for (const b of await c.backends(role.name)) {
    out.push({
      kind: 'app-session', externalId: backendId(b.pid, b.backendStart), label: `connection of ${role.name} (pid ${b.pid}, ${b.applicationName || 'no application_name'}, since ${new Date(Number(b.backendStart) / 1000).toISOString()})`,
      issuedAt: new Date(Number(b.backendStart) / 1000).toISOString(), dependsOn: role.canLogin ? [roleId(role.name)] : [],
      attributes: { role: role.name, pid: b.pid, backendStart: b.backendStart, applicationName: b.applicationName, clientAddr: b.clientAddr },
    });
  }
  return out;
}
