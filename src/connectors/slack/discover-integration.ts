/**
 * A compromised integration (`subject.type === 'integration'`, id = a Slack app id `A…`): its
 * installations on the org's workspaces and the users who authorized it, each naming whom it acts
 * for. Slack gives an admin no list of an app's tokens or of its installations; what it does record
 * is the org's audit log, so discovery reads it (`app_installed`, then `app_uninstalled`, every
 * page) and folds it per workspace:
 *
 * - an `app_installed` with bot scopes starts an installation with its bot (`details.bot_id`);
 * - an `app_installed` with user scopes gives its actor a user token (an authorization);
 * - an `app_uninstalled` on the workspace ends the installation and every authorization there.
 *
 * Each installation with a bot is one `oauth-grant` (actsFor: its bot user), confirmed live by
 * bots.info (a deleted bot means the uninstall happened, whatever the log says); each authorization
 * is one `oauth-grant` (actsFor: the user). Both are ended by uninstalling the app from the
 * workspace. Entries of the same second sort uninstalls first, so a tie shows the app installed:
 * discovery never hides what may be live. Sorted by externalId.
 *
 * externalIds: app-install:{appId}:{teamId}  app-auth:{appId}:{teamId}:{userId}
 */
import type { AttributeValue, DiscoveredArtifact } from '../../core/model.ts';
import type { AuditRecord, SlackClient } from './client.ts';

export const INSTALLED = 'app_installed';
export const UNINSTALLED = 'app_uninstalled';

export const appIds = {
  installation: (appId: string, teamId: string) => `app-install:${appId}:${teamId}`,
  authorization: (appId: string, teamId: string, userId: string) => `app-auth:${appId}:${teamId}:${userId}`,
};

export interface AppAuthorization {
  userId: string;
  /** Unix seconds of the audit entry. */
  at: number;
  scopes: string[];
}

export interface AppInstallation {
  teamId: string;
  at: number;
  installedBy?: string;
  appName?: string;
  botId?: string;
  botScopes: string[];
  users: Map<string, AppAuthorization>;
}

/** The app's live installations per workspace, as its audit entries tell them. Pure. */
export function foldInstallations(appId: string, records: readonly AuditRecord[]): AppInstallation[] {
  const rank = (r: AuditRecord) => (r.action === UNINSTALLED ? 0 : 1);
  const events = records.filter((r) => r.appId === appId && r.teamId && (r.action === INSTALLED || r.action === UNINSTALLED)).sort((a, b) => a.at - b.at || rank(a) - rank(b));
  const live = new Map<string, AppInstallation>();
  for (const r of events) {
    const team = r.teamId!;
    if (r.action === UNINSTALLED) {
      live.delete(team);
      continue;
    }
    let inst = live.get(team);
    if (!inst) live.set(team, (inst = { teamId: team, at: r.at, botScopes: [], users: new Map(), ...(r.actorId ? { installedBy: r.actorId } : {}) }));
    if (r.appName) inst.appName = r.appName;
    if (r.botId) Object.assign(inst, { botId: r.botId, botScopes: r.botScopes });
    if (r.actorId && r.scopes.length > 0) inst.users.set(r.actorId, { userId: r.actorId, at: r.at, scopes: r.scopes });
  }
  return [...live.values()].sort((a, b) => (a.teamId < b.teamId ? -1 : 1));
}

/** Every audit entry of the app's installs and uninstalls (two actions, every page). */
export async function appAudit(slack: SlackClient, o: { oldest?: number } = {}): Promise<AuditRecord[]> {
  return [...(await slack.auditLogs(INSTALLED, o)), ...(await slack.auditLogs(UNINSTALLED, o))];
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

export async function discoverIntegration(slack: SlackClient, appId: string): Promise<DiscoveredArtifact[]> {
  const out: DiscoveredArtifact[] = [];
  for (const inst of foldInstallations(appId, await appAudit(slack))) {
    const bot = inst.botId ? await slack.bot(inst.botId, inst.teamId) : undefined;
    // The bot is deleted: the installation is gone with its tokens, whatever the log kept.
    if (bot?.deleted) continue;
    // A bot the log names but bots.info does not know is not relied on: its relist is then unavailable.
    const botId = bot ? inst.botId : undefined;
    const app = inst.appName ? `${inst.appName} (${appId})` : appId;
    const base: Record<string, AttributeValue> = { appId, teamId: inst.teamId, ...(inst.appName ? { appName: inst.appName } : {}), ...(botId ? { botId } : {}) };
    if (botId) {
      out.push({
        kind: 'oauth-grant', externalId: appIds.installation(appId, inst.teamId), issuedAt: iso(inst.at),
        label: `Slack app ${app} installed on ${inst.teamId}: its bot ${bot!.userId ?? botId} and bot token`,
        attributes: { ...base, grant: 'installation', actsFor: bot!.userId ?? botId, ...(bot!.userId ? { botUserId: bot!.userId } : {}), ...(inst.installedBy ? { installedBy: inst.installedBy } : {}), scopes: inst.botScopes.join(' '), auditAt: inst.at },
      });
    }
    for (const u of inst.users.values()) {
      out.push({
        kind: 'oauth-grant', externalId: appIds.authorization(appId, inst.teamId, u.userId), issuedAt: iso(u.at),
        label: `Slack app ${app} authorized by user ${u.userId} on ${inst.teamId}: a user token acting for them`,
        attributes: { ...base, grant: 'user-authorization', actsFor: u.userId, userId: u.userId, scopes: u.scopes.join(' '), auditAt: u.at },
        ...(botId ? { dependsOn: [appIds.installation(appId, inst.teamId)] } : {}),
      });
    }
  }
  return out.sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
}
