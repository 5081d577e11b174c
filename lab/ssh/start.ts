/**
 * A lab OpenSSH user CA with an issuance log, and real private `sshd` hosts on loopback ports that
 * trust it and read a KRL each (Debian openssh-server + openssh-client). Started and stopped by
 * tests, the drill and the bench; everything lives in one temp folder:
 *
 *   ca/ca, ca/ca.pub          the user CA (TrustedUserCAKeys of every host)
 *   ca/issued.jsonl           the issuance log, one JSON line per signed certificate
 *   ca/issued/<serial>-cert.pub   the CA's copy of each certificate
 *   users/<serial>[.pub|-cert.pub] the user's side: key pair and certificate
 *   host-<name>/              sshd_config, host key, revoked.krl, known_hosts, sshd.log, sshd.pid
 *
 * sshd runs as root (privilege separation needs /run/sshd) with LogLevel VERBOSE, UsePAM no,
 * AuthorizedKeysFile none: only certificates of the lab CA log in. Certificates are issued for
 * the principal `root` by default (root logs in with PermitRootLogin prohibit-password).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, listening } from '../net.ts';

export const SSHD = '/usr/sbin/sshd';
const INSTALL = 'apt-get install -y openssh-server openssh-client iproute2';

/** One issued certificate: the issuance log's line, plus where the user's private key is. */
export interface IssuedCert {
  serial: number;
  keyId: string;
  subject: string;
  principals: string[];
  validAfter: string;
  validBefore: string;
  fingerprint: string;
  /** The CA's copy of the certificate (what the issuance log names). */
  certPath: string;
  /** The user's private key (never in the log: the CA does not have it). */
  keyPath: string;
}

export interface LabHost {
  name: string;
  port: number;
  krlPath: string;
  knownHostsPath: string;
  logPath: string;
  /** Tries a login with a certificate and its key: true when sshd lets it in. */
  login(cert: Pick<IssuedCert, 'certPath' | 'keyPath'>): boolean;
  /**
   * Opens a long-lived session with the certificate (an attacker's shell): it runs `command` (by
   * default nothing), says READY, then waits for its stdin to close. The returned ssh client
   * exits when sshd ends the connection; stop() closes it otherwise.
   */
  openSession(cert: Pick<IssuedCert, 'certPath' | 'keyPath'>, command?: string): Promise<ChildProcess>;
  stop(): Promise<void>;
}

export interface LabSsh {
  dir: string;
  caPublicKey: string;
  issuanceLog: string;
  /** `loginProbe.privateKeyPath` for the connector: the users' private keys by serial. */
  privateKeyPath: string;
  /**
   * Signs a certificate for `subject` with `ssh-keygen -s` and appends it to the issuance log.
   * A new key pair each time, unless `sameKeyAs` names an earlier certificate whose key is reused.
   */
  issue(subject: string, opts?: { principals?: string[]; validity?: string; sameKeyAs?: IssuedCert; keyId?: string }): IssuedCert;
  startHost(name: string): Promise<LabHost>;
  close(): Promise<void>;
}

export function sshArgs(host: { port: number; knownHostsPath: string }, cert: { certPath: string; keyPath: string }, user = 'root'): string[] {
  return ['-F', '/dev/null', '-p', String(host.port), '-i', cert.keyPath, '-o', `CertificateFile=${cert.certPath}`, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${host.knownHostsPath}`, '-o', 'ConnectTimeout=5', `${user}@127.0.0.1`];
}

const kg = (...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

/** `ssh-keygen -L` prints validity in local time: read it in UTC. */
function validity(certPath: string): { validAfter: string; validBefore: string } {
  const info = execFileSync('ssh-keygen', ['-L', '-f', certPath], { env: { ...process.env, TZ: 'UTC' } }).toString();
  if (/Valid: forever/.test(info)) return { validAfter: new Date(0).toISOString(), validBefore: 'forever' };
  const m = /Valid: (?:from (\S+) )?to (\S+)/.exec(info);
  const iso = (t: string | undefined) => (t === undefined || t === 'forever' ? 'forever' : new Date(`${t}Z`).toISOString());
  return { validAfter: m?.[1] ? iso(m[1]) : new Date(0).toISOString(), validBefore: iso(m?.[2]) };
}

export async function startLabSsh(): Promise<LabSsh> {
  for (const tool of [SSHD, '/usr/bin/ssh', '/usr/bin/ssh-keygen']) {
    if (!existsSync(tool)) throw new Error(`OpenSSH is not installed (${tool} is missing); install the Debian packages: ${INSTALL}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'sever-ssh-'));
  const ca = join(dir, 'ca');
  const users = join(dir, 'users');
  for (const d of [ca, join(ca, 'issued'), join(ca, 'requests'), users]) mkdirSync(d, { recursive: true });
  kg('-t', 'ed25519', '-f', join(ca, 'ca'), '-N', '', '-C', 'sever-lab-user-ca');
  const issuanceLog = join(ca, 'issued.jsonl');
  writeFileSync(issuanceLog, '');
  let serial = 1000;
  const hosts: LabHost[] = [];
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  return {
    dir, caPublicKey: join(ca, 'ca.pub'), issuanceLog, privateKeyPath: join(users, '{serial}'),
    issue(subject, opts = {}) {
      const s = ++serial;
      const keyId = opts.keyId ?? `${subject}-cert-${s}`;
      const keyPath = join(users, String(s));
      if (opts.sameKeyAs) {
        copyFileSync(opts.sameKeyAs.keyPath, keyPath);
        copyFileSync(`${opts.sameKeyAs.keyPath}.pub`, `${keyPath}.pub`);
      } else {
        kg('-t', 'ed25519', '-f', keyPath, '-N', '', '-C', `${subject}@lab`);
      }
      // The CA signs a copy of the public key it was sent and keeps the certificate.
      const request = join(ca, 'requests', `${s}.pub`);
      copyFileSync(`${keyPath}.pub`, request);
      const principals = opts.principals ?? ['root'];
      kg('-s', join(ca, 'ca'), '-I', keyId, ...(principals.length ? ['-n', principals.join(',')] : []), '-V', opts.validity ?? '-5m:+1h', '-z', String(s), request);
      const certPath = join(ca, 'issued', `${s}-cert.pub`);
      renameSync(join(ca, 'requests', `${s}-cert.pub`), certPath);
      copyFileSync(certPath, `${keyPath}-cert.pub`);
      const fingerprint = /SHA256:\S+/.exec(execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', certPath]).toString())![0];
      const line = { serial: s, keyId, subject, principals, ...validity(certPath), fingerprint, certPath };
      appendFileSync(issuanceLog, `${JSON.stringify(line)}\n`);
      return { ...line, keyPath };
    },
    async startHost(name) {
      const h = join(dir, `host-${name}`);
      mkdirSync(h);
      kg('-t', 'ed25519', '-f', join(h, 'host_key'), '-N', '');
      kg('-k', '-f', join(h, 'revoked.krl'));
      const port = await freePort();
      writeFileSync(join(h, 'sshd_config'), [
        `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(h, 'host_key')}`, `PidFile ${join(h, 'sshd.pid')}`,
        `TrustedUserCAKeys ${join(ca, 'ca.pub')}`, `RevokedKeys ${join(h, 'revoked.krl')}`, 'AuthorizedKeysFile none', 'PubkeyAuthentication yes',
        'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'PermitRootLogin prohibit-password', 'StrictModes no', 'LogLevel VERBOSE', '',
      ].join('\n'));
      writeFileSync(join(h, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(join(h, 'host_key.pub'), 'utf8')}`);
      const logPath = join(h, 'sshd.log');
      const proc = spawn(SSHD, ['-D', '-f', join(h, 'sshd_config'), '-E', logPath], { stdio: 'ignore' });
      for (let i = 0; !(await listening(port)); i++) {
        if (proc.exitCode !== null || i > 100) {
          proc.kill('SIGKILL');
          throw new Error(`sshd ${name} did not start: ${existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-300) : 'no log'}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      const sessions: ChildProcess[] = [];
      let stopped: Promise<void> | undefined;
      const host: LabHost = {
        name, port, krlPath: join(h, 'revoked.krl'), knownHostsPath: join(h, 'known_hosts'), logPath,
        login(cert) {
          try {
            return execFileSync('ssh', [...sshArgs(host, cert), 'echo', 'LOGIN-OK'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).toString().includes('LOGIN-OK');
          } catch {
            return false;
          }
        },
        async openSession(cert, command) {
          // `read` returns when the connection closes, so nothing of a session outlives the lab.
          const p = spawn('ssh', [...sshArgs(host, cert), `${command ? `${command}\n` : ''}echo READY; read _`], { stdio: ['pipe', 'pipe', 'ignore'] });
          sessions.push(p);
          await new Promise<void>((resolve, reject) => {
            p.stdout!.once('data', () => resolve());
            p.once('exit', () => reject(new Error('the session ended before it was ready')));
          });
          return p;
        },
        stop() {
          stopped ??= (async () => {
            for (const s of sessions) s.stdin?.end();
            for (const s of sessions) s.kill('SIGKILL');
            if (proc.exitCode === null && proc.signalCode === null) {
              const exited = new Promise((r) => proc.once('exit', r));
              proc.kill('SIGTERM');
              await exited;
            }
          })();
          return stopped;
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
