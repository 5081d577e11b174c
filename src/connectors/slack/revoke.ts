/**
 * Revokes one artifact. A session is ended with admin.users.session.invalidate (a second call is
 * answered `session_not_found`: `already_revoked`). All of a user's sessions end with
 * admin.users.session.reset, which answers ok every time: idempotency comes from a re-list BEFORE
 * the call (no session left: `already_revoked`, not sent again), never taken as evidence. A leaked
 * token is revoked with itself (auth.revoke); a token Slack already refuses is `already_revoked`.
 */
import { SeverError } from '../../core/errors.ts';
import { need, str } from '../shared/attributes.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { SlackClient } from './client.ts';
import { allSessions } from './discover.ts';
import { AUTH_REVOKE, INVALIDATE, RESET } from './manifest.ts';

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
    case 'api-key': {
      const token = heldValue(d.name, a, 'revokes');
      const r = await d.slack.revokeToken(token);
      return { status: r.status === 'revoked' ? 'revoked' : 'already_revoked', method: AUTH_REVOKE, request: { method: 'auth.revoke', token: 'the held value (not recorded)' }, response: { body: r.status === 'revoked' ? { ok: true, revoked: true } : { ok: false, ...(r.error ? { error: r.error } : {}) } } };
    }
    default:
      throw new SeverError('ERR_INPUT_INVALID', `${d.name}: the slack connector does not handle ${a.kind}`, { details: { connector: d.name, kind: a.kind } });
  }
}

export { need, str };
