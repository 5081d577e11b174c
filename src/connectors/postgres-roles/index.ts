/**
 * The `postgres-roles` connector: a service account's database role and its live connections.
 *
 * ```yaml
 * connectors:
 *   postgres-roles:billing:
 *     settings:
 *       adminUrlRef: env:BILLING_DB_ADMIN_URL     # postgres://admin:…@db:5432/billing (a role with CREATEROLE)
 *       rotation:                                 # optional: rotate-then-revoke for the roles' workloads
 *         deliverTo: file:/etc/billing/database-url   # the connection string the workload reads on reconnect
 * ```
 */
import { z } from 'zod';
import type { Connector, ConnectorModule } from '../contract.ts';
import { secretRef } from '../shared/settings.ts';
import { PgRolesClient } from './client.ts';
import { discoverRoles } from './discover.ts';
import { postgresRolesManifest } from './manifest.ts';
import { revokeRole } from './revoke.ts';
import { adoptionOf, rotateRole } from './rotate.ts';
import { verifyRole } from './verify.ts';

export const postgresRolesSettings = z.strictObject({
  /** Connection string of an admin role (CREATEROLE, pg_signal_backend, pg_read_all_stats), by reference: it holds a password. */
  adminUrlRef: secretRef,
  timeoutMs: z.number().int().positive().max(120_000).default(5_000),
  /**
   * Where a rotated role's connection string goes (the file the workload reads on reconnect).
   * With it, discovered role logins are rotatable and the default policy rotates them first.
   */
  rotation: z.strictObject({ deliverTo: z.string().regex(/^file:\/.+/, 'file:/absolute/path of the workload\'s connection string') }).optional()
    .describe('rotate-then-revoke: { deliverTo: file:/path } of the connection string the workload reads on reconnect; with it, role logins are rotated before they are revoked'),
});

export const postgresRolesModule: ConnectorModule<typeof postgresRolesSettings> = {
  manifest: postgresRolesManifest,
  settingsSchema: postgresRolesSettings,
  create(name, s, deps): Connector {
    const c = new PgRolesClient({ name, adminUrl: () => deps.resolveSecret(s.adminUrlRef), timeoutMs: s.timeoutMs });
    return {
      name, manifest: postgresRolesManifest,
      discover: (subject) => discoverRoles(c, subject, { rotatable: !!s.rotation }),
      revoke: (a) => revokeRole(c, a),
      verify: (a) => verifyRole(c, a),
      rotate: (a) => rotateRole(c, s.rotation, a),
      adoption: (a) => adoptionOf(c, a),
    };
  },
};
