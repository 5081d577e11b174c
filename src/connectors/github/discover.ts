import type { DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { GithubClient } from './client.ts';
import { discoverIntegration } from './discover-integration.ts';
import { rotationFor, type Rotation } from './rotate.ts';

export interface DiscoverOptions {
  /** Repositories searched for deploy keys; undefined: every repository of the org. */
  repos: string[] | undefined;
  /** settings.enterprise is configured: a GitHub App installation can be uninstalled. */
  enterprise: boolean;
  rotation: Rotation | undefined;
}

const TOKEN_TYPES = ['personal access token', 'OAuth app token', 'GitHub app token'];

/**
 * Every org-side credential of a login: its fine-grained PATs with org access, its credentials
 * authorized for SAML SSO (tokens as api-key, SSH keys as ssh-public-key) and the deploy keys it
 * added to the org's repositories (`repos` when configured, else every repository of the org).
 * Token values are never visible to an org owner: none is returned as a secret. A deploy key with
 * a rotation target in settings.rotation is marked `rotatable` (the plan may rotate it first).
 * An `integration` subject is discovered by {@link discoverIntegration}.
 */
export async function discoverGithub(c: GithubClient, subject: SubjectRef, o: DiscoverOptions): Promise<DiscoveredArtifact[]> {
  if (subject.type === 'integration') return discoverIntegration(c, subject, o);
  const login = subject.id;
  const out: DiscoveredArtifact[] = [];
  // Filtered again here: a server that ignored `owner[]` must not hand Sever someone else's tokens.
  for (const g of (await c.fgPats(login)).filter((x) => x.owner.login.toLowerCase() === login.toLowerCase())) {
    out.push({
      kind: 'api-key', externalId: `fg-pat:${g.id}`, label: `fine-grained PAT "${g.token_name}" of ${login} with access to ${c.org}`,
      issuedAt: g.access_granted_at, ...(g.token_expires_at ? { expiresAt: g.token_expires_at } : {}),
      attributes: { source: 'fg-pat', patId: g.id, tokenId: g.token_id, login, tokenName: g.token_name },
    });
  }
  for (const a of await c.authorizations(login)) {
    if (a.login.toLowerCase() !== login.toLowerCase()) continue;
    if (a.credential_type === 'SSH key') {
      out.push({
        kind: 'ssh-public-key', externalId: `sso-credential:${a.credential_id}`, label: `SSH key ${a.authorized_credential_title ?? a.fingerprint ?? a.credential_id} of ${login}, authorized for ${c.org} SSO`,
        attributes: { source: 'sso-authorization', credentialId: a.credential_id, login, fingerprint: a.fingerprint ?? null, keyId: a.authorized_credential_id },
      });
    } else if (TOKEN_TYPES.includes(a.credential_type)) {
      out.push({
        kind: 'api-key', externalId: `sso-credential:${a.credential_id}`, label: `${a.credential_type} …${a.token_last_eight ?? '?'} of ${login}, authorized for ${c.org} SSO`,
        ...(a.authorized_credential_expires_at ? { expiresAt: a.authorized_credential_expires_at } : {}),
        attributes: { source: 'sso-authorization', credentialId: a.credential_id, credentialType: a.credential_type, login, tokenLastEight: a.token_last_eight ?? null },
      });
    }
  }
  for (const repo of o.repos ?? (await c.repos())) {
    const keys = (await c.deployKeys(repo)).filter((k) => (k.added_by ?? '').toLowerCase() === login.toLowerCase());
    for (const k of keys) {
      // One delivery file holds one key: a target that fits several of the subject's keys rotates none of them.
      const target = rotationFor(o.rotation, repo, k.title);
      const rotatable = target !== undefined && keys.filter((x) => rotationFor(o.rotation, repo, x.title) === target).length === 1;
      out.push({
        kind: 'ssh-public-key', externalId: `deploy-key:${repo}:${k.id}`, label: `deploy key "${k.title}" on ${c.org}/${repo} added by ${login}${k.read_only ? ' (read-only)' : ' (read-write)'}`,
        attributes: { source: 'deploy-key', repo, keyId: k.id, login, readOnly: k.read_only, title: k.title, ...(rotatable ? { rotatable: true } : {}) },
      });
    }
  }
  return out;
}
