/**
 * Makes sure the real servers the tests start are installed (Debian packages), installing the
 * missing ones when run as root, and otherwise stopping with the exact command to run.
 * Run by `npm test` before the tests; `node scripts/ensure-peers.ts --check` only reports.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What each peer needs: a file that proves it is installed, and the packages that bring it. */
export const PEERS = [
  { peer: 'OpenSSH server and client (ssh-ca connector)', files: ['/usr/sbin/sshd', '/usr/bin/ssh', '/usr/bin/ssh-keygen', '/usr/bin/ss'], packages: ['openssh-server', 'openssh-client', 'iproute2'] },
  { peer: 'OpenLDAP slapd (ldap connector)', files: ['/usr/sbin/slapd', '/usr/bin/ldapwhoami'], packages: ['slapd', 'ldap-utils'] },
  { peer: 'MIT Kerberos KDC (kerberos connector)', files: ['/usr/sbin/krb5kdc', '/usr/sbin/kadmin.local', '/usr/bin/kinit', '/usr/bin/kvno'], packages: ['krb5-kdc', 'krb5-admin-server', 'krb5-user'] },
  { peer: 'PostgreSQL 15 server binaries (private instances for postgres-roles)', files: ['/usr/lib/postgresql/15/bin/initdb', '/usr/lib/postgresql/15/bin/pg_ctl'], packages: ['postgresql-15'] },
] as const;

const missing = PEERS.filter((p) => p.files.some((f) => !existsSync(f)));
const packages = [...new Set(missing.flatMap((p) => [...p.packages]))];
if (packages.length === 0) process.exit(0);
const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(' ')}`;
const isRoot = process.getuid?.() === 0;
if (process.argv.includes('--check') || !isRoot) {
  process.stderr.write(`missing Debian packages for the tests: ${packages.join(', ')} (${missing.map((p) => p.peer).join('; ')}).\nRun as root: ${command}\n`);
  process.exit(1);
}
process.stderr.write(`installing Debian packages for the tests: ${packages.join(' ')}\n`);
// slapd would otherwise ask for (and create) a system directory; the tests run private instances.
spawnSync('sh', ['-c', "echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections"], { stdio: 'inherit' });
try {
  execFileSync('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
} catch {
  process.stderr.write(`could not install ${packages.join(' ')}; run: ${command}\n`);
  process.exit(1);
}
const still = PEERS.filter((p) => p.files.some((f) => !existsSync(f)));
if (still.length) {
  process.stderr.write(`still missing after install: ${still.map((p) => p.peer).join('; ')}\n`);
  process.exit(1);
}
