/**
 * How to point the github connector at a real GitHub organization (rendered on
 * docs/connectors/github.md): an org owner's classic token for the SAML credential authorizations
 * and deploy keys, and a GitHub App installation token for the org's fine-grained PAT API, which
 * accepts GitHub Apps only. Requirements are those of GitHub's own description (`@octokit/openapi`).
 */
import type { RealService } from '../contract.ts';

export const githubRealService: RealService = {
  baseUrls: [
    '`baseUrl`: `https://api.github.com` (the default) for github.com and GitHub Enterprise Cloud; `https://api.{subdomain}.ghe.com` for GitHub Enterprise Cloud with data residency.',
    'GitHub Enterprise Server (`https://{host}/api/v3`) is not covered: the connector is built and tested against the github.com description only.',
  ],
  credential: [
    '`tokenRef`: a personal access token (classic) of an **organization owner**, with the scopes `admin:org` and `repo`. Use a dedicated machine account that is an owner, not a person who may become a subject, and authorize the token for the organization\'s SAML single sign-on ("Configure SSO" on the token), or the org refuses it.',
    '`fgPatTokenRef`: a GitHub App owned by the organization with the organization permission **"Personal access tokens": Read and write** and nothing else, installed on the organization. Its installation access tokens last one hour: a refresher mints one from the app\'s private key and rewrites the file `fgPatTokenRef` names (Sever re-reads both token references on every call).',
    '`oauthApps`: for each OAuth app whose grants Sever may delete, its client id and a client secret by reference (from the app\'s settings page, owned by the organization).',
    '`enterprise` (optional, to uninstall a GitHub App from the org): a GitHub App installed on the enterprise that owns the org, with the enterprise permission **"Enterprise organization installations": Read and write**; its installation token, refreshed like the one above, goes to `enterprise.appTokenRef`, and the enterprise\'s slug to `enterprise.slug`.',
    'Leaked token values need nothing more: they are revoked through `POST /credentials/revoke`, which takes no authentication.',
  ],
  leastPrivilege: [
    { permission: 'admin:org', usedFor: 'list the organization\'s SAML SSO credential authorizations for the subject (PATs classic, OAuth and GitHub App tokens, SSH keys; `read:org` would do for listing) and remove them (`DELETE /orgs/{org}/credential-authorizations/{id}`); the token must belong to an org owner' },
    { permission: 'repo', usedFor: 'list the org\'s repositories and their deploy keys, read one back, and remove a deploy key the subject added (repository "Administration: write" for a fine-grained token or app)' },
    { permission: 'Personal access tokens: write', usedFor: 'list the fine-grained PATs with access to the org (`GET /orgs/{org}/personal-access-tokens`) and revoke a token\'s org access (`POST /orgs/{org}/personal-access-tokens/{pat_id}`); GitHub Apps only' },
    { permission: 'the OAuth app\'s client id and client secret', usedFor: 'Basic auth for `DELETE /applications/{client_id}/grant` and for checking a token of the grant (`POST /applications/{client_id}/token`)' },
    { permission: 'org owner token to list the org\'s app installations', usedFor: 'integration subjects: `GET /orgs/{org}/installations`, the app\'s installation on the org, and its re-list (GitHub\'s description asks a classic token for `admin:read`; not verified against a real org)' },
    { permission: 'to uninstall a GitHub App', usedFor: 'a GitHub App installed on the enterprise that owns the org, with "Enterprise organization installations: write" (`settings.enterprise.appTokenRef`): the only caller GitHub accepts for `DELETE /enterprises/{enterprise}/apps/organizations/{org}/installations/{installation_id}`; without it an installation is discovered as not revocable' },
    { permission: 'rotation: write access to the file each rotated deploy key\'s workload reads its key from', usedFor: 'rotation only: Sever writes the new deploy key\'s private key there (`settings.rotation.deployKeys[].deliverTo`, mode 0600); adding the key (`POST /repos/{owner}/{repo}/keys`) and reading its `last_used` are covered by `repo`' },
    { permission: 'none for POST /credentials/revoke', usedFor: 'revoking a held token value everywhere (202, applied later; 60 unauthenticated requests an hour, outside the manifest\'s budget); the replay `GET /user` uses the leaked token itself' },
  ],
  example: `connectors:
  github:corp:
    settings:
      org: acme
      tokenRef: file:/run/secrets/github-owner-token       # classic PAT of an org owner: admin:org, repo; SSO-authorized
      fgPatTokenRef: file:/run/secrets/github-app-token     # installation token of the org's GitHub App, refreshed hourly
      oauthApps:
        - { clientId: Iv1.0123456789abcdef, clientSecretRef: env:GITHUB_OAUTH_APP_SECRET }
      repos: [deploy-tools, billing]                        # optional: where to look for deploy keys (default: every repository)
      enterprise:                                           # optional: lets Sever uninstall a GitHub App from the org
        slug: acme-corp
        appTokenRef: file:/run/secrets/github-enterprise-app-token
      rotation:                                             # optional: rotate-then-revoke of deploy keys
        deployKeys:
          - { repo: billing, title: billing-deploy, deliverTo: file:/etc/billing/deploy-key }
      # baseUrl defaults to https://api.github.com`,
  notes: [
    'SAML credential authorizations exist only for organizations on GitHub Enterprise Cloud with SAML single sign-on; elsewhere there is nothing to list, and only fine-grained PATs, deploy keys and tokens given by value are contained.',
    'The owner\'s classic token is the most powerful credential here (`admin:org` and `repo` on every repository): keep it in a file only Sever reads, with an expiry, and rotate it. GitHub describes the credential-authorization endpoints as open to GitHub Apps too, but the app permission they need is not verified here, so the classic token stays.',
    'With rotation, the new deploy keys are created with `tokenRef`, and GitHub deletes a deploy key when the personal access token that created it is revoked (see the residue above): retiring the owner\'s classic token later removes the rotated keys with it.',
    'Sever does not mint GitHub App installation tokens itself (no app JWT flow): without a refresher, `fgPatTokenRef` goes stale within the hour.',
    'Without `fgPatTokenRef` Sever sends `tokenRef` to the fine-grained PAT API, which refuses anything but a GitHub App token: set it whenever fine-grained PATs matter.',
    'Tested only against the lab simulator, which validates requests and responses against GitHub\'s own description.',
  ],
};
