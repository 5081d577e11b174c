import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { GithubClient } from './client.ts';
import type { OAuthApp } from './index.ts';
import { DELETE_GRANT, REMOVE_KEY, REVOKE_API_KEY } from './manifest.ts';

const acted = (s: number) => s >= 200 && s < 300;

/**
 * An api-key: a held value goes to POST /credentials/revoke (unless GET /user already refuses it),
 * which kills the token everywhere but only acknowledges (202: `accepted`); an org-listed one also
 * loses its org access at once (fine-grained PAT revoke, or SSO authorization removal).
 */
export async function revokeApiKey(c: GithubClient, a: ArtifactHandle): Promise<RevokeOutcome> {
  const request: Record<string, unknown> = {};
  const response: Record<string, number> = {};
  if (a.secret !== undefined) {
    const replay = await c.replayToken(a.secret);
    response.replayBefore = replay;
    if (replay !== 401) {
      request.credentialsRevoke = { credentials: 1 };
      response.credentialsRevoke = await c.revokeCredentials([a.secret]);
    }
  }
  if (a.attributes.source === 'fg-pat') {
    request.fgPatRevoke = { patId: a.attributes.patId, action: 'revoke' };
    response.fgPatRevoke = await c.revokeFgPat(Number(a.attributes.patId));
  } else if (a.attributes.source === 'sso-authorization') {
    request.ssoRemove = { credentialId: a.attributes.credentialId };
    response.ssoRemove = await c.removeAuthorization(Number(a.attributes.credentialId));
  } else if (a.secret === undefined) {
    throw new SeverError('ERR_VALUE_REQUIRED', `${a.externalId}: a leaked token is revoked through its value, and the value is not held`, { details: { artifact: a.externalId } });
  }
  const orgCut = [response.fgPatRevoke, response.ssoRemove].some((s) => s !== undefined && acted(s));
  const queued = response.credentialsRevoke !== undefined && acted(response.credentialsRevoke);
  const status = orgCut ? 'revoked' : queued ? 'accepted' : 'already_revoked';
  return { status, method: REVOKE_API_KEY, request, response: { body: response } };
}

/** An OAuth grant: DELETE /applications/{client_id}/grant with the app's credentials and a token of the grant. */
/**
 * A GitHub App's installation on the org, uninstalled through the enterprise that owns the org (the
 * only REST caller GitHub accepts besides the app itself).
 */
export async function revokeInstallation(c: GithubClient, a: ArtifactHandle, enterprise: { slug: string; token: string }): Promise<RevokeOutcome> {
  const installationId = Number(a.attributes.installationId);
  const status = await c.uninstall(enterprise.slug, enterprise.token, installationId);
  return { status: status === 404 ? 'already_revoked' : 'revoked', method: DELETE_GRANT, request: { enterprise: enterprise.slug, installationId, appSlug: a.attributes.appSlug ?? null }, response: { status } };
}

export async function revokeOAuthGrant(c: GithubClient, a: ArtifactHandle, app: OAuthApp): Promise<RevokeOutcome> {
  if (a.secret === undefined) throw new SeverError('ERR_VALUE_REQUIRED', `${a.externalId}: GitHub deletes a grant only given one of its tokens, and none is held`, { details: { artifact: a.externalId } });
  const status = await c.deleteGrant(app, a.secret);
  return { status: status === 404 ? 'already_revoked' : 'revoked', method: DELETE_GRANT, request: { clientId: app.clientId }, response: { status } };
}

/** An SSH key: its SSO authorization removed, or the deploy key deleted. */
export async function revokeSshKey(c: GithubClient, a: ArtifactHandle): Promise<RevokeOutcome> {
  let status: number;
  let request: Record<string, unknown>;
  if (a.attributes.source === 'deploy-key') {
    request = { repo: a.attributes.repo, keyId: a.attributes.keyId };
    status = await c.deleteDeployKey(String(a.attributes.repo), Number(a.attributes.keyId));
  } else if (a.attributes.source === 'sso-authorization') {
    request = { credentialId: a.attributes.credentialId };
    status = await c.removeAuthorization(Number(a.attributes.credentialId));
  } else {
    throw new SeverError('ERR_INPUT_INVALID', `${a.externalId}: an SSH key needs attributes source=deploy-key (repo, keyId) or source=sso-authorization (credentialId)`, { details: { artifact: a.externalId } });
  }
  return { status: status === 404 ? 'already_revoked' : 'revoked', method: REMOVE_KEY, request, response: { status } };
}
