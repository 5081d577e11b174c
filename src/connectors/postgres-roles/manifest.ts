import type { ConnectorManifest } from '../contract.ts';

export const DISABLE_ROLE = 'sql:ALTER ROLE … NOLOGIN PASSWORD NULL';
export const TERMINATE = 'sql:pg_terminate_backend(pid)';
export const READ_ROLE = 'sql:pg_roles read-back';
export const LOGIN_OLD = 'login:old-password';
export const READ_ACTIVITY = 'sql:pg_stat_activity read-back';

export const postgresRolesManifest: ConnectorManifest = {
  kind: 'postgres-roles',
  version: 1,
  title: 'PostgreSQL roles of service accounts',
  description:
    'Finds a role\'s login credential and its live connections; disables the login (NOLOGIN, password removed) and terminates each live backend; proves it by reading the role back, by a real login attempt with the old password (when held) that must fail, and by finding no backend of the role left.',
  artifacts: [
    {
      kind: 'service-account-binding',
      discover: 'pg_roles: the role, rolcanlogin, rolvaliduntil',
      revoke: { method: DISABLE_ROLE, selective: true },
      verify: [READ_ROLE, LOGIN_OLD],
      permissions: ['CREATEROLE (or superuser) to alter the role', 'pg_read_all_stats or superuser to see other roles\' backends'],
      residue: [
        {
          what: 'connections opened before NOLOGIN stay open: NOLOGIN only refuses new logins',
          compensatingAction: 'terminate each live backend (the app-session artifacts of this role)',
        },
        {
          what: 'dependent workloads that use the role stop working; a rotation instead of a disable needs them moved to the new secret first',
          compensatingAction: 'plan it as a scheduled rotation with the owning team (policy), and verify the new secret is in use before the old one dies',
        },
      ],
      expectedDeadByMs: 0,
    },
    {
      kind: 'app-session',
      discover: 'pg_stat_activity: backends of the role (pid, backend_start, application_name, client_addr)',
      revoke: { method: TERMINATE, selective: true },
      verify: [READ_ACTIVITY],
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
};
