/**
 * How to point the slack connector at a real Slack Enterprise Grid org (rendered on
 * docs/connectors/slack.md): an org-level app's user token, installed by an Org Owner or Admin,
 * with the scopes of Slack's method reference.
 */
import type { RealService } from '../contract.ts';

export const slackRealService: RealService = {
  baseUrls: [
    '`slackApiUrl`: `https://slack.com/api/` (the default) for every method Sever calls.',
    '`auditApiUrl`: `https://api.slack.com/audit/v1/` (the default) for the Audit Logs API, read only for integration subjects (a compromised app).',
  ],
  credential: [
    'Create a Slack app for Sever, and under OAuth & Permissions add the **user token scopes** of the table below (the admin.* scopes exist only on user tokens).',
    'Under Manage Distribution, complete the checks Slack asks for: an app with admin.* scopes must be installable on the whole org through the OAuth v2 flow.',
    'An **Org Owner or Org Admin** of the Enterprise Grid org installs the app on the entire org, not on one workspace. Use a dedicated admin account, not a person who may become a subject: the resulting user token (`xoxp-`) acts as that admin.',
    'Put the user token in an environment variable or a file named by `tokenRef`. It is resolved once per connector instance, so leave token rotation off for this app (rotating tokens expire after 12 hours and Sever does not refresh them).',
    'Leaked user and bot tokens need nothing more: `auth.revoke` and `auth.test` are called with the leaked token itself.',
    'For integration subjects (a compromised third-party app), add the user token scopes `admin.apps:write` and `auditlogs:read`. The Audit Logs API takes only an **Org Owner**\'s token: when the app above was installed by an Org Admin, install it (or a second app with `auditlogs:read` only) as an Org Owner too and name that token with `auditTokenRef`.',
  ],
  leastPrivilege: [
    { permission: 'admin.users:read', usedFor: '`admin.users.session.list` for the user on each workspace (discover and re-list)' },
    { permission: 'admin.users:write', usedFor: '`admin.users.session.invalidate` (one session), `admin.users.session.reset` (all of the user\'s sessions) and `admin.users.session.resetBulk`' },
    { permission: 'users:read', usedFor: '`users.info`: the subject and the workspaces it belongs to; `bots.info`: the bot of an app\'s installation, re-read to prove the uninstall (integration subjects)' },
    { permission: 'admin.apps:write', usedFor: '`admin.apps.uninstall` of a compromised app from one workspace (integration subjects)' },
    { permission: 'auditlogs:read', usedFor: 'the Audit Logs API (`app_installed`, `app_uninstalled`): an app\'s installations and the users who authorized it (integration subjects); an Org Owner\'s token, `auditTokenRef` when `tokenRef` is an Org Admin\'s' },
    { permission: 'users:read.email', usedFor: '`users.lookupByEmail`: the subject by its email handle' },
    { permission: 'none beyond the token itself', usedFor: '`auth.revoke` and `auth.test` (the replay) with the leaked token' },
  ],
  example: `connectors:
  slack:corp:
    settings:
      tokenRef: file:/run/secrets/slack-sever-user-token   # xoxp- token of the org-level install
      teamIds: [T0123ABCD, T0456EFGH]                      # optional: workspaces searched besides the user's own
      auditTokenRef: file:/run/secrets/slack-owner-audit-token   # optional: an Org Owner's token with auditlogs:read (integration subjects)
      # slackApiUrl defaults to https://slack.com/api/`,
  notes: [
    'Enterprise Grid only: elsewhere the admin.* methods answer `feature_not_enabled` (ERR_PROVIDER_REJECTED).',
    'Only the primary owner can end the primary owner\'s sessions; Sever discovers them as non-revocable.',
    'admin.users.session.* are Tier 2 (about 20 calls a minute per method): the manifest\'s budget stays at 15 a minute for the whole instance.',
    'Tested only against the lab simulator, whose answers are typed with `@slack/web-api`\'s own response types.',
  ],
};
