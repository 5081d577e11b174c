/**
 * What the slack connector discovers, revokes and verifies on an Enterprise Grid org, the scopes
 * each needs (from Slack's method reference: admin.users.session.* are Enterprise-only and need an
 * org admin's user token), and what survives each revocation.
 */
import type { ConnectorManifest, Residue } from '../contract.ts';
import { relist, replay, selfReport } from '../shared/strength.ts';
import { slackRealService } from './real-service.ts';

export const RELIST_SESSIONS = 'admin-relist:admin.users.session.list';
export const TOKEN_REPLAY = 'token-replay:auth.test';

export const INVALIDATE = 'admin-api:admin.users.session.invalidate';
export const RESET = 'admin-api:admin.users.session.reset';
export const AUTH_REVOKE = 'token-api:auth.revoke';

export const UNINSTALL = 'admin-api:admin.apps.uninstall';
export const RELIST_BOT = "admin-relist:bots.info (the installation's bot)";
export const AUDIT_UNINSTALLED = 'audit-log:app_uninstalled';

const LIST = 'admin.users:read (admin.users.session.list, Tier 2)';
const WRITE = 'admin.users:write (admin.users.session.invalidate / reset / resetBulk, Tier 2; the token of an Org Owner or Org Admin)';
const READ_USERS = 'users:read and users:read.email (users.info, users.lookupByEmail: the subject and its workspaces)';

const APP_TOKENS: Residue = {
  what: "user tokens (xoxp) and bot tokens (xoxb) of apps the user installed survive the end of the user's sessions",
  compensatingAction: 'add each leaked token as an api-key artifact (`incident add-artifact --kind api-key --value-file`), or uninstall the app (admin.apps.uninstall)',
};
const SIGN_IN_AGAIN: Residue = {
  what: 'whoever still holds the password or the SSO session can sign in to Slack again and get a new session',
  compensatingAction: "contain the identity provider first (the SSO session and password), or deactivate the user through SCIM",
};
const PRIMARY_OWNER: Residue = {
  what: "the org's primary owner's sessions can be ended only by the primary owner (cannot_invalidate_primary_owner / cannot_reset_primary_owner); such sessions are discovered as non-revocable",
  compensatingAction: 'the primary owner signs out everywhere themself, or Sever runs with the primary owner\'s token for this incident',
};
const AMEND = 'give the stolen token (xoxc / xoxs / xoxp) with `incident amend <incident> --artifact <artifactId> --value-file <file>`';

export const slackManifest: ConnectorManifest = {
  kind: 'slack',
  version: 1,
  title: 'Slack Enterprise Grid (Web API admin methods through @slack/web-api)',
  description:
    "Discovers a Slack user's web and mobile sessions on every workspace of the org (admin.users.session.list); ends one session (admin.users.session.invalidate) or all of them (admin.users.session.reset); revokes a leaked user or bot token with itself (auth.revoke); proves each dead by re-listing the sessions and by presenting the stolen token to auth.test. For a compromised third-party app (an integration subject, its app id A…): its installations per workspace and the users who authorized it, found in the org's audit log (Slack lists no app tokens to an admin), each naming whom it acts for; ended by uninstalling the app from the workspace (admin.apps.uninstall), proved by re-reading its bot (bots.info) and by replaying a leaked token of the app. Enterprise Grid only.",
  subjectTypes: ['human', 'service-account', 'workload', 'ai-agent', 'integration'],
  artifacts: [
    {
      kind: 'app-session',
      discover: 'users.info (or users.lookupByEmail) for the workspaces, then admin.users.session.list (team_id + user_id, cursor pages) on each: one artifact per session; Slack never returns session tokens (give one with `incident amend --value-file` for the replay)',
      revoke: { method: INVALIDATE, selective: true },
      verify: [relist(RELIST_SESSIONS), replay(TOKEN_REPLAY)],
      permissions: [LIST, WRITE, READ_USERS],
      residue: [APP_TOKENS, SIGN_IN_AGAIN, PRIMARY_OWNER],
      expectedDeadByMs: 30_000,
    },
    {
      kind: 'idp-session',
      discover: "one artifact per user holding all of the user's listed sessions (admin.users.session.list on each workspace)",
      revoke: {
        method: RESET,
        selective: false,
        fallback: "admin.users.session.reset ends every web and mobile session of the user at once (the user signs in again everywhere); app-session artifacts end one session each when that is enough. For many users, admin.users.session.resetBulk (≤1,000 users, an asynchronous job whose ok proves nothing) then a re-list per user",
      },
      verify: [relist(RELIST_SESSIONS), replay(TOKEN_REPLAY)],
      permissions: [LIST, WRITE, READ_USERS],
      residue: [
        APP_TOKENS, SIGN_IN_AGAIN, PRIMARY_OWNER,
        { what: 'bot users have no sessions to reset (cannot_reset_bot)', compensatingAction: "revoke the bot's token (api-key artifact, auth.revoke) or uninstall its app" },
      ],
      expectedDeadByMs: 30_000,
    },
    {
      kind: 'api-key',
      discover: 'none: Slack lists no user or bot token to an admin; a leaked token is added with `incident add-artifact --kind api-key --value-file <token>`',
      revoke: { method: AUTH_REVOKE, selective: true },
      verify: [replay(TOKEN_REPLAY)],
      permissions: ['none beyond the token itself (auth.revoke and auth.test are called with the leaked token; auth.test is rate limited as "special", auth.revoke Tier 3)'],
      residue: [
        { what: 'other tokens of the same app installation (a bot token beside a user token, other users\' tokens) stay valid', compensatingAction: 'revoke each one, or uninstall the app (admin.apps.uninstall) to kill them all' },
        { what: "workspace-installed app tokens do not die with the user's session reset, and a revoked token's app can be authorized again", compensatingAction: 'restrict the app (admin.apps.restrict) if it should not come back' },
      ],
      expectedDeadByMs: 10_000,
    },
    {
      kind: 'oauth-grant',
      discover:
        "integration subjects (a Slack app id): the Audit Logs API (GET /audit/v1/logs?action=app_installed, then action=app_uninstalled, every cursor page) folded per workspace: one artifact per installation with a bot (actsFor its bot user; bots.info confirms the bot is not deleted) and one per user whose app_installed granted user scopes (actsFor that user, who holds a user token of the app). Slack lists an app's tokens to no admin: a leaked one is given with `incident amend --value-file` for the replay",
      revoke: {
        method: UNINSTALL,
        selective: false,
        fallback:
          "admin.apps.uninstall with team_ids=<the workspace> ends the app there at once: its bot token and every user's token of it on that workspace, whichever grant it is called for. No admin call ends one user's authorization alone (auth.revoke with that user's token does, when it is held: add it as an api-key artifact instead)",
      },
      verify: [relist(RELIST_BOT), selfReport(AUDIT_UNINSTALLED), replay(TOKEN_REPLAY)],
      permissions: [
        'admin.apps:write (admin.apps.uninstall, Tier 2 here: the reference page names no tier; the token of an Org Admin or Owner)',
        'users:read (bots.info, Tier 3)',
        "auditlogs:read on an Org Owner's user token (settings.auditTokenRef, else tokenRef): the Audit Logs API accepts no Org Admin token; Tier 3 for the whole org",
      ],
      residue: [
        {
          what: "an uninstall is not a ban: admin.apps.approved.list lists approvals, not installations, and an app still approved (or allowed by the org's app settings) can be installed again, by any user, as new grants",
          compensatingAction: "restrict the app (admin.apps.restrict, or in the org's app management settings) so it cannot come back, then discover again",
        },
        {
          what: "only what the audit log shows is found: installations or authorizations older than its history, or made at the org level (org-deployed apps), are not discovered, and their tokens live on",
          compensatingAction: "uninstall the app from the whole org (admin.apps.uninstall with enterprise_id, a person's call) and restrict it; an org-deployed app refuses a per-workspace uninstall (must_revoke_access, ERR_NOT_REVOCABLE) and needs exactly that",
        },
        {
          what: 'whatever the app already read or copied with its tokens (messages, files, user data) stays with the vendor, and the uninstall is acknowledged before it takes effect',
          compensatingAction: "ask the vendor to delete the data; review the audit log for the app's activity since the compromise; the grant counts as dead only when its bot reads deleted or a leaked token is refused",
        },
      ],
      // Slack documents no delay for an uninstall to take effect; the lab applies it 5 s after its ok.
      expectedDeadByMs: 60_000,
    },
  ],
  // admin.users.session.* are Tier 2 (20+ a minute per method), auth.test "special" (high): the whole
  // instance stays at 15 calls a minute, under the lowest tier even when every call hits one method.
  limits: { concurrency: 2, rate: { limit: 15, windowMs: 60_000 } },
  verifyPolicy: { pollIntervalMs: 5_000, deadlineMs: 300_000 },
  realService: slackRealService,
};

export { AMEND };
