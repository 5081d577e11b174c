/**
 * The `agent-grants` connector: OAuth grants through which AI agents act for a user, on a
 * Keycloak-shaped realm, verified against the agent's tool APIs.
 *
 * ```yaml
 * connectors:
 *   agent-grants:corp:
 *     settings:
 *       baseUrl: https://sso.example.com
 *       realm: corp
 *       adminTokenRef: env:KEYCLOAK_ADMIN_TOKEN
 *       agents: [assistant-agent]
 *       tools:
 *         - { name: calendar, url: https://calendar-tool.example.com/me }
 *         - { name: crm, url: https://crm-tool.example.com/me }
 * ```
 */
import { z } from 'zod';
import type { Connector, ConnectorModule } from '../contract.ts';
import { secretRef } from '../shared/settings.ts';
import { AgentGrantsClient } from './client.ts';
import { discoverAgentGrants } from './discover.ts';
import { agentGrantsManifest } from './manifest.ts';
import { revokeAgentGrant } from './revoke.ts';
import { verifyAgentGrant } from './verify.ts';

export const agentGrantsSettings = z.strictObject({
  baseUrl: z.url(),
  realm: z.string().min(1),
  adminTokenRef: secretRef,
  /** Client ids of the agents whose grants are delegated tool grants. */
  agents: z.array(z.string().min(1)).min(1),
  /** The tool APIs the agents call: each answers 401 to a dead token. */
  tools: z.array(z.strictObject({ name: z.string().min(1), url: z.url() })).min(1),
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
});

export const agentGrantsModule: ConnectorModule<typeof agentGrantsSettings> = {
  manifest: agentGrantsManifest,
  settingsSchema: agentGrantsSettings,
  create(name, s, deps): Connector {
    const http = { fetch: deps.fetch, now: () => deps.clock.now(), name, timeoutMs: s.timeoutMs };
    const c = new AgentGrantsClient(http, `${s.baseUrl.replace(/\/$/, '')}/admin/realms/${encodeURIComponent(s.realm)}`, () => deps.resolveSecret(s.adminTokenRef));
    return {
      name, manifest: agentGrantsManifest,
      discover: (subject) => discoverAgentGrants(c, subject, s.agents, s.tools),
      revoke: (a) => revokeAgentGrant(c, a),
      verify: (a) => verifyAgentGrant(c, a, s.tools),
    };
  },
};
