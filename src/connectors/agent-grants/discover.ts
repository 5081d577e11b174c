import { SeverError } from '../../core/errors.ts';
import type { DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { AgentGrantsClient } from './client.ts';

/** The agent client id when the subject is an agent (`agent:<clientId>`), else undefined. */
export const agentOf = (subject: SubjectRef): string | undefined => /^agent:(.+)$/.exec(subject.id)?.[1];

/**
 * One artifact per (agent, user) grant. For a user: every configured agent acting for them. For an
 * agent (`agent:<clientId>`, one of the configured agents): every user it acts for, found by
 * walking the realm's users page by page.
 */
export async function discoverAgentGrants(c: AgentGrantsClient, subject: SubjectRef, agents: string[], tools: Array<{ name: string }>): Promise<DiscoveredArtifact[]> {
  const agent = agentOf(subject);
  if (agent !== undefined) {
    if (!agents.includes(agent)) {
      throw new SeverError('ERR_INPUT_INVALID', `agent ${agent} is not one of this connector's agents (${agents.join(', ')}): add it to settings.agents`, { details: { agent } });
    }
    const out: DiscoveredArtifact[] = [];
    for (const u of await c.allUsers()) out.push(...(await grantsOf(c, u.id, u.username, [agent], tools)));
    return out;
  }
  const userId = await c.userId(subject.id);
  if (!userId) return [];
  return grantsOf(c, userId, subject.id, agents, tools);
}

async function grantsOf(c: AgentGrantsClient, userId: string, user: string, agents: string[], tools: Array<{ name: string }>): Promise<DiscoveredArtifact[]> {
  const consents = (await c.consents(userId)) ?? [];
  const tokens = (await c.tokens(userId)) ?? [];
  const out: DiscoveredArtifact[] = [];
  for (const agent of agents) {
    const consent = consents.find((x) => x.clientId === agent);
    const live = tokens.filter((t) => t.clientId === agent && t.type === 'access_token' && t.value && (!t.exp || t.exp * 1000 > Date.now()));
    if (!consent && live.length === 0) continue;
    const newest = live.sort((a, b) => (b.exp ?? 0) - (a.exp ?? 0))[0];
    out.push({
      kind: 'delegated-tool-grant', externalId: `agent-grant:${userId}:${agent}`,
      label: `${agent} acts for ${user} on ${tools.map((t) => t.name).join(', ')} (${live.length} live token(s))`,
      attributes: { agent, userId, user, tools: tools.map((t) => t.name).join(','), scopes: consent?.grantedClientScopes?.join(' ') ?? null, liveTokens: live.length },
      ...(newest?.value ? { secret: newest.value } : {}),
    });
  }
  return out;
}
