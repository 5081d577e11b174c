/**
 * Revokes one artifact. A session is ended with admin.users.session.invalidate (a second call is
 * answered `session_not_found`: `already_revoked`). All of a user's sessions end with
 * admin.users.session.reset, which answers ok every time: idempotency comes from a re-list BEFORE
 * the call (no session left: `already_revoked`, not sent again), never taken as evidence. A leaked
 * token is revoked with itself (auth.revoke); a token Slack already refuses is `already_revoked`.
 * An integration's grant (its installation on a workspace, or a user's authorization there) is
 * ended by uninstalling the app from that workspace (admin.apps.uninstall, team_ids): all of the
 * app's tokens there at once. Its `ok` is an acknowledgement only (the uninstall may apply later);
 * idempotency comes from a look BEFORE the call: the installation's bot deleted (bots.info), or for
 * an app without a bot an uninstall already in the audit log, and then it is not sent again.
 */
import { SeverError } from '../../core/errors.ts';
import { need, str } from '../shared/attributes.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { AuditRecord, SlackClient } from './client.ts';
import { allSessions } from './discover.ts';
import { UNINSTALLED } from './discover-integration.ts';
import { AUTH_REVOKE, INVALIDATE, RESET, UNINSTALL } from './manifest.ts';

export interface SlackDeps {
  name: string;
  slack: SlackClient;
  /** Workspaces configured besides the user's own (settings.teamIds). */
  teamIds: readonly string[];
}



/** The session's user, workspace and numeric id. */
export function sessionOf(name: string, a: ArtifactHandle): { userId: string; teamId: string; sessionId: number } {
  const sessionId = Number(need(name, a, 'sessionId'));
  if (!Number.isSafeInteger(sessionId)) throw new SeverError('ERR_INPUT_INVALID', `${name}: ${a.externalId}: sessionId must be Slack's integer session id`, { details: { connector: name, externalId: a.externalId } });
  return { userId: need(name, a, 'userId'), teamId: need(name, a, 'teamId'), sessionId };
}

/** The workspaces to re-list a user on: the artifact's, the user's current ones, and the configured ones. */
export async function teamsToList(d: SlackDeps, a: ArtifactHandle, userId: string): Promise<string[]> {
  const current = (await d.slack.user(userId))?.teams ?? [];
  return [...new Set([...(str(a.attributes.teamIds) ?? '').split(',').filter(Boolean), ...current, ...d.teamIds])].sort();
}

/** The value a token artifact needs to be revoked or presented, or the coded error saying how to give it. */
export function heldValue(name: string, a: ArtifactHandle, what: string): string {
  if (a.secret === undefined || a.secret === '') {
    throw new SeverError('ERR_VALUE_REQUIRED', `${name}: ${a.externalId}: Slack ${what} a token only when given the token itself, and its value is not held: give it with \`incident amend <incident> --artifact <artifactId> --value-file <file>\``, {
      details: { connector: name, externalId: a.externalId },
    });
  }
  return a.secret;
}

/** The app, workspace and audit time (Unix seconds) of an integration's grant. */
export function grantOf(name: string, a: ArtifactHandle): { appId: string; teamId: string; at: number; botId?: string } {
  const at = Number(a.attributes.auditAt ?? (a.issuedAt ? Date.parse(a.issuedAt) / 1000 : 0));
  const botId = str(a.attributes.botId);
  return { appId: need(name, a, 'appId', a.subjectId), teamId: need(name, a, 'teamId'), at: Number.isFinite(at) ? at : 0, ...(botId ? { botId } : {}) };
}

/** The audit log's record of the app uninstalled from the workspace at or after `at`, if any. */
export async function uninstallRecorded(slack: SlackClient, g: { appId: string; teamId: string; at: number }): Promise<AuditRecord | undefined> {
  return (await slack.auditLogs(UNINSTALLED, { oldest: g.at })).find((r) => r.appId === g.appId && r.teamId === g.teamId && r.at >= g.at);
}

/** Whether the grant's installation is already gone (its bot deleted, or for an app without a bot an uninstall recorded). Not evidence. */
async function grantEnded(d: SlackDeps, g: ReturnType<typeof grantOf>): Promise<Record<string, unknown> | undefined> {
  if (g.botId) {
    const b = await d.slack.bot(g.botId, g.teamId);
    return !b || b.deleted ? { precheck: 'bots.info', bot: g.botId, deleted: b?.deleted ?? 'bot_not_found' } : undefined;
  }
  const r = await uninstallRecorded(d.slack, g);
  return r ? { precheck: 'audit log', uninstalledAt: new Date(r.at * 1000).toISOString() } : undefined;
}

export async function revokeSlack(d: SlackDeps, a: ArtifactHandle): Promise<RevokeOutcome> {
  if (!a.revocable) {
    const why = a.attributes.primaryOwner === true ? ": it belongs to the org's primary owner, whose sessions only the primary owner can end" : '';
    throw new SeverError('ERR_NOT_REVOCABLE', `${d.name}: ${a.kind} ${a.externalId} is marked non-revocable${why}`, { details: { connector: d.name, kind: a.kind, externalId: a.externalId } });
  }
  switch (a.kind) {
    case 'app-session': {
      const { userId, teamId, sessionId } = sessionOf(d.name, a);
      const request = { method: 'admin.users.session.invalidate', user_id: userId, team_id: teamId, session_id: sessionId };
      const r = await d.slack.invalidate(userId, teamId, sessionId);
      return { status: r === 'ended' ? 'revoked' : 'already_revoked', method: INVALIDATE, request, response: { body: r === 'ended' ? { ok: true } : { ok: false, error: 'session_not_found' } } };
    }
    case 'idp-session': {
      const userId = need(d.name, a, 'userId');
      const teams = await teamsToList(d, a, userId);
      const before = (await allSessions(d.slack, userId, teams)).length;
      const request = { method: 'admin.users.session.reset', user_id: userId };
      if (before === 0) return { status: 'already_revoked', method: RESET, request: { ...request, precheck: 'no session listed on any workspace: not sent again' }, response: { body: { sessions: 0, workspaces: teams.length } } };
      await d.slack.reset(userId);
      return { status: 'revoked', method: RESET, request: { ...request, listedBefore: before, workspaces: teams.length }, response: { body: { ok: true } } };
    }
    case 'oauth-grant': {
      const g = grantOf(d.name, a);
      const request = { method: 'admin.apps.uninstall', app_id: g.appId, team_ids: g.teamId };
      const ended = await grantEnded(d, g);
      if (ended) return { status: 'already_revoked', method: UNINSTALL, request: { ...request, ...ended, sent: false }, response: { body: { installation: 'gone' } } };
      const r = await d.slack.uninstallApp(g.appId, g.teamId);
      return r === 'acknowledged'
        ? { status: 'revoked', method: UNINSTALL, request, response: { body: { ok: true } } }
        : { status: 'already_revoked', method: UNINSTALL, request, response: { body: { ok: false, error: 'app_not_found' } } };
    }
    case 'api-key': {
      const token = heldValue(d.name, a, 'revokes');
      const r = await d.slack.revokeToken(token);
      return { status: r.status === 'revoked' ? 'revoked' : 'already_revoked', method: AUTH_REVOKE, request: { method: 'auth.revoke', credential: 'the held value (not recorded)' }, response: { body: r.status === 'revoked' ? { ok: true, revoked: true } : { ok: false, ...(r.error ? { error: r.error } : {}) } } };
    }
    default:
      throw new SeverError('ERR_INPUT_INVALID', `${d.name}: the slack connector does not handle ${a.kind}`, { details: { connector: d.name, kind: a.kind } });
  }
}

export { need, str };
