import type { ConnectorManifest } from '../contract.ts';
import { relist, replay, selfReport } from '../shared/strength.ts';

export const REVOKE_API_KEY =
  'github:revoke the token (POST /credentials/revoke when its value is held; and the org cut-off: POST /orgs/{org}/personal-access-tokens/{pat_id} action=revoke, or DELETE /orgs/{org}/credential-authorizations/{credential_id})';
export const DELETE_GRANT = 'DELETE /applications/{client_id}/grant';
export const REMOVE_KEY = 'github:remove the key (DELETE /orgs/{org}/credential-authorizations/{credential_id} for an SSO-authorized key, DELETE /repos/{owner}/{repo}/keys/{key_id} for a deploy key)';
export const TOKEN_REPLAY = 'token-replay:GET /user with the token';
export const ORG_RELIST = 'org-relist';
export const APP_TOKEN_CHECK = 'app-token-check:POST /applications/{client_id}/token';
export const DEPLOY_KEY_RELIST = 'deploy-key-relist:GET /repos/{owner}/{repo}/keys/{key_id}';

/** How to give Sever a token's value, for the `unavailable` replay. */
export const AMEND_HINT = 'the token\'s value is not held, so it cannot be presented: give it with `incident amend <incident> --artifact <artifactId> --value-file <file>` (Sever then also revokes it everywhere through POST /credentials/revoke)';

export const githubManifest: ConnectorManifest = {
  kind: 'github',
  version: 1,
  title: 'GitHub organization credentials (PATs, SSO authorizations, OAuth grants, SSH and deploy keys)',
  description:
    'For a GitHub login (the subject) in one organization (github.com or GHEC, by baseUrl): finds the fine-grained PATs with access to the org, the tokens and SSH keys authorized for its SAML SSO, and the deploy keys the subject added to its repositories; takes leaked tokens and OAuth grants given by hand. Revokes each (a held token value through POST /credentials/revoke, which answers 202 and applies later; org access through the org APIs; an OAuth grant with the app\'s own credentials) and proves it by presenting the token on GET /user (401) or by re-listing the org.',
  artifacts: [
    {
      kind: 'api-key',
      discover: 'GET /orgs/{org}/personal-access-tokens (fine-grained PATs whose owner is the subject) + GET /orgs/{org}/credential-authorizations?login={subject} (PATs classic, OAuth and GitHub App tokens authorized for SAML SSO); leaked tokens from `incident add-artifact --kind api-key --value-file <token>`',
      revoke: { method: REVOKE_API_KEY, selective: true },
      verify: [replay(TOKEN_REPLAY), relist(ORG_RELIST)],
      permissions: [
        'org owner token with admin:org (SAML credential authorizations, GHEC)',
        'GitHub App installation token with the organization permission "Personal access tokens: write" (the org fine-grained PAT API is GitHub-App only; settings.fgPatTokenRef)',
        'none for POST /credentials/revoke (unauthenticated, its own budget of 60 requests per hour)',
      ],
      residue: [
        {
          what: 'revoking a fine-grained PAT\'s org access leaves SSH keys the token created working, lets the token still read public resources, and leaves it valid for the user\'s own resources (H5)',
          compensatingAction: 'give the token\'s value (`incident amend … --value-file`) so Sever revokes it everywhere through POST /credentials/revoke; remove the keys it created (ssh-public-key artifacts)',
        },
        {
          what: 'a PAT classic cannot be revoked by org owners (unless the org restricts classic PATs): removing its SSO authorization only cuts off the org\'s SAML-protected resources',
          compensatingAction: 'revoke its value through POST /credentials/revoke, restrict classic PATs in the org policy, or have the user delete it',
        },
        {
          what: 'POST /credentials/revoke answers 202 and applies later, on an unauthenticated budget of 60 requests per hour (≤1,000 tokens each) outside limits.rate',
          compensatingAction: 'the 202 counts for nothing: verification replays the token until GET /user answers 401; a large incident batches values or waits for the hourly budget (the engine retries on ERR_PROVIDER_RATE_LIMITED)',
        },
      ],
      expectedDeadByMs: 60_000,
    },
    {
      kind: 'oauth-grant',
      discover: 'none: GitHub lists no user\'s OAuth grants to an org owner; give one with `incident add-artifact --kind oauth-grant --value-file <a token of the grant> --attribute clientId=<client_id>` (the app in settings.oauthApps)',
      revoke: { method: DELETE_GRANT, selective: true },
      verify: [replay(TOKEN_REPLAY), selfReport(APP_TOKEN_CHECK)],
      permissions: ['the OAuth app\'s client id and client secret (Basic auth), by reference in settings.oauthApps'],
      residue: [
        {
          what: 'the subject\'s grants to other OAuth apps and GitHub Apps (user-to-server ghu_/ghr_ tokens) are untouched',
          compensatingAction: 'revoke their tokens through POST /credentials/revoke (api-key artifacts with the value) or with each app\'s own credentials',
        },
      ],
      expectedDeadByMs: 10_000,
    },
    {
      kind: 'ssh-public-key',
      discover: 'GET /orgs/{org}/credential-authorizations?login={subject} (SSH keys authorized for SAML SSO) + GET /repos/{org}/{repo}/keys for each repository of GET /orgs/{org}/repos (deploy keys whose added_by is the subject)',
      revoke: { method: REMOVE_KEY, selective: true },
      verify: [relist(ORG_RELIST), relist(DEPLOY_KEY_RELIST)],
      permissions: ['org owner token with admin:org (SAML credential authorizations)', 'repository Administration: write on the org\'s repositories (deploy keys), or the repo scope of an org owner'],
      residue: [
        {
          what: 'removing an SSO authorization leaves the key on the user\'s account (GET /users/{username}/keys still lists it): it works on the user\'s own repositories and on orgs without SAML enforcement, and can be authorized again',
          compensatingAction: 'the user (or the enterprise, for managed users) deletes the key; suspend the account if the user is the attacker',
        },
        {
          what: 'Sever never holds the private key, so no path can present it; clones and forks made with a deploy key survive its removal',
          compensatingAction: 'accept relist proof (the org no longer trusts the key); rotate secrets the repository held',
        },
      ],
      expectedDeadByMs: 5_000,
    },
  ],
  limits: { concurrency: 4, rate: { limit: 4_000, windowMs: 3_600_000 } },
  verifyPolicy: { pollIntervalMs: 5_000, deadlineMs: 900_000 },
};
