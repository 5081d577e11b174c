import type { ConnectorManifest } from '../contract.ts';
import { relist, replay } from '../shared/strength.ts';

export const DELETE_AGENT_CONSENT = 'admin-api:DELETE /users/{id}/consents/{agentClientId}';
export const TOOL_REPLAY = 'tools:call each tool API with the agent\'s old token';
export const RELIST = 'admin-relist:consents';

export const agentGrantsManifest: ConnectorManifest = {
  kind: 'agent-grants',
  version: 1,
  title: 'Delegated tool grants of AI agents (OAuth grants of agent clients)',
  description:
    'Finds, for a user, the grants through which configured agent clients act for them, and the tools those grants reach; revokes each grant with its tokens (Keycloak-shaped admin API: deleting the agent\'s consent); proves it by calling every tool API with the agent\'s old token, which must answer 401, and by re-listing the consents.',
  artifacts: [
    {
      kind: 'delegated-tool-grant',
      discover: 'GET /admin/realms/{realm}/users/{id}/consents (agent clients) + GET …/tokens (lab extension: the agent\'s live tokens); for an agent as the subject (`agent:<clientId>`), the same for every user of GET /users, page by page',
      revoke: { method: DELETE_AGENT_CONSENT, selective: true },
      verify: [replay(TOOL_REPLAY), relist(RELIST)],
      permissions: ['realm-management: view-users, manage-users'],
      residue: [
        {
          what: 'tool APIs that cache token validation, or hold their own sessions for the agent, accept it until their cache or session ends',
          compensatingAction: 'verification polls every tool until it refuses; revoke tool-side sessions with their own connectors',
        },
        {
          what: 'the agent can ask the user to consent again, or act through other grants (other users, client credentials)',
          compensatingAction: 'disable the agent client or its credentials when the agent itself is compromised (a separate subject)',
        },
      ],
      expectedDeadByMs: 5_000,
    },
  ],
  limits: { concurrency: 8, rate: { limit: 200, windowMs: 1_000 } },
  verifyPolicy: { pollIntervalMs: 500, deadlineMs: 30_000 },
};
