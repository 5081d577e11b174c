import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { AgentGrantsClient } from './client.ts';
import { DELETE_AGENT_CONSENT } from './manifest.ts';

/** Deletes the agent's consent for the user: the grant and every token of it. */
export async function revokeAgentGrant(c: AgentGrantsClient, a: ArtifactHandle): Promise<RevokeOutcome> {
  const userId = String(a.attributes.userId);
  const agent = String(a.attributes.agent);
  const status = await c.deleteConsent(userId, agent);
  return { status: status === 404 ? 'already_revoked' : 'revoked', method: DELETE_AGENT_CONSENT, request: { userId, agent }, response: { status } };
}
