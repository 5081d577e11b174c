/**
 * The `ssh-ca` connector: OpenSSH user certificates issued by a CA, revoked through the KRL that
 * each host's sshd reads (`RevokedKeys`).
 *
 * ```yaml
 * connectors:
 *   ssh-ca:prod:
 *     settings:
 *       issuanceLog: /var/lib/ssh-ca/issued.jsonl
 *       caPublicKey: /etc/ssh/user_ca.pub
 *       revokeKey: true
 *       hosts:
 *         - { name: bastion, krlPath: /etc/ssh/revoked_keys.krl, sshHost: 127.0.0.1, sshPort: 22, knownHostsPath: /etc/sever/known_hosts, sshdLog: /var/log/sshd.log }
 *         - { name: build, krlPath: /srv/krl/build/revoked_keys.krl, sshHost: build.internal, sshPort: 22 }
 *       loginProbe: { user: deploy }
 * ```
 */
import { z } from 'zod';
import type { Connector, ConnectorModule } from '../contract.ts';
import { SshCaClient } from './client.ts';
import { discoverCerts } from './discover.ts';
import { sshCaManifest } from './manifest.ts';
import { revokeCert } from './revoke.ts';
import { verifyCert } from './verify.ts';

const path = z.string().min(1);

export const sshCaSettings = z.strictObject({
  issuanceLog: path.describe('The CA\'s issuance log: one JSON object per line and certificate (serial, keyId, subject, principals, validAfter, validBefore, fingerprint, certPath). A certificate belongs to the subject whose id equals its subject field (without one: whose id starts its key id, as in alice-…)'),
  caPublicKey: path.describe('The user CA\'s public key (the TrustedUserCAKeys file of the hosts); KRL serial and key id entries are recorded under it'),
  hosts: z.array(z.strictObject({
    name: z.string().min(1).describe('Host name, used in evidence and errors'),
    krlPath: path.describe('The file this host\'s sshd reads as RevokedKeys (on this machine, or a mounted share the host reads); it must exist, an empty one is made by ssh-keygen -k -f'),
    sshHost: z.string().min(1).default('127.0.0.1').describe('Where the login probe reaches the host\'s sshd'),
    sshPort: z.number().int().positive().max(65_535).default(22),
    knownHostsPath: path.optional().describe('known_hosts holding the host key (default: the system\'s); the probe never accepts an unknown host key'),
    sshdLog: path.optional().describe('The sshd log at LogLevel VERBOSE, for a sshd on this machine: lets the connector find and end the sessions a certificate opened'),
  })).min(1).describe('Every host that trusts the CA; each gets the revocation in its own KRL and its own login probe'),
  revokeKey: z.boolean().default(true).describe('Also revoke the certified key itself (its SHA256 hash), so a certificate issued again for the same key is refused too'),
  revokeKeyId: z.boolean().default(true).describe('Also revoke by key id (skipped for a key id another subject\'s live certificate shares)'),
  loginProbe: z.strictObject({
    user: z.string().min(1).optional().describe('Account the probe logs in as (default: each of the certificate\'s principals, at most 4)'),
    privateKeyPath: path.optional().describe('Where the certificate\'s private key is, with {keyId}, {serial} and {subject} placeholders; when present the probe is a full login, otherwise sshd is asked whether it accepts the certificate'),
  }).default({}).describe('The verification login'),
  timeoutMs: z.number().int().positive().max(120_000).default(10_000).describe('Timeout of each ssh-keygen, ssh and ss run'),
});

export type SshCaSettings = z.output<typeof sshCaSettings>;

export function createSshCaConnector(name: string, s: SshCaSettings, deps: { clock: { now(): number } }): Connector {
  const c = new SshCaClient({ name, issuanceLog: s.issuanceLog, caPublicKey: s.caPublicKey, timeoutMs: s.timeoutMs, now: () => deps.clock.now() });
  const hosts = s.hosts.map((h) => ({ ...h }));
  return {
    name,
    manifest: sshCaManifest,
    discover: (subject) => discoverCerts(c, hosts, subject, deps.clock.now()),
    revoke: (a) => revokeCert(c, { hosts, revokeKey: s.revokeKey, revokeKeyId: s.revokeKeyId }, a),
    verify: (a) => verifyCert(c, { hosts, ...s.loginProbe }, a),
  };
}

export const sshCaModule: ConnectorModule<typeof sshCaSettings> = {
  manifest: sshCaManifest,
  settingsSchema: sshCaSettings,
  create: createSshCaConnector,
};
