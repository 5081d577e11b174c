/**
 * A lab OpenSSH user CA with an issuance log, and real private `sshd` hosts on loopback ports that
 * trust it and read a KRL (Debian openssh-server + openssh-client). Started and stopped by tests.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort, listening } from '../net.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';

export interface IssuedCert {
  serial: number;
  keyId: string;
  subject: string;
  principals: string[];
  validBefore: string;
  certPath: string;
  keyPath: string;
}

export interface LabHost {
  name: string;
  port: number;
  krlPath: string;
  knownHostsPath: string;
  logPath: string;
  /** Tries a login with a certificate and its key: true when sshd lets it in. */
  login(cert: IssuedCert): boolean;
  /** Opens a long-lived session with the certificate (an attacker's shell); kill() to end it. */
  openSession(cert: IssuedCert): Promise<ChildProcess>;
  stop(): Promise<void>;
}

export interface LabSsh {
  dir: string;
  caPublicKey: string;
  issuanceLog: string;
  issue(subject: string, opts?: { principals?: string[]; validity?: string }): IssuedCert;
  startHost(name: string): Promise<LabHost>;
  close(): Promise<void>;
}



export function sshArgs(host: { port: number; knownHostsPath: string }, cert: { certPath: string; keyPath: string }, user = 'root'): string[] {
  return ['-F', '/dev/null', '-p', String(host.port), '-i', cert.keyPath, '-o', `CertificateFile=${cert.certPath}`, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${host.knownHostsPath}`, '-o', 'ConnectTimeout=5', `${user}@127.0.0.1`];
}

export async function startLabSsh(): Promise<LabSsh> {
  if (!existsSync(SSHD)) throw new Error(`OpenSSH server is not installed (${SSHD}); install the Debian packages: apt-get install -y openssh-server openssh-client`);
  const dir = mkdtempSync(join(tmpdir(), 'sever-ssh-'));
  const kg = (...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  kg('-t', 'ed25519', '-f', join(dir, 'ca'), '-N', '', '-C', 'sever-lab-user-ca');
  const issuanceLog = join(dir, 'issued.jsonl');
  writeFileSync(issuanceLog, '');
  let serial = 1000;
  const hosts: LabHost[] = [];
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  return {
    dir, caPublicKey: join(dir, 'ca.pub'), issuanceLog,
    issue(subject, opts = {}) {
      const s = ++serial;
      const keyPath = join(dir, `${subject}-${s}`);
      kg('-t', 'ed25519', '-f', keyPath, '-N', '', '-C', `${subject}@lab`);
      const keyId = `${subject}-cert-${s}`;
      const principals = opts.principals ?? ['root'];
      kg('-s', join(dir, 'ca'), '-I', keyId, '-n', principals.join(','), '-V', opts.validity ?? '-5m:+1h', '-z', String(s), `${keyPath}.pub`);
      const info = execFileSync('ssh-keygen', ['-L', '-f', `${keyPath}-cert.pub`]).toString();
      const to = /Valid: from (\S+) to (\S+)/.exec(info)?.[2] ?? '';
      const cert: IssuedCert = { serial: s, keyId, subject, principals, validBefore: new Date(`${to}Z`).toISOString(), certPath: `${keyPath}-cert.pub`, keyPath };
      appendFileSync(issuanceLog, `${JSON.stringify(cert)}\n`);
      return cert;
    },
    async startHost(name) {
      const h = join(dir, `host-${name}`);
      mkdirSync(h);
      kg('-t', 'ed25519', '-f', join(h, 'host_key'), '-N', '');
      kg('-k', '-f', join(h, 'revoked.krl'));
      const port = await freePort();
      writeFileSync(join(h, 'sshd_config'), [
        `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(h, 'host_key')}`, `PidFile ${join(h, 'sshd.pid')}`,
        `TrustedUserCAKeys ${join(dir, 'ca.pub')}`, `RevokedKeys ${join(h, 'revoked.krl')}`, 'AuthorizedKeysFile none', 'PubkeyAuthentication yes',
        'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'PermitRootLogin prohibit-password', 'StrictModes no', 'LogLevel VERBOSE', '',
      ].join('\n'));
      writeFileSync(join(h, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(join(h, 'host_key.pub'), 'utf8')}`);
      const logPath = join(h, 'sshd.log');
      const proc = spawn(SSHD, ['-D', '-f', join(h, 'sshd_config'), '-E', logPath], { stdio: 'ignore' });
      for (let i = 0; !(await listening(port)); i++) {
        if (proc.exitCode !== null || i > 100) throw new Error(`sshd ${name} did not start: ${existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-300) : ''}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const sessions: ChildProcess[] = [];
      const host: LabHost = {
        name, port, krlPath: join(h, 'revoked.krl'), knownHostsPath: join(h, 'known_hosts'), logPath,
        login(cert) {
          try {
            return execFileSync('ssh', [...sshArgs(host, cert), 'echo', 'LOGIN-OK'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).toString().includes('LOGIN-OK');
          } catch {
            return false;
          }
        },
        async openSession(cert) {
          const p = spawn('ssh', [...sshArgs(host, cert), 'echo READY; sleep 600'], { stdio: ['ignore', 'pipe', 'ignore'] });
          sessions.push(p);
          await new Promise<void>((resolve, reject) => {
            p.stdout!.once('data', () => resolve());
            p.once('exit', () => reject(new Error('the session ended before it was ready')));
          });
          return p;
        },
        async stop() {
          for (const s of sessions) s.kill('SIGKILL');
          proc.kill('SIGTERM');
          await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
        },
      };
      hosts.push(host);
      return host;
    },
    async close() {
      for (const h of hosts) await h.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
