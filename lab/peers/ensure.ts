/**
 * The real servers Sever's tests and drill start come from Debian packages. `ensurePeers` finds
 * what is missing, installs it when running as root, and otherwise stops with the exact command.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What each peer needs: files that prove it is installed, and the packages that bring them. */
export const PEERS = [
  { peer: 'Chromium (report --pdf)', files: ['/usr/bin/chromium'], packages: ['chromium'] },
  { peer: 'OpenSSH server and client (ssh-ca)', files: ['/usr/sbin/sshd', '/usr/bin/ssh', '/usr/bin/ssh-keygen', '/usr/bin/ss'], packages: ['openssh-server', 'openssh-client', 'iproute2'] },
  { peer: 'OpenLDAP slapd (ldap)', files: ['/usr/sbin/slapd', '/usr/bin/ldapwhoami'], packages: ['slapd', 'ldap-utils'] },
  { peer: 'MIT Kerberos KDC (kerberos)', files: ['/usr/sbin/krb5kdc', '/usr/sbin/kadmin.local', '/usr/bin/kinit', '/usr/bin/kvno'], packages: ['krb5-kdc', 'krb5-admin-server', 'krb5-user'] },
  { peer: 'OpenSSL command line (the entra lab serves HTTPS with a self-signed certificate)', files: ['/usr/bin/openssl'], packages: ['openssl'] },
  { peer: 'PostgreSQL 15 server binaries (postgres-roles)', files: ['/usr/lib/postgresql/15/bin/initdb', '/usr/lib/postgresql/15/bin/pg_ctl'], packages: ['postgresql-15'] },
] as const;

export interface PeersResult {
  ok: boolean;
  installed: string[];
  /** When not ok: what is missing and the command to run. */
  message?: string;
}

export function ensurePeers(o: { install?: boolean; log?: (s: string) => void } = {}): PeersResult {
  const missing = PEERS.filter((p) => p.files.some((f) => !existsSync(f)));
  const packages = [...new Set(missing.flatMap((p) => [...p.packages]))];
  if (packages.length === 0) return { ok: true, installed: [] };
  const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(' ')}`;
  const what = `missing Debian packages: ${packages.join(', ')} (${missing.map((p) => p.peer).join('; ')})`;
  if (o.install === false || process.getuid?.() !== 0) return { ok: false, installed: [], message: `${what}.\nRun as root: ${command}` };
  o.log?.(`installing Debian packages: ${packages.join(' ')}`);
  // slapd would otherwise ask for (and create) a system directory; Sever runs private instances.
  spawnSync('sh', ['-c', "echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections"], { stdio: 'ignore' });
  try {
    execFileSync('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch {
    return { ok: false, installed: [], message: `could not install ${packages.join(' ')}; run: ${command}` };
  }
  const still = PEERS.filter((p) => p.files.some((f) => !existsSync(f)));
  return still.length ? { ok: false, installed: packages, message: `still missing after install: ${still.map((p) => p.peer).join('; ')}` } : { ok: true, installed: packages };
}
