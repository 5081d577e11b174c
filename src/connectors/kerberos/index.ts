/**
 * The `kerberos` connector: MIT Kerberos principals and the tickets issued to them.
 *
 * ```yaml
 * connectors:
 *   kerberos:corp:
 *     settings:
 *       realm: CORP.EXAMPLE
 *       krb5Config: /etc/krb5.conf
 *       kadmin: { principal: sever/admin, keytabRef: file:/etc/sever/kadmin.keytab }   # or kadmin: local (on the KDC host)
 *       kdcProfile: /etc/krb5kdc/kdc.conf        # with kadmin: local
 *       kdcLog: /var/log/krb5kdc.log             # where issued tickets are read from
 * ```
 */
import { z } from 'zod';
import { fileRef } from '../shared/settings.ts';
import type { Connector, ConnectorModule } from '../contract.ts';
import { KerberosClient } from './client.ts';
import { discoverKerberos } from './discover.ts';
import { kerberosManifest } from './manifest.ts';
import { revokeKerberos } from './revoke.ts';
import { verifyKerberos } from './verify.ts';


export const kerberosSettings = z.strictObject({
  realm: z.string().regex(/^[A-Z0-9.-]+$/, 'an upper-case Kerberos realm'),
  /** krb5.conf for kinit (KRB5_CONFIG). */
  krb5Config: z.string().min(1),
  /** `local`: kadmin.local on the KDC host (needs kdcProfile); or a kadmin principal with a keytab. */
  kadmin: z.union([z.literal('local'), z.strictObject({ principal: z.string().min(1), keytabRef: fileRef })]),
  /** kdc.conf (KRB5_KDC_PROFILE), for kadmin: local. */
  kdcProfile: z.string().min(1).optional(),
  /** The KDC log: issued tickets are discovered from its AS_REQ ISSUE lines. Without it, tickets are not discovered. */
  kdcLog: z.string().min(1).optional(),
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
});

export const kerberosModule: ConnectorModule<typeof kerberosSettings> = {
  manifest: kerberosManifest,
  settingsSchema: kerberosSettings,
  create(name, s, deps): Connector {
    const env = { ...process.env, KRB5_CONFIG: s.krb5Config, ...(s.kdcProfile ? { KRB5_KDC_PROFILE: s.kdcProfile } : {}) } as Record<string, string>;
    const k = new KerberosClient({
      name, realm: s.realm, env, timeoutMs: s.timeoutMs, ...(s.kdcLog ? { kdcLogPath: s.kdcLog } : {}),
      // A keytab is binary: it is passed to kadmin by path, never read by Sever.
      kadminArgv: async () => (s.kadmin === 'local' ? ['kadmin.local', '-r', s.realm] : ['kadmin', '-r', s.realm, '-p', s.kadmin.principal, '-k', '-t', s.kadmin.keytabRef.slice('file:'.length)]),
    });
    return {
      name,
      manifest: kerberosManifest,
      discover: (subject) => discoverKerberos(k, subject, deps.clock.now()),
      revoke: (a) => revokeKerberos(k, a),
      verify: (a) => verifyKerberos(k, a, deps.clock.now()),
    };
  },
};
