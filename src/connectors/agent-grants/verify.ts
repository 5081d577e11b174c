import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import type { AgentGrantsClient } from './client.ts';
import { RELIST, TOOL_REPLAY } from './manifest.ts';

/** Every tool refuses the agent's old token (when held), and the consent is gone from the re-list. */
export async function verifyAgentGrant(c: AgentGrantsClient, a: ArtifactHandle, tools: Array<{ name: string; url: string }>): Promise<VerifyObservation> {
  const checks: VerifyCheck[] = [];
  if (a.secret !== undefined) {
    for (const t of tools) {
      const status = await c.tool(t.url, a.secret);
      checks.push({ path: TOOL_REPLAY, result: status === 401 || status === 403 ? 'dead' : 'live', observed: { tool: t.name, status } });
    }
  }
  const consents = (await c.consents(String(a.attributes.userId))) ?? [];
  const still = consents.some((x) => x.clientId === String(a.attributes.agent));
  checks.push({ path: RELIST, result: still ? 'live' : 'dead', observed: { consentPresent: still } });
  const unavailable = a.secret !== undefined ? [] : [{ path: TOOL_REPLAY, why: "the agent's access token is not held, so it cannot be replayed: give it to the artifact with `incident amend <incident> --artifact <artifactId> --value-file <file>`" }];
  return { verdict: checks.some((x) => x.result === 'live') ? 'live' : 'dead', checks, ...(unavailable.length ? { unavailable } : {}) };
}
