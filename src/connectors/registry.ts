/**
 * The built-in connector kinds. Adding a connector = one folder + one line here.
 *
 * Each kind is loaded when first needed (its SDK can take hundreds of milliseconds to import), so
 * a process that restarts containment loads only the kinds its configuration names: work resumes
 * within 2 seconds of a restart. `loadConnectorModules` loads; `connectorModule` answers, without
 * waiting, a kind already loaded.
 */
import type { ConnectorModule } from './contract.ts';

const LOADERS: Record<string, () => Promise<ConnectorModule>> = {
  keycloak: async () => (await import('./keycloak/index.ts')).keycloakConnector as unknown as ConnectorModule,
  oauth: async () => (await import('./oauth/index.ts')).oauthConnector as unknown as ConnectorModule,
  ldap: async () => (await import('./ldap/index.ts')).ldapModule as unknown as ConnectorModule,
  kerberos: async () => (await import('./kerberos/index.ts')).kerberosModule as unknown as ConnectorModule,
  'postgres-roles': async () => (await import('./postgres-roles/index.ts')).postgresRolesModule as unknown as ConnectorModule,
  'ssh-ca': async () => (await import('./ssh-ca/index.ts')).sshCaModule as unknown as ConnectorModule,
  'redis-sessions': async () => (await import('./redis-sessions/index.ts')).redisSessionsModule as unknown as ConnectorModule,
  'jwt-issuer': async () => (await import('./jwt-issuer/index.ts')).jwtIssuerModule as unknown as ConnectorModule,
  'agent-grants': async () => (await import('./agent-grants/index.ts')).agentGrantsModule as unknown as ConnectorModule,
  'aws-iam': async () => (await import('./aws-iam/index.ts')).awsIamModule as unknown as ConnectorModule,
  okta: async () => (await import('./okta/index.ts')).oktaConnector as unknown as ConnectorModule,
  github: async () => (await import('./github/index.ts')).githubModule as unknown as ConnectorModule,
  'google-workspace': async () => (await import('./google-workspace/index.ts')).googleWorkspaceConnector as unknown as ConnectorModule,
  slack: async () => (await import('./slack/index.ts')).slackConnector as unknown as ConnectorModule,
  entra: async () => (await import('./entra/index.ts')).entraConnector as unknown as ConnectorModule,
};

/** Every built-in connector kind, in registry order. */
export const CONNECTOR_KINDS: readonly string[] = Object.keys(LOADERS);

const loaded = new Map<string, ConnectorModule>();

/**
 * Loads connector kinds (all of them by default); unknown kinds are skipped (the configuration
 * check names them).
 *
 * @returns The loaded modules by kind, in registry order.
 */
export async function loadConnectorModules(kinds: Iterable<string> = CONNECTOR_KINDS): Promise<Record<string, ConnectorModule>> {
  const wanted = new Set([...kinds].filter((k) => Object.hasOwn(LOADERS, k)));
  await Promise.all([...wanted].filter((k) => !loaded.has(k)).map(async (k) => loaded.set(k, await LOADERS[k]!())));
  return Object.fromEntries(CONNECTOR_KINDS.filter((k) => wanted.has(k)).map((k) => [k, loaded.get(k)!]));
}

/** A kind's module if it is loaded (see {@link loadConnectorModules}); undefined otherwise. */
export function connectorModule(kind: string): ConnectorModule | undefined {
  return loaded.get(kind);
}
