/**
 * The `ldap` connector: directory accounts in OpenLDAP (ppolicy) or any LDAP server that honours
 * pwdAccountLockedTime.
 *
 * ```yaml
 * connectors:
 *   ldap:corp:
 *     settings:
 *       url: ldap://ldap.example.com:389
 *       bindDn: cn=sever,ou=services,dc=example,dc=com
 *       bindPasswordRef: env:LDAP_SEVER_PASSWORD
 *       base: ou=people,dc=example,dc=com
 * ```
 */
import { z } from 'zod';
import type { Connector, ConnectorModule } from '../contract.ts';
import { secretRef } from '../shared/settings.ts';
import { LdapClient } from './client.ts';
import { discoverLdap } from './discover.ts';
import { ldapManifest } from './manifest.ts';
import { revokeLdap } from './revoke.ts';
import { verifyLdap } from './verify.ts';

export const ldapSettings = z.strictObject({
  /** ldap:// or ldaps:// URL of the directory. */
  url: z.string().regex(/^ldaps?:\/\/[^\s]+$/, 'an ldap:// or ldaps:// URL'),
  /** DN Sever binds as; needs write access to pwdAccountLockedTime and userPassword. */
  bindDn: z.string().min(1),
  bindPasswordRef: secretRef,
  /** Where people entries live. */
  base: z.string().min(1),
  /** The naming attribute matched against the subject id. */
  attribute: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/).default('uid'),
  timeoutMs: z.number().int().positive().max(120_000).default(5_000),
});

export const ldapModule: ConnectorModule<typeof ldapSettings> = {
  manifest: ldapManifest,
  settingsSchema: ldapSettings,
  create(name, s, deps): Connector {
    const client = new LdapClient({ name, url: s.url, bindDn: s.bindDn, bindPassword: () => deps.resolveSecret(s.bindPasswordRef), base: s.base, attribute: s.attribute, timeoutMs: s.timeoutMs });
    return {
      name,
      manifest: ldapManifest,
      discover: (subject) => discoverLdap(client, subject),
      revoke: (a) => revokeLdap(client, a),
      verify: (a) => verifyLdap(client, a),
    };
  },
};
