/**
 * The `okta` connector: one Okta org through the Management API (`@okta/okta-sdk-nodejs`, SSWS
 * token) and its custom authorization servers' introspect / token endpoints. The same code reaches
 * the lab (`lab/okta/`) or a real org: only the settings change.
 *
 * ```yaml
 * connectors:
 *   okta:corp:
 *     settings:
 *       orgUrl: https://corp.okta.com
 *       apiTokenRef: env:OKTA_API_TOKEN          # SSWS token of a dedicated admin (NOT a person who may be the subject)
 *       clientSecrets:                           # optional: owning clients' secrets, for introspection + refresh replay
 *         0oa1crmapp: file:/run/secrets/okta-crm
 *       sessionLookbackHours: 2160               # System Log window searched for session starts (90 days = retention)
 *       timeoutMs: 10000
 * ```
 *
 * Least privilege: with OAuth for Okta (a service app), the scopes okta.users.read,
 * okta.users.manage, okta.sessions.read, okta.logs.read, okta.apiTokens.read and
 * okta.apiTokens.manage; with an SSWS token, the token acts with its creator's admin role (Org
 * Administrator covers all but other admins' API tokens, which need Super Administrator). OAuth
 * private-key auth (`authorizationMode: PrivateKey` of the SDK) is not wired yet: it is the way to
 * run Sever without an SSWS token a compromised admin could have created.
 */
import { z } from 'zod';
import type { Connector, ConnectorDeps, ConnectorModule } from '../contract.ts';
import { secretRef } from '../shared/settings.ts';
import { OktaClient, type ClientCredentials, type HttpDeps } from './client.ts';
import { discoverOkta } from './discover.ts';
import { oktaManifest } from './manifest.ts';
import { revokeOkta } from './revoke.ts';
import { verifyOkta } from './verify.ts';

export const oktaSettings = z.strictObject({
  /** The org's base URL, e.g. `https://corp.okta.com` (no path). */
  orgUrl: z.url(),
  /** SSWS API token, by reference. Resolved once per connector instance, never logged. */
  apiTokenRef: secretRef,
  /** Owning clients' secrets by client id: Okta introspects and refreshes a token only as its client. */
  clientSecrets: z.record(z.string(), secretRef).default({}),
  /** How far back the System Log is searched for `user.session.start` (hours). */
  sessionLookbackHours: z.number().int().positive().max(2_160).default(2_160),
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
});

export type OktaSettings = z.output<typeof oktaSettings>;

export function createOktaConnector(name: string, s: OktaSettings, deps: ConnectorDeps): Connector {
  const http: HttpDeps = { fetch: deps.fetch, now: () => deps.clock.now(), name, timeoutMs: s.timeoutMs };
  const okta = new OktaClient({ http, orgUrl: s.orgUrl, apiToken: () => deps.resolveSecret(s.apiTokenRef) });
  const sessionLookbackMs = s.sessionLookbackHours * 3_600_000;
  const owner = async (clientId: string): Promise<ClientCredentials | undefined> => {
    const ref = s.clientSecrets[clientId];
    return ref === undefined ? undefined : { clientId, clientSecret: await deps.resolveSecret(ref) };
  };
  return {
    name,
    manifest: oktaManifest,
    discover: (subject) => discoverOkta(okta, subject, { now: deps.clock.now(), sessionLookbackMs }),
    revoke: (a) => revokeOkta(name, okta, a, { now: deps.clock.now(), sessionLookbackMs }),
    verify: (a) => verifyOkta({ name, okta, owner }, a),
  };
}

export const oktaConnector: ConnectorModule<typeof oktaSettings> = {
  manifest: oktaManifest,
  settingsSchema: oktaSettings,
  create: createOktaConnector,
};
