/**
 * Lists the live trust artifacts of one Google Workspace user, or, for an `integration` subject
 * (`id` = an OAuth client id), that client's tokens across every user of the customer (each naming
 * the user in `actsFor`). Sorted by externalId: the same state gives the same list.
 *
 * externalIds: sessions:{userId}  token:{userId}:{clientId}  asp:{userId}:{codeId}
 *              backup-codes:{userId}  device:{resourceId}
 */
import type { AttributeValue, DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { GoogleClient, GToken, GUser } from './client.ts';

export const externalIds = {
  sessions: (userId: string) => `sessions:${userId}`,
  token: (userId: string, clientId: string) => `token:${userId}:${clientId}`,
  asp: (userId: string, codeId: number) => `asp:${userId}:${codeId}`,
  backupCodes: (userId: string) => `backup-codes:${userId}`,
  device: (resourceId: string) => `device:${resourceId}`,
};

/** Device statuses after which the device no longer syncs the account. */
export const DEAD_DEVICE_STATUSES = new Set(['BLOCKED', 'ACCOUNT_WIPED', 'WIPED']);

const byId = (a: DiscoveredArtifact, b: DiscoveredArtifact) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0);

export async function resolveUser(g: GoogleClient, subject: SubjectRef): Promise<GUser | undefined> {
  for (const key of [...new Set([subject.id, subject.handle])]) {
    if (!key) continue;
    const u = await g.getUser(key);
    if (u) return u;
  }
  return undefined;
}

function grantArtifact(user: GUser, t: GToken, integration: boolean): DiscoveredArtifact {
  return {
    kind: 'oauth-grant', externalId: externalIds.token(user.id, t.clientId),
    label: `OAuth token of ${user.primaryEmail} for ${t.displayText}`,
    attributes: {
      userId: user.id, userEmail: user.primaryEmail, clientId: t.clientId, displayText: t.displayText, scopes: t.scopes.join(' '), nativeApp: t.nativeApp, anonymous: t.anonymous,
      ...(integration ? { actsFor: user.primaryEmail } : {}),
    },
  };
}

export interface DiscoverOptions {
  /** users.list page size (≤ 500). */
  pageSize: number;
}

/** The client's token for every user of the customer, every page of users.list. */
async function discoverIntegration(g: GoogleClient, clientId: string, o: DiscoverOptions): Promise<DiscoveredArtifact[]> {
  const out: DiscoveredArtifact[] = [];
  let pageToken: string | undefined;
  do {
    const page = await g.listUsers(pageToken, o.pageSize);
    // Sequential within a page: the engine's rate budget does not see calls inside one discover.
    for (const u of page.users) {
      const t = await g.token(u.id, clientId);
      if (t) out.push(grantArtifact(u, t, true));
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out.sort(byId);
}

export async function discoverGoogle(g: GoogleClient, subject: SubjectRef, o: DiscoverOptions): Promise<DiscoveredArtifact[]> {
  if (subject.type === 'integration') return discoverIntegration(g, subject.id, o);
  const user = await resolveUser(g, subject);
  if (!user) return [];
  const base: Record<string, AttributeValue> = { userId: user.id, userEmail: user.primaryEmail };
  const [tokens = [], asps = [], codes = [], devices] = await Promise.all([g.tokens(user.id), g.asps(user.id), g.verificationCodes(user.id), g.mobileDevices(user.primaryEmail)]);
  const out: DiscoveredArtifact[] = [];
  if (!user.suspended) {
    out.push({
      kind: 'idp-session', externalId: externalIds.sessions(user.id),
      label: `Google sign-in sessions of ${user.primaryEmail} (web and device; Google lists none, so they are assumed)`,
      ...(user.lastLoginTime ? { issuedAt: user.lastLoginTime } : {}),
      attributes: { ...base, ...(user.lastLoginTime ? { lastLoginTime: user.lastLoginTime } : {}) },
    });
  }
  for (const t of tokens) out.push(grantArtifact(user, t, false));
  for (const a of asps) {
    out.push({
      kind: 'app-password', externalId: externalIds.asp(user.id, a.codeId),
      label: `app-specific password "${a.name}" of ${user.primaryEmail}`,
      ...(a.creationTime ? { issuedAt: a.creationTime } : {}),
      attributes: { ...base, credentialType: 'app-specific-password', codeId: a.codeId, name: a.name, ...(a.lastTimeUsed ? { lastTimeUsed: a.lastTimeUsed } : {}) },
    });
  }
  if (codes.length > 0) {
    out.push({
      kind: 'app-password', externalId: externalIds.backupCodes(user.id),
      label: `${codes.length} backup verification codes of ${user.primaryEmail}`,
      attributes: { ...base, credentialType: 'backup-codes', codes: codes.length },
      // Held (encrypted by the engine) only to tell, after invalidation, old codes from new ones.
      secret: [...codes].sort().join(','),
    });
  }
  for (const d of devices.filter((x) => !DEAD_DEVICE_STATUSES.has(x.status))) {
    out.push({
      kind: 'device-registration', externalId: externalIds.device(d.resourceId),
      label: `${d.type} device ${d.model} (${d.os}) of ${user.primaryEmail}, ${d.status.toLowerCase()}`,
      ...(d.firstSync ? { issuedAt: d.firstSync } : {}),
      attributes: { ...base, resourceId: d.resourceId, model: d.model, os: d.os, type: d.type, status: d.status },
    });
  }
  return out.sort(byId);
}
