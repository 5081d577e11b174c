import type { ConnectorManifest } from '../contract.ts';
import { relist, replay } from '../shared/strength.ts';

export const LOCK_AND_RESET = 'ldap-modify:lock+reset-password';
export const READ_BACK = 'ldap-read:entry';
export const BIND_OLD = 'ldap-bind:old-password';

export const ldapManifest: ConnectorManifest = {
  kind: 'ldap',
  version: 1,
  title: 'LDAP directory accounts (OpenLDAP with ppolicy)',
  description:
    'Finds the subject\'s directory account by its naming attribute, locks it (ppolicy pwdAccountLockedTime) and resets its password to a random value nobody holds, in one modify; proves it by reading the entry back and, when the compromised password is known (incident add-artifact --value-file), by a real bind with it that must fail.',
  artifacts: [
    {
      kind: 'directory-account',
      discover: 'search (uid={subject}) under the people base',
      revoke: { method: LOCK_AND_RESET, selective: true },
      verify: [relist(READ_BACK), replay(BIND_OLD)],
      permissions: ['write access to pwdAccountLockedTime and userPassword of people entries (e.g. the rootdn or an ACL granting it)', 'read access to those attributes'],
      residue: [
        {
          what: 'LDAP has no sessions: applications that bound once and keep their own session stay logged in',
          compensatingAction: 'revoke the application sessions with their connectors (e.g. redis-sessions) and collect each application owner\'s sign-off',
        },
        {
          what: 'Kerberos tickets and other credentials issued from this account before the lock remain valid until they expire',
          compensatingAction: 'contain them with their own connectors (e.g. kerberos) in the same incident',
        },
      ],
      expectedDeadByMs: 0,
    },
  ],
  limits: { concurrency: 8, rate: { limit: 200, windowMs: 1_000 } },
  verifyPolicy: { pollIntervalMs: 500, deadlineMs: 30_000 },
};
