/**
 * The `github` connector: one organization on github.com or GHEC (by `baseUrl`), through
 * `@octokit/rest`. The subject is a GitHub login, or (`integration`) an OAuth app's client_id or a
 * GitHub App's slug, app id or client_id.
 *
 * ```yaml
 * connectors:
 *   github:corp:
 *     settings:
 *       baseUrl: https://api.github.com
 *       org: acme
 *       tokenRef: env:GITHUB_ORG_OWNER_TOKEN        # admin:org, repo administration
 *       fgPatTokenRef: env:GITHUB_APP_INSTALL_TOKEN # "Personal access tokens: write" (GitHub App)
 *       oauthApps:
 *         - { clientId: Iv1.0123456789abcdef, clientSecretRef: file:/run/secrets/oauth-app }
 *       enterprise:                                 # optional: uninstall GitHub Apps from the org
 *         slug: acme-corp
 *         appTokenRef: env:GITHUB_ENTERPRISE_APP_TOKEN  # a GitHub App installed on the enterprise
 *       rotation:                                   # optional: rotate-then-revoke for deploy keys
 *         deployKeys:
 *           - { repo: api, title: ci deploy, deliverTo: file:/etc/ci/api_deploy_key }
 * ```
 */
import { z } from 'zod';
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { Connector, ConnectorDeps, ConnectorModule } from '../contract.ts';
import { secretRef } from '../shared/settings.ts';
import { GithubClient } from './client.ts';
import { discoverGithub } from './discover.ts';
import { githubManifest } from './manifest.ts';
import { revokeApiKey, revokeInstallation, revokeOAuthGrant, revokeSshKey } from './revoke.ts';
import { deployKeyAdoption, rotateDeployKey } from './rotate.ts';
import { verifyApiKey, verifyInstallation, verifyOAuthGrant, verifySshKey } from './verify.ts';

export const githubSettings = z.strictObject({
  /** REST API root: https://api.github.com, or the GHEC/data-residency API root. */
  baseUrl: z.url().default('https://api.github.com'),
  org: z.string().min(1),
  /** An org owner's token (admin:org; repository administration for deploy keys). */
  tokenRef: secretRef,
  /** The org fine-grained PAT API accepts GitHub App tokens only; defaults to tokenRef. */
  fgPatTokenRef: secretRef.optional(),
  /** OAuth apps whose grants Sever may delete, with their secrets by reference. */
  oauthApps: z.array(z.strictObject({ clientId: z.string().min(1), clientSecretRef: secretRef })).default([]),
  /** Repositories searched for deploy keys; default every repository of the org. */
  repos: z.array(z.string().min(1)).optional(),
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
  enterprise: z
    .strictObject({ slug: z.string().min(1), appTokenRef: secretRef })
    .optional()
    .describe('the enterprise that owns the org (slug) and an installation token of a GitHub App installed on it (appTokenRef): the only credential, besides the app itself, that can uninstall a GitHub App from the org; without it an integration\'s installation is not revocable'),
  rotation: z
    .strictObject({
      deployKeys: z.array(z.strictObject({
        repo: z.string().min(1),
        /** The deploy key's title; absent: the subject's one deploy key on the repo. */
        title: z.string().min(1).optional(),
        deliverTo: z.string().regex(/^file:\/.+/, 'file:/absolute/path of the private key file the workload fetches with'),
      })).min(1),
    })
    .optional()
    .describe('rotate-then-revoke for deploy keys: { deployKeys: [{ repo, title?, deliverTo: file:/path }] }; a matching deploy key is rotated (a new key added, its private key written to deliverTo) before it is deleted'),
});

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
}

async function appOf(s: z.infer<typeof githubSettings>, deps: ConnectorDeps, a: ArtifactHandle): Promise<OAuthApp> {
  const clientId = a.attributes.clientId;
  const app = s.oauthApps.find((x) => x.clientId === clientId);
  if (!app) {
    throw new SeverError('ERR_CONNECTOR_CONFIG', `${a.externalId}: the OAuth app ${clientId === undefined ? '(unknown: add --attribute clientId=<client_id>)' : String(clientId)} is not in settings.oauthApps, so its grant cannot be deleted or checked`, {
      details: { artifact: a.externalId, clientId: clientId ?? null },
    });
  }
  return { clientId: app.clientId, clientSecret: await deps.resolveSecret(app.clientSecretRef) };
}

async function enterpriseOf(s: z.infer<typeof githubSettings>, deps: ConnectorDeps, a: ArtifactHandle): Promise<{ slug: string; token: string }> {
  if (!s.enterprise) {
    throw new SeverError('ERR_CONNECTOR_CONFIG', `${a.externalId}: uninstalling a GitHub App from the org needs settings.enterprise (the owning enterprise and a GitHub App installed on it)`, { details: { artifact: a.externalId } });
  }
  return { slug: s.enterprise.slug, token: await deps.resolveSecret(s.enterprise.appTokenRef) };
}

export const githubModule: ConnectorModule<typeof githubSettings> = {
  manifest: githubManifest,
  settingsSchema: githubSettings,
  create(name, s, deps): Connector {
    const http = { fetch: deps.fetch, now: () => deps.clock.now(), name, timeoutMs: s.timeoutMs, baseUrl: s.baseUrl.replace(/\/$/, '') };
    const c = new GithubClient(http, s.org, () => deps.resolveSecret(s.tokenRef), () => deps.resolveSecret(s.fgPatTokenRef ?? s.tokenRef));
    const unknownKind = (a: ArtifactHandle) => new SeverError('ERR_INPUT_INVALID', `${name}: ${a.kind} is not an artifact kind of the github connector`, { details: { kind: a.kind } });
    const refuse = (a: ArtifactHandle) => {
      if (!a.revocable) {
        const fallback = typeof a.attributes.fallback === 'string' ? `: ${a.attributes.fallback}` : '';
        throw new SeverError('ERR_NOT_REVOCABLE', `${a.externalId} cannot be revoked selectively${fallback}`, { details: { artifact: a.externalId } });
      }
    };
    return {
      name, manifest: githubManifest,
      discover: (subject) => discoverGithub(c, subject, { repos: s.repos, enterprise: s.enterprise !== undefined, rotation: s.rotation }),
      async revoke(a) {
        refuse(a);
        if (a.kind === 'api-key') return revokeApiKey(c, a);
        if (a.kind === 'oauth-grant' && a.attributes.source === 'installation') return revokeInstallation(c, a, await enterpriseOf(s, deps, a));
        if (a.kind === 'oauth-grant') return revokeOAuthGrant(c, a, await appOf(s, deps, a));
        if (a.kind === 'ssh-public-key') return revokeSshKey(c, a);
        throw unknownKind(a);
      },
      async verify(a) {
        if (a.kind === 'api-key') return verifyApiKey(c, a);
        if (a.kind === 'oauth-grant' && a.attributes.source === 'installation') return verifyInstallation(c, a);
        if (a.kind === 'oauth-grant') return verifyOAuthGrant(c, a, await appOf(s, deps, a));
        if (a.kind === 'ssh-public-key') return verifySshKey(c, a);
        throw unknownKind(a);
      },
      rotate: (a) => rotateDeployKey(c, s.rotation, a),
      adoption: (a) => deployKeyAdoption(c, s.rotation, a),
    };
  },
};
