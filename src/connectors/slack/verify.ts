/**
 * Observes an artifact through paths other than the call that revoked it:
 *   oauth-grant  the installation's bot re-read with bots.info (relist: deleted or gone = dead);
 *                the audit log's app_uninstalled for the workspace since the grant (self-report:
 *                Slack's record of the admin's action, not of its effect); with a
 *                leaked token of the app held, auth.test made with it (replay). An app with no bot
 *                has no relist: named unavailable.
 *   app-session  re-list of the user's sessions on its workspace (relist); with the stolen session
 *                token held, auth.test made with it (replay: invalid_auth / token_revoked = dead)
 *   idp-session  re-list of the user's sessions on every workspace (relist: none left); with a
 *                held token, the same replay
 *   api-key      auth.test made with the leaked token (replay); without the value nothing can run
 *                (ERR_VALUE_REQUIRED, like the revoke)
 * Paths that cannot run are named in `unavailable` with what they need. Never changes anything.
 */
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import { verdictOf } from '../shared/oauth/token-checks.ts';
import { allSessions } from './discover.ts';
import { AMEND, AUDIT_UNINSTALLED, RELIST_BOT, RELIST_SESSIONS, TOKEN_REPLAY } from './manifest.ts';
import { grantOf, heldValue, need, sessionOf, teamsToList, uninstallRecorded, type SlackDeps } from './revoke.ts';

type Unavailable = Array<{ path: string; why: string }>;

/**
 * A held value: the token, and for an xoxc browser token its `d` cookie, written after it as
 * `d=…` (separated by a space, a newline or `;`), as a thief holds them together.
 */
export function parseHeld(value: string): { token: string; cookie?: string } {
  const parts = value.trim().split(/[\s;]+/).filter(Boolean);
  const token = parts.find((p) => p.startsWith('xox')) ?? parts[0] ?? '';
  const cookie = parts.find((p) => p.startsWith('d='))?.slice(2);
  return cookie ? { token, cookie } : { token };
}

async function replayCheck(d: SlackDeps, held: { token: string; cookie?: string }): Promise<VerifyCheck> {
  const r = await d.slack.replay(held.token, held.cookie);
  return { path: TOKEN_REPLAY, result: r.works ? 'live' : 'dead', observed: r.works ? { ok: true, ...(r.userId ? { userId: r.userId } : {}), ...(r.teamId ? { teamId: r.teamId } : {}) } : { ok: false, error: r.error } };
}

const NO_VALUE: Unavailable = [{ path: TOKEN_REPLAY, why: `Slack never returns session tokens: ${AMEND}` }];

/**
 * A browser session token (`xoxc-…`) authenticates only together with its `d` cookie, which
 * Sever does not hold: Slack refuses it alone whether or not it was revoked, so a refusal would
 * prove nothing. Such a replay is not made; the path is named as wanting the cookie.
 */
const NEEDS_COOKIE: Unavailable = [{ path: TOKEN_REPLAY, why: "the held value is an xoxc browser token, which Slack accepts only with the browser's `d` cookie; a refusal without it proves nothing, so no replay is made: give the token and its cookie together (`xoxc-… d=xoxd-…`) with `incident amend <incident> --artifact <artifactId> --value-file <file>`" }];
const cookieBound = (token: string) => token.trim().startsWith('xoxc-');

async function replayOrWhy(d: SlackDeps, value: string, checks: VerifyCheck[]): Promise<Unavailable> {
  const held = parseHeld(value);
  if (cookieBound(held.token) && !held.cookie) return NEEDS_COOKIE;
  checks.push(await replayCheck(d, held));
  return [];
}

const AMEND_APP_TOKEN = "Slack never shows an app's tokens to an admin: give a leaked one (the user's xoxp for a user's authorization, the bot's xoxb for an installation) with `incident amend <incident> --artifact <artifactId> --value-file <file>`";

/** An integration's grant: its bot re-read, the audit record, and a held token's replay (which must be this app's). */
async function verifyGrant(d: SlackDeps, a: ArtifactHandle, checks: VerifyCheck[]): Promise<Unavailable> {
  const g = grantOf(d.name, a);
  const unavailable: Unavailable = [];
  if (g.botId) {
    const b = await d.slack.bot(g.botId, g.teamId);
    checks.push({ path: RELIST_BOT, result: !b || b.deleted ? 'dead' : 'live', observed: { bot: g.botId, found: !!b, deleted: b?.deleted ?? null } });
  } else {
    unavailable.push({ path: RELIST_BOT, why: `the app has no bot on ${g.teamId} (user scopes only), so no admin read shows its installation there; ${AMEND_APP_TOKEN} for the replay` });
  }
  const r = await uninstallRecorded(d.slack, g);
  checks.push({ path: AUDIT_UNINSTALLED, result: r ? 'dead' : 'live', observed: r ? { recorded: true, at: new Date(r.at * 1000).toISOString(), ...(r.actorId ? { by: r.actorId } : {}) } : { recorded: false } });
  if (!a.secret) return [...unavailable, { path: TOKEN_REPLAY, why: AMEND_APP_TOKEN }];
  const replayed = await d.slack.replay(parseHeld(a.secret).token);
  if (replayed.works && replayed.appId && replayed.appId !== g.appId) {
    return [...unavailable, { path: TOKEN_REPLAY, why: `the held token belongs to app ${replayed.appId}, not ${g.appId}: its answer says nothing about this grant; ${AMEND_APP_TOKEN}` }];
  }
  if (replayed.works && replayed.teamId && replayed.teamId !== g.teamId) {
    return [...unavailable, { path: TOKEN_REPLAY, why: `the held token works on workspace ${replayed.teamId}, not ${g.teamId}, where this grant is: it says nothing about this one; ${AMEND_APP_TOKEN}` }];
  }
  checks.push({ path: TOKEN_REPLAY, result: replayed.works ? 'live' : 'dead', observed: replayed.works ? { ok: true, ...(replayed.appId ? { appId: replayed.appId } : {}), ...(replayed.teamId ? { teamId: replayed.teamId } : {}) } : { ok: false, error: replayed.error } });
  return unavailable;
}

export async function verifySlack(d: SlackDeps, a: ArtifactHandle): Promise<VerifyObservation> {
  const checks: VerifyCheck[] = [];
  let unavailable: Unavailable = [];
  switch (a.kind) {
    case 'app-session': {
      const { userId, teamId, sessionId } = sessionOf(d.name, a);
      const listed = await d.slack.sessions(userId, teamId);
      checks.push({ path: RELIST_SESSIONS, result: listed.some((s) => s.sessionId === sessionId) ? 'live' : 'dead', observed: { listed: listed.some((s) => s.sessionId === sessionId), sessionsOfUserOnTeam: listed.length } });
      unavailable = a.secret ? await replayOrWhy(d, a.secret, checks) : NO_VALUE;
      break;
    }
    case 'idp-session': {
      const userId = need(d.name, a, 'userId');
      const teams = await teamsToList(d, a, userId);
      const left = (await allSessions(d.slack, userId, teams)).length;
      checks.push({ path: RELIST_SESSIONS, result: left > 0 ? 'live' : 'dead', observed: { sessions: left, workspaces: teams.length } });
      unavailable = a.secret ? await replayOrWhy(d, a.secret, checks) : NO_VALUE;
      break;
    }
    case 'api-key':
      unavailable = await replayOrWhy(d, heldValue(d.name, a, 'verifies'), checks);
      break;
    case 'oauth-grant':
      unavailable = await verifyGrant(d, a, checks);
      break;
    default:
      throw new SeverError('ERR_INPUT_INVALID', `${d.name}: the slack connector does not handle ${a.kind}`, { details: { connector: d.name, kind: a.kind } });
  }
  return { verdict: verdictOf(checks), checks, ...(unavailable.length ? { unavailable } : {}) };
}
