/**
 * Lists a Slack user's live sessions on every workspace of the org: one `app-session` per session
 * (ended one by one with admin.users.session.invalidate) and one `idp-session` holding all of them
 * (ended together with admin.users.session.reset). The subject is a Slack user id, or an email
 * resolved with users.lookupByEmail. Leaked tokens are never discovered (Slack lists none): they
 * come from `incident add-artifact --kind api-key`. Bots have no sessions. An integration subject
 * (an app) is discovered by `discover-integration.ts`. Sorted by externalId: the same org state
 * gives the same list.
 *
 * externalIds: session:{teamId}:{sessionId}  sessions:{userId}
 */
import type { AttributeValue, DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { SlackClient, SlackSession, SlackUser } from './client.ts';
import { discoverIntegration } from './discover-integration.ts';

export const externalIds = {
  session: (teamId: string, sessionId: number) => `session:${teamId}:${sessionId}`,
  sessions: (userId: string) => `sessions:${userId}`,
};

/** The subject as a Slack user: each of id and handle, as an email (lookupByEmail) or a user id (users.info). */
export async function resolveUser(slack: SlackClient, subject: SubjectRef): Promise<SlackUser | undefined> {
  for (const candidate of [...new Set([subject.id, subject.handle])]) {
    if (!candidate) continue;
    const u = candidate.includes('@') ? await slack.userByEmail(candidate) : await slack.user(candidate);
    if (u) return u;
  }
  return undefined;
}

/** The workspaces to list the user's sessions on: the user's own, plus those configured. */
export const teamsOf = (user: SlackUser, extra: readonly string[]) => [...new Set([...user.teams, ...extra])].sort();

/** Every listed session of the user, on every workspace. */
export async function allSessions(slack: SlackClient, userId: string, teams: readonly string[]): Promise<SlackSession[]> {
  const lists = await Promise.all(teams.map((t) => slack.sessions(userId, t)));
  const seen = new Map<string, SlackSession>();
  for (const s of lists.flat()) seen.set(externalIds.session(s.teamId, s.sessionId), s);
  return [...seen.values()];
}

/** Whether Sever's token may end the user's sessions: only the primary owner ends the primary owner's. */
async function revocableFor(slack: SlackClient, user: SlackUser): Promise<boolean> {
  return !user.isPrimaryOwner || (await slack.self()) === user.id;
}

export async function discoverSlack(slack: SlackClient, subject: SubjectRef, o: { teamIds: readonly string[] }): Promise<DiscoveredArtifact[]> {
  if (subject.type === 'integration') return discoverIntegration(slack, subject.id);
  const user = await resolveUser(slack, subject);
  if (!user || user.isBot) return [];
  const teams = teamsOf(user, o.teamIds);
  const sessions = await allSessions(slack, user.id, teams);
  if (sessions.length === 0) return [];
  const revocable = await revocableFor(slack, user);
  const who = user.email ?? user.id;
  const base: Record<string, AttributeValue> = { userId: user.id, ...(user.email ? { email: user.email } : {}), ...(user.isPrimaryOwner ? { primaryOwner: true } : {}) };
  const out: DiscoveredArtifact[] = sessions.map((s) => ({
    kind: 'app-session', externalId: externalIds.session(s.teamId, s.sessionId),
    label: `Slack session ${s.sessionId} of ${who} on ${s.teamId}${s.device ? ` (${s.device}${s.ip ? `, ${s.ip}` : ''})` : ''}`,
    attributes: { ...base, teamId: s.teamId, sessionId: s.sessionId, ...(s.device ? { device: s.device } : {}), ...(s.ip ? { ip: s.ip } : {}) },
    revocable,
  }));
  out.push({
    kind: 'idp-session', externalId: externalIds.sessions(user.id),
    label: `all Slack sessions of ${who} (${sessions.length} on ${new Set(sessions.map((s) => s.teamId)).size} workspace(s))`,
    attributes: { ...base, teamIds: teams.join(','), sessionIds: sessions.map((s) => `${s.teamId}:${s.sessionId}`).sort().join(','), sessions: sessions.length },
    revocable,
  });
  return out.sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
}
