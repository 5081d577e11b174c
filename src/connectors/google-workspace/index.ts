/**
 * The `google-workspace` connector: one Google Workspace customer through the Admin SDK Directory
 * API (`@googleapis/admin`). The same code reaches the lab (`lab/google/`) or Google: only the
 * settings change.
 *
 * ```yaml
 * connectors:
 *   google-workspace:corp:
 *     settings:
 *       accessTokenRef: file:/run/secrets/google-admin-token   # OAuth access token (Bearer) of a service account
 *                                                                 # with domain-wide delegation, impersonating a dedicated admin
 *       customerId: my_customer
 *       deviceAction: admin_account_wipe                           # or block
 *       # rootUrl: https://admin.googleapis.com/                   # the default
 * ```
 *
 * Least privilege (the manifest lists them per kind): admin.directory.user.security,
 * admin.directory.device.mobile.action, admin.directory.user.readonly. The access token is read
 * from its reference on every call (tokens live an hour: whatever refreshes the file keeps Sever
 * working); a JWT-bearer service-account flow inside Sever is not wired yet.
 */
import { z } from 'zod';
import type { Connector, ConnectorDeps, ConnectorModule } from '../contract.ts';
import { secretRef } from '../shared/settings.ts';
import { GoogleClient } from './client.ts';
import { discoverGoogle } from './discover.ts';
import { googleManifest } from './manifest.ts';
import { revokeGoogle } from './revoke.ts';
import { verifyGoogle } from './verify.ts';

export const googleSettings = z.strictObject({
  /** API root (scheme, host, trailing slash). */
  rootUrl: z.url().default('https://admin.googleapis.com/'),
  /** OAuth access token with the manifest's scopes, by reference; never logged. */
  accessTokenRef: secretRef,
  /** The customer (`my_customer` = the admin's own). */
  customerId: z.string().min(1).default('my_customer'),
  /** What revoking a mobile device does: remove the account from it, or block its sync. */
  deviceAction: z.enum(['admin_account_wipe', 'block']).default('admin_account_wipe'),
  /** users.list page size for integration subjects (Google allows up to 500). */
  pageSize: z.number().int().min(1).max(500).default(500),
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
});

export type GoogleSettings = z.output<typeof googleSettings>;

export function createGoogleConnector(name: string, s: GoogleSettings, deps: ConnectorDeps): Connector {
  const google = new GoogleClient({
    http: { fetch: deps.fetch, now: () => deps.clock.now(), name, timeoutMs: s.timeoutMs },
    rootUrl: s.rootUrl.endsWith('/') ? s.rootUrl : `${s.rootUrl}/`,
    customerId: s.customerId,
    accessToken: () => deps.resolveSecret(s.accessTokenRef),
  });
  return {
    name,
    manifest: googleManifest,
    discover: (subject) => discoverGoogle(google, subject, { pageSize: s.pageSize }),
    revoke: (a) => revokeGoogle(name, google, a, s.deviceAction),
    verify: (a) => verifyGoogle(name, google, a),
  };
}

export const googleWorkspaceConnector: ConnectorModule<typeof googleSettings> = {
  manifest: googleManifest,
  settingsSchema: googleSettings,
  create: createGoogleConnector,
};
