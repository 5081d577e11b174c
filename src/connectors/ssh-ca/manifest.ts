import type { ConnectorManifest } from '../contract.ts';

export const KRL_ADD = 'krl:ssh-keygen -k -u (serial + key id) on every host';
export const KRL_QUERY = 'krl:ssh-keygen -Q per host';
export const LOGIN = 'sshd:certificate login per host';
export const SESSIONS = 'host:established sessions of the serial (sshd log + ss)';

export const sshCaManifest: ConnectorManifest = {
  kind: 'ssh-ca',
  version: 1,
  title: 'OpenSSH user certificates (CA issuance log + KRL)',
  description:
    'Finds the subject\'s unexpired user certificates in the CA\'s issuance log; revokes each by serial and key id in every host\'s KRL, written atomically and checked readable before it replaces the old one (a KRL sshd cannot read refuses every key login); ends sessions the certificate already opened; proves it by ssh-keygen -Q against each host\'s KRL and a real login attempt that sshd must refuse.',
  artifacts: [
    {
      kind: 'ssh-certificate',
      discover: 'the CA issuance log (JSON lines: serial, key id, principals, validity, certificate path)',
      revoke: { method: KRL_ADD, selective: true },
      verify: [KRL_QUERY, LOGIN, SESSIONS],
      permissions: ['write access to each host\'s RevokedKeys file (or to the file a distribution job copies to the hosts)', 'read access to the issuance log and the CA public key', 'on hosts with sshdLog: reading that log and signalling sshd session processes'],
      residue: [
        {
          what: 'SSH connections opened before the revocation are not cut by a KRL (sshd checks it at authentication only)',
          compensatingAction: 'the connector ends them on hosts whose sshdLog is configured; elsewhere they are listed for the host owner to end',
        },
        {
          what: 'revoking a certificate by serial does not revoke its key: a certificate re-issued for the same key logs in',
          compensatingAction: 'stop re-issuing for the subject (CA policy) or revoke the public key itself in the KRL',
        },
      ],
      expectedDeadByMs: 0,
    },
  ],
  limits: { concurrency: 2 },
  verifyPolicy: { pollIntervalMs: 500, deadlineMs: 15_000 },
};
