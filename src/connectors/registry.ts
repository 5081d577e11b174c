/**
 * The built-in connector kinds. Adding a connector = one folder + one line here.
 */
import { agentGrantsModule } from './agent-grants/index.ts';
import { awsIamModule } from './aws-iam/index.ts';
import { entraConnector } from './entra/index.ts';
import { githubModule } from './github/index.ts';
import { googleWorkspaceConnector } from './google-workspace/index.ts';
import type { ConnectorModule } from './contract.ts';
import { keycloakConnector } from './keycloak/index.ts';
import { jwtIssuerModule } from './jwt-issuer/index.ts';
import { kerberosModule } from './kerberos/index.ts';
import { ldapModule } from './ldap/index.ts';
import { oauthConnector } from './oauth/index.ts';
import { oktaConnector } from './okta/index.ts';
import { postgresRolesModule } from './postgres-roles/index.ts';
import { redisSessionsModule } from './redis-sessions/index.ts';
import { sshCaModule } from './ssh-ca/index.ts';

export const CONNECTOR_MODULES: Record<string, ConnectorModule> = {
  keycloak: keycloakConnector,
  oauth: oauthConnector,
  ldap: ldapModule as unknown as ConnectorModule,
  kerberos: kerberosModule as unknown as ConnectorModule,
  'postgres-roles': postgresRolesModule as unknown as ConnectorModule,
  'ssh-ca': sshCaModule as unknown as ConnectorModule,
  'redis-sessions': redisSessionsModule as unknown as ConnectorModule,
  'jwt-issuer': jwtIssuerModule as unknown as ConnectorModule,
  'agent-grants': agentGrantsModule as unknown as ConnectorModule,
  'aws-iam': awsIamModule as unknown as ConnectorModule,
  okta: oktaConnector as unknown as ConnectorModule,
  github: githubModule as unknown as ConnectorModule,
  'google-workspace': googleWorkspaceConnector as unknown as ConnectorModule,
  entra: entraConnector as unknown as ConnectorModule,
};
