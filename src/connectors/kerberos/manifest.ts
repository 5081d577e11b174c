import type { ConnectorManifest } from '../contract.ts';
import { relist, replay, selfReport } from '../shared/strength.ts';

export const DISABLE_AND_RANDKEY = 'kadmin:modprinc -allow_tix + cpw -randkey';
export const GETPRINC = 'kadmin:getprinc';
export const KINIT_OLD = 'kinit:old-password';
export const TICKET_ENDTIME = 'kdc:ticket-endtime';
export const KRBTGT_KVNO = 'kadmin:getprinc krbtgt (key version)';
export const NO_TICKET_REVOCATION = 'none: Kerberos has no ticket revocation';

export const kerberosManifest: ConnectorManifest = {
  kind: 'kerberos',
  version: 1,
  title: 'MIT Kerberos principals and their tickets',
  description:
    'Disables the subject\'s principal and replaces its keys (no new tickets can be obtained with the old password), and shows every ticket-granting ticket the KDC issued to it (read from the KDC log) as residual exposure until its end time: Kerberos cannot revoke an issued ticket. The only cut is rotating krbtgt/REALM, which ends every ticket of every principal in the realm; the plan names that collateral and leaves the decision to people.',
  artifacts: [
    {
      kind: 'directory-account',
      discover: 'kadmin getprinc {subject}',
      revoke: { method: DISABLE_AND_RANDKEY, selective: true },
      verify: [relist(GETPRINC), replay(KINIT_OLD)],
      permissions: ['kadmin: modify (m) and change-password (c) on the principal; inquire (i) on it and on krbtgt/REALM'],
      residue: [
        {
          what: 'ticket-granting tickets issued before the disable still obtain service tickets until their end time (max_life)',
          compensatingAction: 'await their expiry (shown as residual exposure), or rotate krbtgt/REALM (realm-wide: every principal must re-authenticate)',
        },
      ],
      expectedDeadByMs: 0,
    },
    {
      kind: 'access-token',
      discover: 'KDC log: AS_REQ … ISSUE lines for {subject} for krbtgt/REALM (the KDC keeps no list of issued tickets)',
      revoke: { method: NO_TICKET_REVOCATION, selective: false, fallback: 'await the ticket end time; or rotate krbtgt/REALM (cpw -randkey krbtgt/REALM), which ends every ticket in the realm (collateral: all principals)' },
      verify: [selfReport(TICKET_ENDTIME), relist(KRBTGT_KVNO)],
      permissions: ['read access to the KDC log', 'kadmin: inquire (i) on krbtgt/REALM'],
      residue: [
        {
          what: 'the ticket works at every service of the realm until its end time; service tickets already obtained with it live on even after a krbtgt rotation (they are keyed to each service), and services cache authenticated sessions of their own',
          compensatingAction: 'end application sessions with their connectors; re-key the services the subject used if their tickets matter; rotate krbtgt/REALM only as a realm-wide decision',
        },
      ],
      expectedDeadByMs: 0,
    },
  ],
  limits: { concurrency: 4 },
  verifyPolicy: { pollIntervalMs: 1_000, deadlineMs: 30_000 },
};
