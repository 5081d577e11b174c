/**
 * The `slack` connector: one Slack Enterprise Grid org through the Web API (`@slack/web-api`
 * `WebClient`), with an org admin's user token. The same code reaches the lab (`lab/slack/`) or
 * Slack: only the settings change.
 *
 * ```yaml
 * connectors:
 *   slack:corp:
 *     settings:
 *       slackApiUrl: https://slack.com/api/     # the default
 *       tokenRef: env:SLACK_ADMIN_TOKEN         # user token of an Org Admin/Owner (NOT a person who may be the subject)
 *       teamIds: []                             # optional: workspaces searched besides the user's own
 *       auditApiUrl: https://api.slack.com/audit/v1/   # the default
 *       auditTokenRef: env:SLACK_OWNER_TOKEN    # optional: an Org OWNER's token with auditlogs:read (default: tokenRef)
 *       timeoutMs: 10000
 * ```
 *
 * Least privilege: admin.users:read, admin.users:write, users:read, users:read.email on an app
 * installed at the org level by an Org Admin or Owner; for integration subjects (a compromised
 * app) also admin.apps:write, and auditlogs:read on an Org Owner's token (the Audit Logs API takes
 * no Org Admin token). The admin.* methods exist only on Enterprise Grid (elsewhere Slack answers
 * `feature_not_enabled`, ERR_PROVIDER_REJECTED).
 */
import { z } from 'zod';
import type { Connector, ConnectorDeps, ConnectorModule } from '../contract.ts';
import { secretRef } from '../shared/settings.ts';
import { SlackClient } from './client.ts';
import { discoverSlack } from './discover.ts';
import { slackManifest } from './manifest.ts';
import { revokeSlack, type SlackDeps } from './revoke.ts';
import { verifySlack } from './verify.ts';

export const slackSettings = z.strictObject({
  /** Base URL of the Web API (the WebClient's `slackApiUrl`). */
  slackApiUrl: z.url().default('https://slack.com/api/'),
  /** Sever's org admin user token, by reference. Resolved once per connector instance, never logged. */
  tokenRef: secretRef,
  /** Workspace (or org) ids to list sessions on besides those users.info gives for the user. */
  teamIds: z.array(z.string().regex(/^[TE][A-Z0-9]+$/)).default([]),
  /** Base URL of the Audit Logs API (integration subjects are discovered from the org's audit log). */
  auditApiUrl: z.url().default('https://api.slack.com/audit/v1/'),
  /** An Org Owner's user token with auditlogs:read, by reference; absent: tokenRef (which must then be an owner's). */
  auditTokenRef: secretRef.optional(),
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
});

export type SlackSettings = z.output<typeof slackSettings>;

export function createSlackConnector(name: string, s: SlackSettings, deps: ConnectorDeps): Connector {
  const slash = (u: string) => (u.endsWith('/') ? u : `${u}/`);
  const slack = new SlackClient({
    http: { name, apiUrl: slash(s.slackApiUrl), timeoutMs: s.timeoutMs, fetch: deps.fetch },
    adminToken: () => deps.resolveSecret(s.tokenRef),
    audit: { apiUrl: slash(s.auditApiUrl), token: () => deps.resolveSecret(s.auditTokenRef ?? s.tokenRef) },
  });
  const d: SlackDeps = { name, slack, teamIds: s.teamIds };
  return {
    name,
    manifest: slackManifest,
    discover: (subject) => discoverSlack(slack, subject, { teamIds: s.teamIds }),
    revoke: (a) => revokeSlack(d, a),
    verify: (a) => verifySlack(d, a),
  };
}

export const slackConnector: ConnectorModule<typeof slackSettings> = {
  manifest: slackManifest,
  settingsSchema: slackSettings,
  create: createSlackConnector,
};

export { SlackClient };
