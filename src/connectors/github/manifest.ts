import type { ConnectorManifest } from '../contract.ts';
import { relist, replay, selfReport } from '../shared/strength.ts';
import { githubRealService } from './real-service.ts';

export const REVOKE_API_KEY =
  'github:revoke the token (POST /credentials/revoke when its value is held; and the org cut-off: POST /orgs/{org}/personal-access-tokens/{pat_id} action=revoke, or DELETE /orgs/{org}/credential-authorizations/{credential_id})';
export const DELETE_GRANT =
  'github:remove the grant (DELETE /applications/{client_id}/grant with a held token of an OAuth grant; DELETE /enterprises/{enterprise}/apps/organizations/{org}/installations/{installation_id} for a GitHub App installation)';
export const REMOVE_KEY = 'github:remove the key (DELETE /orgs/{org}/credential-authorizations/{credential_id} for an SSO-authorized key, DELETE /repos/{owner}/{repo}/keys/{key_id} for a deploy key)';
export const TOKEN_REPLAY = 'token-replay:GET /user with the token';
export const ORG_RELIST = 'org-relist';
export const APP_TOKEN_CHECK = 'app-token-check:POST /applications/{client_id}/token';
export const DEPLOY_KEY_RELIST = 'deploy-key-relist:GET /repos/{owner}/{repo}/keys/{key_id}';
export const INSTALLATION_RELIST = 'installation-relist:GET /orgs/{org}/installations';
export const ROTATE_DEPLOY_KEY =
  'github:POST /repos/{owner}/{repo}/keys (a new Ed25519 deploy key, same read_only, titled "<old title> (rotated by sever <old key id>)"), its OpenSSH private key written to rotation.deployKeys[].deliverTo (mode 0600)';
export const DEPLOY_KEY_LAST_USED = 'deploy-key-last-used:GET /repos/{owner}/{repo}/keys (last_used of the new key set)';

/** What an org owner does when no REST path takes their credential to remove a GitHub App installation. */
export const INSTALLATION_FALLBACK =
  'an org owner suspends or uninstalls the app in the org settings (Settings → GitHub Apps → Configure → Suspend / Uninstall), then `incident verify` re-lists the installations; or configure settings.enterprise so Sever uninstalls it';

/** How to give Sever a token's value, for the `unavailable` replay. */
export const AMEND_HINT = 'the token\'s value is not held, so it cannot be presented: give it with `incident amend <incident> --artifact <artifactId> --value-file <file>` (Sever then also revokes it everywhere through POST /credentials/revoke)';

export const githubManifest: ConnectorManifest = {
  kind: 'github',
  version: 1,
  title: 'GitHub organization credentials (PATs, SSO authorizations, OAuth grants, app installations, SSH and deploy keys)',
  description:
    'For a GitHub login (the subject) in one organization (github.com or GHEC, by baseUrl): finds the fine-grained PATs with access to the org, the tokens and SSH keys authorized for its SAML SSO, and the deploy keys the subject added to its repositories; takes leaked tokens and OAuth grants given by hand. Revokes each (a held token value through POST /credentials/revoke, which answers 202 and applies later; org access through the org APIs; an OAuth grant with the app\'s own credentials) and proves it by presenting the token on GET /user (401) or by re-listing the org. For an `integration` subject (an OAuth app\'s client_id, or a GitHub App\'s slug, app id or client_id) it finds the app\'s installation on the org and the app\'s tokens every member authorized for SAML SSO, each naming the member it acts for (attributes.actsFor). With settings.rotation, a deploy key a workload uses is rotated first: a new key is added and delivered, and the old one is deleted once GitHub records a use of the new one.',
  subjectTypes: ['human', 'service-account', 'workload', 'ai-agent', 'integration'],
  artifacts: [
    {
      kind: 'api-key',
      discover: 'GET /orgs/{org}/personal-access-tokens (fine-grained PATs whose owner is the subject) + GET /orgs/{org}/credential-authorizations?login={subject} (PATs classic, OAuth and GitHub App tokens authorized for SAML SSO); leaked tokens from `incident add-artifact --kind api-key --value-file <token>`. For an integration subject: GET /orgs/{org}/credential-authorizations of every member, the OAuth app and GitHub App tokens whose authorized_credential_note names the app (its id, the subject handle, or its installation\'s slug, app id or client_id), each acting for its member',
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
          what: 'integration subject: GitHub\'s description names no app on a credential authorization (no client_id, no app id), so an app\'s tokens are told apart only by authorized_credential_note, which the description defines as "the note given to the token"; a token of the app whose note does not name it is not found, and one of another app with the same name would be',
          compensatingAction: 'POST /orgs/{org}/credential-authorizations/revoke-credential-type with credential_type=oauth_app_token removes every member\'s OAuth app token authorizations, of every app (members authorize again the apps they still trust); ask the members named in actsFor to revoke the app in their settings',
        },
        {
          what: 'integration subject: removing a token\'s SSO authorization cuts it off from the org\'s SAML-protected resources only: the app keeps the token for the member\'s own and public resources, and the member can authorize it again; GitHub\'s credential-types reference also says org owners cannot revoke SSO authorization of individual OAuth app tokens (the REST description documents the DELETE for them: a refusal fails as ERR_PROVIDER_REJECTED)',
          compensatingAction: 'give a held token (`incident amend … --value-file`): Sever then revokes it everywhere through POST /credentials/revoke and replays it; the app\'s owner deletes its grants (DELETE /applications/{client_id}/grant); or the org-wide revoke-credential-type above',
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
      discover: 'a user\'s OAuth grants: none, GitHub lists no user\'s OAuth grants to an org owner; give one with `incident add-artifact --kind oauth-grant --value-file <a token of the grant> --attribute clientId=<client_id>` (the app in settings.oauthApps). For an integration subject: GET /orgs/{org}/installations, the installation whose app_slug, app_id or client_id is the subject id (it acts for the org)',
      revoke: { method: DELETE_GRANT, selective: true },
      verify: [replay(TOKEN_REPLAY), selfReport(APP_TOKEN_CHECK), relist(INSTALLATION_RELIST)],
      permissions: [
        'the OAuth app\'s client id and client secret (Basic auth), by reference in settings.oauthApps',
        'org owner token to list the org\'s app installations (GitHub\'s description of GET /orgs/{org}/installations asks a classic token for the admin:read scope)',
        'to uninstall a GitHub App: a GitHub App installed on the enterprise that owns the org, allowed to manage its organizations\' installations (settings.enterprise.appTokenRef); GitHub accepts no other caller for DELETE /enterprises/{enterprise}/apps/organizations/{org}/installations/{installation_id}',
      ],
      residue: [
        {
          what: 'the subject\'s grants to other OAuth apps and GitHub Apps (user-to-server ghu_/ghr_ tokens) are untouched',
          compensatingAction: 'revoke their tokens through POST /credentials/revoke (api-key artifacts with the value) or with each app\'s own credentials',
        },
        {
          what: 'an org owner\'s credential cannot remove or suspend a GitHub App installation through the REST API (DELETE /app/installations/{installation_id} and PUT …/suspended take only the app\'s own JWT): without settings.enterprise the installation is discovered as not revocable',
          compensatingAction: INSTALLATION_FALLBACK,
        },
        {
          what: 'uninstalling a GitHub App does not delete the deploy keys it created with its installation tokens, nor what it already cloned; an OAuth app has no installation, and the org\'s OAuth app access policy (deny a previously approved app) has no REST API',
          compensatingAction: 'list the org\'s deploy keys whose added_by is the app\'s bot and remove them; an org owner denies the OAuth app in Settings → Third-party access',
        },
      ],
      expectedDeadByMs: 10_000,
    },
    {
      kind: 'ssh-public-key',
      discover: 'GET /orgs/{org}/credential-authorizations?login={subject} (SSH keys authorized for SAML SSO) + GET /repos/{org}/{repo}/keys for each repository of GET /orgs/{org}/repos (deploy keys whose added_by is the subject)',
      revoke: { method: REMOVE_KEY, selective: true },
      rotate: { method: ROTATE_DEPLOY_KEY, adoption: DEPLOY_KEY_LAST_USED },
      verify: [relist(ORG_RELIST), relist(DEPLOY_KEY_RELIST)],
      permissions: [
        'org owner token with admin:org (SAML credential authorizations)',
        'repository Administration: write on the org\'s repositories (deploy keys), or the repo scope of an org owner',
        'rotation: write access to the file each rotated deploy key\'s workload reads its key from (settings.rotation.deployKeys[].deliverTo)',
      ],
      residue: [
        {
          what: 'removing an SSO authorization leaves the key on the user\'s account (GET /users/{username}/keys still lists it): it works on the user\'s own repositories and on orgs without SAML enforcement, and can be authorized again',
          compensatingAction: 'the user (or the enterprise, for managed users) deletes the key; suspend the account if the user is the attacker',
        },
        {
          what: 'Sever never holds the private key, so no path can present it; clones and forks made with a deploy key survive its removal',
          compensatingAction: 'accept relist proof (the org no longer trusts the key); rotate secrets the repository held',
        },
        {
          what: 'rotation: adoption is seen through the new key\'s last_used, the only per-key use record GitHub\'s REST API gives for deploy keys; it says the key authenticated a Git operation, not which workload did, GitHub may record it some time after the fetch, and one use is taken as adoption (a second workload reading another copy of the old key is not seen)',
          compensatingAction: 'have every workload that uses the key read the one file its settings.rotation.deployKeys entry delivers to (one target per key; a target that fits several of the subject\'s keys rotates none); the adoption deadline (adoptionPolicy) leaves time for GitHub to record the use; the org audit log (git events, GET /orgs/{org}/audit-log?include=git) can confirm by hand',
        },
        {
          what: 'rotation: the new deploy key is created with Sever\'s own token, and GitHub deletes a deploy key when the personal access token or OAuth app token that created it is deleted or revoked',
          compensatingAction: 'give tokenRef a GitHub App installation token (deploy keys it creates survive the app\'s removal), or re-create the key under the workload\'s owner before Sever\'s token is retired',
        },
      ],
      expectedDeadByMs: 5_000,
    },
  ],
  limits: { concurrency: 4, rate: { limit: 4_000, windowMs: 3_600_000 } },
  verifyPolicy: { pollIntervalMs: 5_000, deadlineMs: 900_000 },
  realService: githubRealService,
  // A workload fetches on its own schedule, and GitHub records last_used after the fact.
  adoptionPolicy: { pollIntervalMs: 15_000, deadlineMs: 60 * 60_000 },
};
