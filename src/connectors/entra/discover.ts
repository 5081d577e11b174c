/**
 * Lists every live trust artifact of one Entra user: the user's sign-in sessions (one artifact:
 * Graph lists no refresh tokens or session cookies, so it is always reported, with the
 * `signInSessionsValidFromDateTime` at discovery as the baseline its self-report is read against),
 * enabled registered devices, authentication methods other than the password (issuedAt =
 * `createdDateTime`, the registration time, where Graph gives it; for the policy's
 * `issued: after-compromise`), the user's own delegated permission grants, and the unexpired
 * secrets and certificates of the applications and service principals the user owns. Sorted by
 * externalId: the same tenant state gives the same list. Secret values are never returned by
 * Graph: `incident amend --value-file` adds one.
 *
 * externalIds: sessions:{userId}  device:{objectId}  method:{methodId}  grant:{grantId}
 *              secret:{objectId}:{keyId}  certificate:{objectId}:{keyId}
 */
import type * as Graph from '@microsoft/microsoft-graph-types';
import type { AttributeValue, DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { EntraClient } from './client.ts';

export const externalIds = {
  sessions: (userId: string) => `sessions:${userId}`,
  device: (id: string) => `device:${id}`,
  method: (id: string) => `method:${id}`,
  grant: (id: string) => `grant:${id}`,
  secret: (objectId: string, keyId: string) => `secret:${objectId}:${keyId}`,
  certificate: (objectId: string, keyId: string) => `certificate:${objectId}:${keyId}`,
};

/** Delete path segment per authentication method type; types absent here are not revocable by Sever. */
export const METHOD_SEGMENTS: Record<string, string> = {
  '#microsoft.graph.fido2AuthenticationMethod': 'fido2Methods',
  '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod': 'microsoftAuthenticatorMethods',
  '#microsoft.graph.phoneAuthenticationMethod': 'phoneMethods',
};
const PASSWORD_METHOD = '#microsoft.graph.passwordAuthenticationMethod';
const OWNED_TYPES: Record<string, 'applications' | 'servicePrincipals'> = { '#microsoft.graph.application': 'applications', '#microsoft.graph.servicePrincipal': 'servicePrincipals' };

export interface EntraUser { id: string; upn: string; validFrom?: string }

/**
 * A compromised integration (`subject.type === 'integration'`, id = its service principal's
 * object id): its delegated permission grants for every user (and any tenant-wide admin consent),
 * each naming whom it acts for.
 */
export async function discoverIntegration(entra: EntraClient, servicePrincipalId: string): Promise<DiscoveredArtifact[]> {
  const grants = (await entra.clientGrants(servicePrincipalId)) ?? [];
  return grants.filter((g) => g.id).map((g) => ({
    kind: 'oauth-grant' as const, externalId: externalIds.grant(g.id!),
    label: `delegated grant of ${g.consentType === 'AllPrincipals' ? 'every user (admin consent)' : `user ${g.principalId}`} to client ${servicePrincipalId}: ${g.scope ?? ''}`.trim(),
    attributes: {
      grantId: g.id!, clientId: g.clientId ?? servicePrincipalId, servicePrincipalId, resourceId: g.resourceId ?? null, scope: g.scope ?? null,
      consentType: g.consentType ?? null, actsFor: g.consentType === 'AllPrincipals' ? 'all users' : (g.principalId ?? null), ...(g.principalId ? { userId: g.principalId } : {}),
    },
  })).sort((a, b) => (a.externalId < b.externalId ? -1 : 1));
}

/** Resolves the subject to an Entra user: the id, then the handle, each as object id or UPN. */
export async function resolveUser(entra: EntraClient, subject: SubjectRef): Promise<EntraUser | undefined> {
  for (const candidate of [...new Set([subject.id, subject.handle])]) {
    if (!candidate || candidate === 'me') continue;
    const u = await entra.user(candidate);
    if (u?.id) return { id: u.id, upn: u.userPrincipalName ?? u.id, ...(u.signInSessionsValidFromDateTime ? { validFrom: u.signInSessionsValidFromDateTime } : {}) };
  }
  return undefined;
}

const iso = (v: string | null | undefined) => (v ? new Date(v).toISOString() : undefined);
const typeName = (t: string | undefined) => (t ?? '').replace('#microsoft.graph.', '');

export async function discoverEntra(entra: EntraClient, subject: SubjectRef, now: number): Promise<DiscoveredArtifact[]> {
  if (subject.type === 'integration') return discoverIntegration(entra, subject.id);
  const user = await resolveUser(entra, subject);
  if (!user) return [];
  const base: Record<string, AttributeValue> = { userId: user.id, upn: user.upn };
  const [devices = [], methods = [], grants = [], owned = []] = await Promise.all([
    entra.registeredDevices(user.id), entra.authenticationMethods(user.id), entra.grants(user.id), entra.ownedObjects(user.id),
  ]);
  const out: DiscoveredArtifact[] = [{
    kind: 'idp-session', externalId: externalIds.sessions(user.id),
    label: `Entra sign-in sessions (refresh tokens and session cookies) of ${user.upn}`,
    attributes: { ...base, validFromAtDiscovery: user.validFrom ?? null },
  }];

  for (const d of devices) {
    if (!d.id || d.accountEnabled === false) continue;
    out.push({
      kind: 'device-registration', externalId: externalIds.device(d.id),
      label: `registered device ${d.displayName ?? d.deviceId ?? d.id} (${d.operatingSystem ?? 'unknown OS'}) of ${user.upn}`,
      ...(iso(d.registrationDateTime) ? { issuedAt: iso(d.registrationDateTime)! } : {}),
      attributes: { ...base, deviceObjectId: d.id, deviceId: d.deviceId ?? null, displayName: d.displayName ?? null, operatingSystem: d.operatingSystem ?? null },
    });
  }

  for (const m of methods) {
    const type = m['@odata.type'];
    if (!m.id || type === PASSWORD_METHOD) continue;
    const segment = METHOD_SEGMENTS[type ?? ''];
    out.push({
      kind: 'mfa-factor', externalId: externalIds.method(m.id),
      label: `${typeName(type)} ${m.displayName ? `"${m.displayName}" ` : ''}of ${user.upn}`,
      ...(iso(m.createdDateTime) ? { issuedAt: iso(m.createdDateTime)! } : {}),
      attributes: { ...base, methodId: m.id, methodType: typeName(type), segment: segment ?? null },
      ...(segment ? {} : { revocable: false }),
    });
  }

  for (const g of grants) {
    if (!g.id || g.consentType !== 'Principal' || g.principalId !== user.id) continue;
    out.push({
      kind: 'oauth-grant', externalId: externalIds.grant(g.id),
      label: `delegated grant of ${user.upn} to client ${g.clientId ?? '?'}: ${g.scope ?? ''}`.trim(),
      attributes: { ...base, grantId: g.id, clientId: g.clientId ?? null, resourceId: g.resourceId ?? null, scope: g.scope ?? null },
    });
  }

  const apps = await Promise.all(owned.flatMap((o) => {
    const collection = OWNED_TYPES[o['@odata.type'] ?? ''];
    return o.id && collection ? [entra.appCredentials(collection, o.id).then((a) => ({ collection, a }))] : [];
  }));
  for (const { collection, a } of apps) {
    if (!a?.id) continue;
    const appBase = { ...base, collection, objectId: a.id, appId: a.appId ?? null, appName: a.displayName ?? null };
    const live = (c: Graph.PasswordCredential | Graph.KeyCredential) => c.keyId && !(c.endDateTime && Date.parse(c.endDateTime) <= now);
    for (const p of (a.passwordCredentials ?? []).filter(live)) {
      out.push({
        kind: 'api-key', externalId: externalIds.secret(a.id, p.keyId!),
        label: `client secret "${p.displayName ?? p.keyId}" (${p.hint ?? '?'}…) of ${collection === 'applications' ? 'app' : 'service principal'} ${a.displayName ?? a.appId} owned by ${user.upn}`,
        ...(iso(p.startDateTime) ? { issuedAt: iso(p.startDateTime)! } : {}), ...(iso(p.endDateTime) ? { expiresAt: iso(p.endDateTime)! } : {}),
        attributes: { ...appBase, keyId: p.keyId!, credentialType: 'password' },
      });
    }
    for (const k of (a.keyCredentials ?? []).filter(live)) {
      out.push({
        kind: 'api-key', externalId: externalIds.certificate(a.id, k.keyId!),
        label: `certificate "${k.displayName ?? k.keyId}" of ${collection === 'applications' ? 'app' : 'service principal'} ${a.displayName ?? a.appId} owned by ${user.upn}`,
        ...(iso(k.startDateTime) ? { issuedAt: iso(k.startDateTime)! } : {}), ...(iso(k.endDateTime) ? { expiresAt: iso(k.endDateTime)! } : {}),
        attributes: { ...appBase, keyId: k.keyId!, credentialType: 'certificate' },
        revocable: false,
      });
    }
  }
  return out.sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
}
