import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import type { GithubClient } from './client.ts';
import type { OAuthApp } from './index.ts';
import { AMEND_HINT, APP_TOKEN_CHECK, DEPLOY_KEY_RELIST, INSTALLATION_RELIST, ORG_RELIST, TOKEN_REPLAY } from './manifest.ts';

const verdict = (checks: VerifyCheck[], unavailable: VerifyObservation['unavailable'] = []): VerifyObservation => ({
  verdict: checks.some((x) => x.result === 'live') ? 'live' : 'dead', checks, ...(unavailable.length ? { unavailable } : {}),
});

/** Presents the token on GET /user: only a 401 is death (403 and others are not proof). */
async function replay(c: GithubClient, token: string): Promise<VerifyCheck> {
  const status = await c.replayToken(token);
  return { path: TOKEN_REPLAY, result: status === 401 ? 'dead' : 'live', observed: { status } };
}

async function ssoRelist(c: GithubClient, a: ArtifactHandle): Promise<VerifyCheck> {
  const id = Number(a.attributes.credentialId);
  const present = (await c.authorizations(String(a.attributes.login))).some((x) => x.credential_id === id);
  return { path: ORG_RELIST, result: present ? 'live' : 'dead', observed: { list: 'credential-authorizations', credentialId: id, present } };
}

export async function verifyApiKey(c: GithubClient, a: ArtifactHandle): Promise<VerifyObservation> {
  const checks: VerifyCheck[] = [];
  if (a.secret !== undefined) checks.push(await replay(c, a.secret));
  if (a.attributes.source === 'fg-pat') {
    const id = Number(a.attributes.patId);
    const present = (await c.fgPats(String(a.attributes.login))).some((g) => g.id === id);
    checks.push({ path: ORG_RELIST, result: present ? 'live' : 'dead', observed: { list: 'personal-access-tokens', patId: id, present } });
  } else if (a.attributes.source === 'sso-authorization') {
    checks.push(await ssoRelist(c, a));
  }
  if (checks.length === 0) throw new SeverError('ERR_VALUE_REQUIRED', `${a.externalId}: a leaked token is verified by presenting it, and its value is not held`, { details: { artifact: a.externalId } });
  return verdict(checks, a.secret === undefined ? [{ path: TOKEN_REPLAY, why: AMEND_HINT }] : []);
}

/**
 * A GitHub App installation, re-listed with the org owner's token (not the enterprise app that
 * uninstalls it): gone, or suspended (an owner's fallback in the settings UI), is dead. No
 * installation token is held, so there is nothing to replay.
 */
export async function verifyInstallation(c: GithubClient, a: ArtifactHandle): Promise<VerifyObservation> {
  const id = Number(a.attributes.installationId);
  const found = (await c.installations()).find((i) => i.id === id);
  const result = !found || found.suspended_at ? 'dead' : 'live';
  return verdict([{ path: INSTALLATION_RELIST, result, observed: { installationId: id, present: found !== undefined, suspendedAt: found?.suspended_at ?? null } }]);
}

export async function verifyOAuthGrant(c: GithubClient, a: ArtifactHandle, app: OAuthApp): Promise<VerifyObservation> {
  if (a.secret === undefined) throw new SeverError('ERR_VALUE_REQUIRED', `${a.externalId}: no token of the grant is held to present`, { details: { artifact: a.externalId } });
  const check = await c.checkAppToken(app, a.secret);
  return verdict([await replay(c, a.secret), { path: APP_TOKEN_CHECK, result: check === 404 ? 'dead' : 'live', observed: { status: check } }]);
}

export async function verifySshKey(c: GithubClient, a: ArtifactHandle): Promise<VerifyObservation> {
  if (a.attributes.source === 'deploy-key') {
    const status = await c.deployKeyStatus(String(a.attributes.repo), Number(a.attributes.keyId));
    return verdict([{ path: DEPLOY_KEY_RELIST, result: status === 404 ? 'dead' : 'live', observed: { repo: a.attributes.repo, keyId: a.attributes.keyId, status } }]);
  }
  return verdict([await ssoRelist(c, a)]);
}
