import type { ConnectorManifest } from '../contract.ts';
import { relist, replay } from '../shared/strength.ts';

export const DISABLE_ROLE = 'sql:ALTER ROLE … NOLOGIN PASSWORD NULL';
export const TERMINATE = 'sql:pg_terminate_backend(pid)';
export const READ_ROLE = 'sql:pg_roles read-back';
export const LOGIN_OLD = 'login:old-password';
export const READ_ACTIVITY = 'sql:pg_stat_activity read-back';
export const ROTATE = 'sql:CREATE ROLE … LOGIN IN ROLE <old> (alternating users), connection string delivered to the workload';
export const ADOPTION = 'sql:pg_stat_activity of the new login role';

export const postgresRolesManifest: ConnectorManifest = {
  kind: 'postgres-roles',
  version: 1,
  title: 'PostgreSQL roles of service accounts',
  description:
    'Finds a role\'s login credential and its live connections; disables the login (NOLOGIN, password removed) and terminates every live backend of the role; proves it by reading the role back, by a real login attempt with the old password (when held) that must fail, and by finding no backend of the role left. With `rotation.deliverTo` set, the plan rotates first (rotate-then-revoke, the "alternating users" strategy): a new login role, member of the old one, whose connection string is delivered to the workload; the old login is disabled only once a connection of the new role is seen.',
  artifacts: [
    {
      kind: 'service-account-binding',
      discover: 'pg_roles: the role, rolcanlogin, rolvaliduntil',
      revoke: { method: DISABLE_ROLE, selective: true },
      rotate: { method: ROTATE, adoption: ADOPTION },
      verify: [relist(READ_ROLE), replay(LOGIN_OLD), relist(READ_ACTIVITY)],
      permissions: [
        'CREATEROLE (or superuser) to alter the role, and to create the rotated role as a member of it',
        'pg_read_all_stats or superuser to see other roles\' backends',
        'pg_signal_backend or superuser to terminate them',
        'rotation: write access to the workload\'s connection-string file (rotation.deliverTo)',
      ],
      residue: [
        {
          what: 'connections opened before NOLOGIN stay open: NOLOGIN only refuses new logins',
          compensatingAction: 'every backend of the role is terminated right after the NOLOGIN (also those opened after discovery), and verification finds none left',
        },
        {
          what: 'dependent workloads that use the role stop working; a rotation instead of a disable needs them moved to the new secret first',
          compensatingAction: 'rotate-then-revoke (policy): the new role\'s connection string goes to rotation.deliverTo, and the old login dies only once a connection of the new role is seen; until then the old password keeps working for whoever holds it',
        },
      ],
      expectedDeadByMs: 0,
    },
    {
      kind: 'app-session',
      discover: 'pg_stat_activity: backends of the role (pid, backend_start, application_name, client_addr)',
      revoke: { method: TERMINATE, selective: true },
      verify: [relist(READ_ACTIVITY)],
      permissions: ['pg_signal_backend or superuser to terminate other roles\' backends'],
      residue: [
        {
          what: 'a client that still holds a working credential reconnects at once',
          compensatingAction: 'disable the role\'s login first (the service-account-binding artifact), then terminate',
        },
      ],
      expectedDeadByMs: 2_000,
    },
  ],
  limits: { concurrency: 4 },
  verifyPolicy: { pollIntervalMs: 200, deadlineMs: 10_000 },
  // A workload picks up a new connection string on its next reconnect: minutes, not hours.
  adoptionPolicy: { pollIntervalMs: 1_000, deadlineMs: 15 * 60_000 },
};
