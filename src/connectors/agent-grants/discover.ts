import type { DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { AgentGrantsClient } from './client.ts';

/** One artifact per agent client holding a grant of the user, with the tools it reaches. */
export async function discoverAgentGrants(c: AgentGrantsClient, subject: SubjectRef, agents: string[], tools: Array<{ name: string }>): Promise<DiscoveredArtifact[]> {
  const userId = await c.userId(subject.id);
  if (!userId) return [];
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
      label: `${agent} acts for ${subject.id} on ${tools.map((t) => t.name).join(', ')} (${live.length} live token(s))`,
      attributes: { agent, userId, user: subject.id, tools: tools.map((t) => t.name).join(','), scopes: consent?.grantedClientScopes?.join(' ') ?? null, liveTokens: live.length },
      ...(newest?.value ? { secret: newest.value } : {}),
    });
  }
  return out;
}
