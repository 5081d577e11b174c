/**
 * The `ssh-ca` connector: OpenSSH user certificates issued by a CA, revoked through KRLs.
 *
 * ```yaml
 * connectors:
 *   ssh-ca:prod:
 *     settings:
 *       issuanceLog: /var/lib/ssh-ca/issued.jsonl
 *       caPublicKey: /etc/ssh/user_ca.pub
 *       hosts:
 *         - { name: bastion, krlPath: /etc/ssh/revoked.krl, sshHost: bastion.example, sshPort: 22, knownHostsPath: /etc/sever/known_hosts, sshdLog: /var/log/sshd.log }
 * ```
 */
import { z } from 'zod';
import type { Connector, ConnectorModule } from '../contract.ts';
import { SshCaClient } from './client.ts';
import { discoverCerts } from './discover.ts';
import { sshCaManifest } from './manifest.ts';
import { revokeCert } from './revoke.ts';
import { verifyCert } from './verify.ts';

export const sshCaSettings = z.strictObject({
  /** JSON lines, one per issued certificate: serial, keyId, subject, principals, validBefore (ISO), certPath[, keyPath]. */
  issuanceLog: z.string().min(1),
  caPublicKey: z.string().min(1),
  hosts: z.array(z.strictObject({
    name: z.string().min(1),
    /** The file sshd's RevokedKeys points at. */
    krlPath: z.string().min(1),
    sshHost: z.string().min(1).default('127.0.0.1'),
    /** With knownHostsPath: a real login attempt proves the refusal. */
    sshPort: z.number().int().positive().max(65_535).optional(),
    knownHostsPath: z.string().min(1).optional(),
    /** sshd's log (LogLevel VERBOSE): lets the connector find and end sessions the certificate opened. */
    sshdLog: z.string().min(1).optional(),
  })).min(1),
  loginUser: z.string().min(1).default('root'),
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
});

export const sshCaModule: ConnectorModule<typeof sshCaSettings> = {
  manifest: sshCaManifest,
  settingsSchema: sshCaSettings,
  create(name, s, deps): Connector {
    const c = new SshCaClient({ name, issuanceLog: s.issuanceLog, caPublicKey: s.caPublicKey, hosts: s.hosts, loginUser: s.loginUser, timeoutMs: s.timeoutMs });
    return { name, manifest: sshCaManifest, discover: (subject) => discoverCerts(c, subject, deps.clock.now()), revoke: (a) => revokeCert(c, a), verify: (a) => verifyCert(c, a) };
  },
};
