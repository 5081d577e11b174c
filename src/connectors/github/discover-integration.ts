/**
 * A compromised third-party integration (`subject.type === 'integration'`): its id names an OAuth
 * app (client_id) or a GitHub App (slug, app id or client_id). Found in the org:
 *
 * - the GitHub App's installation (`GET /orgs/{org}/installations`), an `oauth-grant` acting for
 *   the org itself; revocable only through the enterprise that owns the org (settings.enterprise);
 * - the app's tokens every member authorized for SAML SSO (`GET /orgs/{org}/credential-authorizations`
 *   without `login`), `api-key`s each acting for its member. GitHub names no app on a credential
 *   authorization: a token is the app's when its `authorized_credential_note` is one of the app's
 *   names (the manifest says what this misses).
 *
 * Fine-grained PATs and their requests belong to users, never to an app: none is found here.
 */
import type { DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { AppInstallation, GithubClient } from './client.ts';
import { INSTALLATION_FALLBACK } from './manifest.ts';

const APP_TOKEN_TYPES = ['OAuth app token', 'GitHub app token'];

const lower = (s: string) => s.trim().toLowerCase();

/** Whether an installation is the subject's app. */
const isApp = (i: AppInstallation, id: string) => [i.app_slug, String(i.app_id), i.client_id ?? ''].some((x) => x !== '' && lower(x) === lower(id));

export async function discoverIntegration(c: GithubClient, subject: SubjectRef, o: { enterprise: boolean }): Promise<DiscoveredArtifact[]> {
  const out: DiscoveredArtifact[] = [];
  const installations = (await c.installations()).filter((i) => isApp(i, subject.id));
  for (const i of installations) {
    out.push({
      kind: 'oauth-grant', externalId: `installation:${i.id}`,
      label: `installation of GitHub App "${i.app_slug}" (app ${i.app_id}) on ${c.org}, ${i.repository_selection === 'all' ? 'all repositories' : 'selected repositories'}${i.suspended_at ? `, suspended since ${i.suspended_at}` : ''}`,
      issuedAt: i.created_at, revocable: o.enterprise,
      attributes: {
        source: 'installation', installationId: i.id, appId: i.app_id, appSlug: i.app_slug, clientId: i.client_id ?? null, integration: subject.id,
        actsFor: `org:${c.org}`, ...(o.enterprise ? {} : { fallback: INSTALLATION_FALLBACK }),
      },
    });
  }
  const names = new Set([subject.id, subject.handle, ...installations.flatMap((i) => [i.app_slug, String(i.app_id), i.client_id ?? ''])].filter((x) => x.trim() !== '').map(lower));
  for (const a of await c.authorizations()) {
    if (!APP_TOKEN_TYPES.includes(a.credential_type) || !a.authorized_credential_note || !names.has(lower(a.authorized_credential_note))) continue;
    out.push({
      kind: 'api-key', externalId: `sso-credential:${a.credential_id}`,
      label: `${a.credential_type} …${a.token_last_eight ?? '?'} of ${subject.handle} acting for ${a.login}, authorized for ${c.org} SSO`,
      ...(a.authorized_credential_expires_at ? { expiresAt: a.authorized_credential_expires_at } : {}),
      attributes: {
        source: 'sso-authorization', credentialId: a.credential_id, credentialType: a.credential_type, login: a.login, actsFor: a.login,
        tokenLastEight: a.token_last_eight ?? null, integration: subject.id, matchedBy: 'authorized_credential_note',
      },
    });
  }
  return out.sort((x, y) => (x.externalId < y.externalId ? -1 : x.externalId > y.externalId ? 1 : 0));
}
