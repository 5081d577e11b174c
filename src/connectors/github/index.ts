/**
 * The `github` connector: one organization on github.com or GHEC (by `baseUrl`), through
 * `@octokit/rest`. The subject is a GitHub login.
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
import { revokeApiKey, revokeOAuthGrant, revokeSshKey } from './revoke.ts';
import { verifyApiKey, verifyOAuthGrant, verifySshKey } from './verify.ts';

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

export const githubModule: ConnectorModule<typeof githubSettings> = {
  manifest: githubManifest,
  settingsSchema: githubSettings,
  create(name, s, deps): Connector {
    const http = { fetch: deps.fetch, now: () => deps.clock.now(), name, timeoutMs: s.timeoutMs, baseUrl: s.baseUrl.replace(/\/$/, '') };
    const c = new GithubClient(http, s.org, () => deps.resolveSecret(s.tokenRef), () => deps.resolveSecret(s.fgPatTokenRef ?? s.tokenRef));
    const unknownKind = (a: ArtifactHandle) => new SeverError('ERR_INPUT_INVALID', `${name}: ${a.kind} is not an artifact kind of the github connector`, { details: { kind: a.kind } });
    const refuse = (a: ArtifactHandle) => {
      if (!a.revocable) throw new SeverError('ERR_NOT_REVOCABLE', `${a.externalId} cannot be revoked selectively`, { details: { artifact: a.externalId } });
    };
    return {
      name, manifest: githubManifest,
      discover: (subject) => discoverGithub(c, subject, s.repos),
      async revoke(a) {
        refuse(a);
        if (a.kind === 'api-key') return revokeApiKey(c, a);
        if (a.kind === 'oauth-grant') return revokeOAuthGrant(c, a, await appOf(s, deps, a));
        if (a.kind === 'ssh-public-key') return revokeSshKey(c, a);
        throw unknownKind(a);
      },
      async verify(a) {
        if (a.kind === 'api-key') return verifyApiKey(c, a);
        if (a.kind === 'oauth-grant') return verifyOAuthGrant(c, a, await appOf(s, deps, a));
        if (a.kind === 'ssh-public-key') return verifySshKey(c, a);
        throw unknownKind(a);
      },
    };
  },
};
