/**
 * What the ssh-ca connector discovers, revokes and verifies, the access each step needs, and what
 * survives a KRL revocation.
 */
import type { ConnectorManifest } from '../contract.ts';
import { relist, replay } from '../shared/strength.ts';

export const KRL_ADD = 'krl:ssh-keygen -k -u (serial, key id, key) into every host\'s RevokedKeys file, atomically';
export const KRL_QUERY = 'krl:ssh-keygen -Q against each host\'s RevokedKeys file';
export const LOGIN = 'sshd:login attempt with the certificate on each host';
export const SESSIONS = 'sshd:established sessions of the certificate (sshd log + ss)';

export const sshCaManifest: ConnectorManifest = {
  kind: 'ssh-ca',
  version: 1,
  title: 'OpenSSH user certificates (CA issuance log + KRL)',
  description: [
    'Finds the subject\'s unexpired OpenSSH user certificates in the CA\'s issuance log and revokes each in the KRL (RevokedKeys file) of every host:',
    'by serial, by key id (unless another subject\'s live certificate shares it) and, with revokeKey (the default), by the certified key itself.',
    'Each host\'s KRL is updated as a copy that must parse, keep every earlier revocation and revoke the certificate before it is renamed over the original:',
    'a KRL that sshd cannot read refuses every key login on that host, so a host is never left with one.',
    'Sessions the certificate opened before the revocation are ended on hosts whose sshd log Sever can read.',
    'Death is proved per host by ssh-keygen -Q against the host\'s KRL and by a login attempt with the certificate that sshd must refuse',
    '(a full login when Sever holds the private key, otherwise sshd\'s answer to the offered certificate), so a KRL file that sshd does not enforce never passes.',
  ].join(' '),
  artifacts: [
    {
      kind: 'ssh-certificate',
      discover: 'the CA\'s issuance log (JSON lines: serial, key id, subject, principals, validity, key fingerprint, certificate path), less certificates expired or already revoked on every host',
      revoke: { method: KRL_ADD, selective: true },
      verify: [relist(KRL_QUERY), replay(LOGIN), relist(SESSIONS)],
      permissions: [
        'read the CA issuance log, the CA public key and the issued certificates (never the CA private key)',
        'write each host\'s RevokedKeys file and create files in its folder (the checked copy and a lock file are renamed or removed there)',
        'an SSH route to each host\'s sshd and its host key in known_hosts, for the login probe (no account needed: the probe offers the subject\'s certificate)',
        'on hosts with sshdLog (a sshd on the machine Sever runs on): read that log, list sockets with their processes (ss -p) and signal sshd session processes (root)',
      ],
      residue: [
        {
          what: 'SSH connections opened before the revocation stay up: sshd checks the KRL only when a connection authenticates',
          compensatingAction: 'the connector ends them on hosts with sshdLog: it finds every still-established connection the sshd log shows the certificate authenticated (ss maps it to its sshd processes), kills what runs in those sessions, background jobs included, and stops the sshd processes; verify fails while one remains. On hosts without sshdLog the revoke response says they were not visible: end them there (pkill -KILL -s <session> or restart sshd)',
        },
        {
          what: 'what a session started in a new session of its own (setsid, a daemon), and persistence it planted (crontab, systemd user units, authorized_keys where AuthorizedKeysFile is on) outlive the connection',
          compensatingAction: 'host forensics for the principal accounts the certificate named: list and end their processes, remove planted jobs and keys',
        },
        {
          what: 'revoking a certificate by serial or key id does not revoke its key: a certificate the CA issues again for the same key logs in',
          compensatingAction: 'revokeKey (the default) also puts the key\'s SHA256 hash in every KRL, which refuses every certificate on that key, present and future; the subject then needs a new key pair. Also stop the CA from issuing to the subject (disable the account at the identity provider that the CA trusts)',
        },
        {
          what: 'a key id shared with another subject\'s live certificate is not revoked by id (that would revoke the other certificate too)',
          compensatingAction: 'none needed for this certificate: its serial and key are revoked; fix the CA so key ids are unique per certificate',
        },
      ],
      // sshd reads the KRL at every authentication: dead as soon as the file is renamed.
      expectedDeadByMs: 0,
    },
  ],
  // KRL updates are serialized per host anyway, but the session lookups and login probes around
  // them run in parallel; 8 stays under sshd's default MaxStartups (10), past which it drops
  // unauthenticated connections and a probe would fail.
  limits: { concurrency: 8 },
  verifyPolicy: { pollIntervalMs: 500, deadlineMs: 15_000 },
};
