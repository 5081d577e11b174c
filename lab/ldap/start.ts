/**
 * A private OpenLDAP `slapd` on a loopback port (Debian packages slapd + ldap-utils), with the mdb
 * backend and the ppolicy overlay (OpenLDAP has no "enabled" flag: accounts are locked with
 * pwdAccountLockedTime). Started and stopped by tests and the drill; nothing is left behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../net.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';

export const SLAPD = '/usr/sbin/slapd';
export const BASE_DN = 'dc=lab,dc=test';
export const PEOPLE_DN = `ou=people,${BASE_DN}`;
export const ADMIN_DN = `cn=admin,${BASE_DN}`;

export interface LabLdap {
  url: string;
  port: number;
  baseDn: string;
  peopleDn: string;
  adminDn: string;
  adminPassword: string;
  /** Adds (or replaces) a person with a password; returns its DN. */
  addUser(uid: string, password: string): Promise<string>;
  /** Can `uid` bind with `password` right now? (the real directory decides) */
  canBind(uid: string, password: string): Promise<boolean>;
  close(): Promise<void>;
}


export async function startLabLdap(): Promise<LabLdap> {
  if (!existsSync(SLAPD)) {
    throw new Error(`OpenLDAP slapd is not installed (${SLAPD}); install the Debian packages: apt-get install -y slapd ldap-utils`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'sever-ldap-'));
  mkdirSync(join(dir, 'db'));
  const adminPassword = `admin-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, 'slapd.conf'), [
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/nis.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    `pidfile ${join(dir, 'slapd.pid')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload ppolicy',
    'database mdb',
    'maxsize 10485760',
    `suffix "${BASE_DN}"`,
    `rootdn "${ADMIN_DN}"`,
    `rootpw ${adminPassword}`,
    `directory ${join(dir, 'db')}`,
    'overlay ppolicy',
    `ppolicy_default "cn=default,ou=policies,${BASE_DN}"`,
    'ppolicy_use_lockout',
    '',
  ].join('\n'));
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(SLAPD, ['-f', join(dir, 'slapd.conf'), '-h', `${url}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const admin = () => new Client({ url, timeout: 5000, connectTimeout: 2000 });
  // Ready when the admin can bind.
  for (let i = 0; ; i++) {
    const c = admin();
    try {
      await c.bind(ADMIN_DN, adminPassword);
      await c.unbind();
      break;
    } catch {
      await c.unbind().catch(() => undefined);
      if (proc.exitCode !== null || i > 100) {
        proc.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`slapd did not start: ${stderr.slice(-500)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const c = admin();
  await c.bind(ADMIN_DN, adminPassword);
  await c.add(BASE_DN, { objectClass: ['dcObject', 'organization'], dc: 'lab', o: 'Sever lab' });
  await c.add(PEOPLE_DN, { objectClass: 'organizationalUnit', ou: 'people' });
  await c.add(`ou=policies,${BASE_DN}`, { objectClass: 'organizationalUnit', ou: 'policies' });
  await c.add(`cn=default,ou=policies,${BASE_DN}`, { objectClass: ['pwdPolicy', 'person'], cn: 'default', sn: 'policy', pwdAttribute: 'userPassword', pwdLockout: 'TRUE' });
  await c.unbind();

  return {
    url, port, baseDn: BASE_DN, peopleDn: PEOPLE_DN, adminDn: ADMIN_DN, adminPassword,
    async addUser(uid, password) {
      const dn = `uid=${uid},${PEOPLE_DN}`;
      const a = admin();
      try {
        await a.bind(ADMIN_DN, adminPassword);
        await a.del(dn).catch(() => undefined);
        await a.add(dn, { objectClass: ['inetOrgPerson'], uid, cn: uid, sn: uid, userPassword: password });
      } finally {
        await a.unbind();
      }
      return dn;
    },
    async canBind(uid, password) {
      const u = admin();
      try {
        await u.bind(`uid=${uid},${PEOPLE_DN}`, password);
        return true;
      } catch {
        return false;
      } finally {
        await u.unbind().catch(() => undefined);
      }
    },
    async close() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True when the Debian packages this lab needs are present. */
export const ldapAvailable = (): boolean => existsSync(SLAPD) && spawnSync('which', ['ldapwhoami']).status === 0;
