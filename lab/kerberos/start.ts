/**
 * A private MIT Kerberos realm on a loopback port (Debian krb5-kdc, krb5-admin-server,
 * krb5-user): its own database, kdc.conf and krb5.conf, selected by KRB5_CONFIG and
 * KRB5_KDC_PROFILE, a KDC in the foreground, and a log the connector reads issued tickets from.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort, listening } from '../net.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const KRB5KDC = '/usr/sbin/krb5kdc';

export interface LabKerberos {
  realm: string;
  port: number;
  dir: string;
  env: Record<string, string>;
  krb5Config: string;
  kdcProfile: string;
  kdcLog: string;
  addPrincipal(name: string, password?: string): Promise<void>;
  /** kinit into a fresh credential cache: the cache path, or the error text. */
  kinit(principal: string, password: string): Promise<{ ok: true; ccache: string } | { ok: false; error: string }>;
  /** Asks the KDC for a service ticket with the TGT in `ccache` (kvno): true when granted. */
  serviceTicket(ccache: string, service: string): Promise<boolean>;
  kadmin(query: string): Promise<string>;
  close(): Promise<void>;
}



export async function startLabKerberos(realm = 'SEVER.TEST'): Promise<LabKerberos> {
  if (!existsSync(KRB5KDC)) throw new Error(`MIT Kerberos is not installed (${KRB5KDC}); install the Debian packages: apt-get install -y krb5-kdc krb5-admin-server krb5-user`);
  const dir = mkdtempSync(join(tmpdir(), 'sever-krb5-'));
  const port = await freePort();
  const krb5Config = join(dir, 'krb5.conf');
  const kdcProfile = join(dir, 'kdc.conf');
  const kdcLog = join(dir, 'kdc.log');
  writeFileSync(krb5Config, `[libdefaults]
  default_realm = ${realm}
  dns_lookup_kdc = false
  dns_lookup_realm = false
  udp_preference_limit = 1
  rdns = false
  ticket_lifetime = 10h
[realms]
  ${realm} = {
    kdc = 127.0.0.1:${port}
  }
`);
  writeFileSync(kdcProfile, `[kdcdefaults]
  kdc_ports = ${port}
  kdc_tcp_ports = ${port}
[realms]
  ${realm} = {
    database_name = ${join(dir, 'principal')}
    key_stash_file = ${join(dir, 'stash')}
    acl_file = ${join(dir, 'kadm5.acl')}
    max_life = 10h
    max_renewable_life = 1d
    supported_enctypes = aes256-cts-hmac-sha1-96:normal
  }
[logging]
  kdc = FILE:${kdcLog}
`);
  writeFileSync(join(dir, 'kadm5.acl'), `*/admin@${realm} *\n`);
  const env = { ...process.env, KRB5_CONFIG: krb5Config, KRB5_KDC_PROFILE: kdcProfile } as Record<string, string>;
  await run('/usr/sbin/kdb5_util', ['create', '-s', '-r', realm, '-P', `master-${port}`], { env });
  const kdc: ChildProcess = spawn(KRB5KDC, ['-n', '-r', realm], { env, stdio: 'ignore' });
  for (let i = 0; !(await listening(port)); i++) {
    if (kdc.exitCode !== null || i > 100) {
      kdc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error('krb5kdc did not start');
    }
    await new Promise((r) => setTimeout(r, 30));
  }
  const kadmin = async (q: string) => (await run('/usr/sbin/kadmin.local', ['-r', realm, '-q', q], { env })).stdout;
  let n = 0;
  return {
    realm, port, dir, env, krb5Config, kdcProfile, kdcLog,
    kadmin,
    async addPrincipal(name, password) {
      await kadmin(password === undefined ? `addprinc -randkey ${name}` : `addprinc -pw ${password} ${name}`);
    },
    async kinit(principal, password) {
      const ccache = join(dir, `cc-${++n}`);
      return new Promise((resolve) => {
        const p = spawn('/usr/bin/kinit', ['-c', `FILE:${ccache}`, principal], { env, stdio: ['pipe', 'ignore', 'pipe'] });
        let err = '';
        p.stderr!.on('data', (d) => (err += d));
        p.stdin!.end(`${password}\n`);
        p.on('close', (code) => resolve(code === 0 ? { ok: true, ccache } : { ok: false, error: err.trim() }));
      });
    },
    async serviceTicket(ccache, service) {
      try {
        await run('/usr/bin/kvno', ['-c', `FILE:${ccache}`, service], { env });
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      kdc.kill('SIGTERM');
      await new Promise((r) => (kdc.exitCode !== null ? r(null) : kdc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
