/**
 * The only code of the ssh-ca connector that touches the CA and the hosts: the issuance log,
 * ssh-keygen for KRLs, ssh for the login probe, and ss/signals for established sessions.
 */
import { execFile } from 'node:child_process';
import { copyFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { SeverError } from '../../core/errors.ts';

const run = promisify(execFile);

export interface IssuedCert {
  serial: number;
  keyId: string;
  subject?: string;
  principals: string[];
  validBefore: string;
  certPath: string;
  keyPath?: string;
}

export interface HostConfig {
  name: string;
  krlPath: string;
  sshHost: string;
  sshPort?: number;
  knownHostsPath?: string;
  sshdLog?: string;
}

export interface SshCaDeps {
  name: string;
  issuanceLog: string;
  caPublicKey: string;
  hosts: HostConfig[];
  loginUser: string;
  timeoutMs: number;
}

const krlQueues = new Map<string, Promise<void>>();

/** Runs `fn` holding an exclusive lock file (O_EXCL); a lock older than the timeout is taken over. */
async function withLockFile<T>(path: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const { open, stat } = await import('node:fs/promises');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = await stat(path).then((st) => Date.now() - st.mtimeMs, () => 0);
      if (age > timeoutMs) await rm(path, { force: true });
      else if (Date.now() > deadline) throw new Error(`the KRL is locked by another writer (${path})`);
      else await new Promise((r) => setTimeout(r, 20));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}

export class SshCaClient {
  readonly d: SshCaDeps;
  constructor(d: SshCaDeps) {
    this.d = d;
  }

  unavailable(what: string, e: unknown): SeverError {
    const err = e as { code?: string; stderr?: string; message?: string };
    return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${this.d.name}: ${what} (${(err.stderr || err.message || String(err.code)).trim().split('\n')[0]})`, {
      retryable: true, details: { connector: this.d.name, operation: what }, cause: e,
    });
  }

  async issued(): Promise<IssuedCert[]> {
    let text: string;
    try {
      text = await readFile(this.d.issuanceLog, 'utf8');
    } catch (e) {
      throw this.unavailable('cannot read the CA issuance log', e);
    }
    return text.split('\n').filter((l) => l.trim()).map((l, i) => {
      try {
        return JSON.parse(l) as IssuedCert;
      } catch {
        throw new SeverError('ERR_PROVIDER_RESPONSE', `${this.d.name}: issuance log line ${i + 1} is not JSON`, { details: { connector: this.d.name, line: i + 1 } });
      }
    });
  }

  /** Is the certificate revoked by this KRL? (ssh-keygen -Q exits 1 and prints REVOKED) */
  async revokedIn(krlPath: string, certPath: string): Promise<boolean> {
    try {
      await run('ssh-keygen', ['-Q', '-f', krlPath, certPath], { timeout: this.d.timeoutMs });
      return false;
    } catch (e) {
      const err = e as { code?: number; stdout?: string };
      if (err.code === 1 && /REVOKED/.test(err.stdout ?? '')) return true;
      throw this.unavailable(`ssh-keygen -Q on ${krlPath} failed`, e);
    }
  }

  /**
   * Adds the serial and key id to a host's KRL: a copy is updated, checked (readable, and it
   * revokes the certificate), then renamed over the original, so sshd never reads a broken KRL.
   * Updates of one KRL are serialized (in this process, and across processes by a lock file):
   * two concurrent copy-and-rename updates would lose one of the revocations.
   */
  addToKrl(host: HostConfig, cert: IssuedCert): Promise<void> {
    const prev = krlQueues.get(host.krlPath) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => withLockFile(`${host.krlPath}.sever-lock`, this.d.timeoutMs, () => this.#addToKrl(host, cert)));
    krlQueues.set(host.krlPath, next);
    return next;
  }

  async #addToKrl(host: HostConfig, cert: IssuedCert): Promise<void> {
    const tmp = join(dirname(host.krlPath), `.sever-${process.pid}-${Date.now()}.krl`);
    const spec = `${tmp}.spec`;
    try {
      await copyFile(host.krlPath, tmp);
      await writeFile(spec, `serial: ${cert.serial}\nid: ${cert.keyId}\n`);
      await run('ssh-keygen', ['-k', '-u', '-f', tmp, '-s', this.d.caPublicKey, spec], { timeout: this.d.timeoutMs });
      if (!(await this.revokedIn(tmp, cert.certPath))) throw new Error('the updated KRL does not revoke the certificate');
      await rename(tmp, host.krlPath);
    } catch (e) {
      if (e instanceof SeverError) throw e;
      throw this.unavailable(`cannot update the KRL of ${host.name}`, e);
    } finally {
      await rm(tmp, { force: true });
      await rm(spec, { force: true });
    }
  }

  /** A real login attempt with the certificate and its key: true when sshd lets it in. */
  async canLogin(host: HostConfig, cert: IssuedCert): Promise<boolean> {
    if (!host.sshPort || !host.knownHostsPath || !cert.keyPath) throw new Error('login probe not configured');
    try {
      const { stdout } = await run('ssh', ['-F', '/dev/null', '-p', String(host.sshPort), '-i', cert.keyPath, '-o', `CertificateFile=${cert.certPath}`, '-o', 'IdentitiesOnly=yes',
        '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${host.knownHostsPath}`, '-o', 'ConnectTimeout=5',
        `${this.d.loginUser}@${host.sshHost}`, 'echo', 'SEVER-PROBE-OK'], { timeout: this.d.timeoutMs });
      return stdout.includes('SEVER-PROBE-OK');
    } catch (e) {
      const err = e as { code?: number; stderr?: string };
      if (err.code === 255 && /Permission denied/.test(err.stderr ?? '')) return false;
      throw this.unavailable(`ssh login probe to ${host.name} failed`, e);
    }
  }

  /** PIDs of sshd session processes holding connections that authenticated with this serial. */
  async sessionPids(host: HostConfig, serial: number): Promise<number[]> {
    if (!host.sshdLog || !host.sshPort) return [];
    let log: string;
    try {
      log = await readFile(host.sshdLog, 'utf8');
    } catch (e) {
      throw this.unavailable(`cannot read the sshd log of ${host.name}`, e);
    }
    const ports = new Set<string>();
    for (const m of log.matchAll(/Accepted publickey for \S+ from \S+ port (\d+) .*\(serial (\d+)\)/g)) if (Number(m[2]) === serial) ports.add(m[1]!);
    if (ports.size === 0) return [];
    const { stdout } = await run('ss', ['-tnpH', 'state', 'established', `( sport = :${host.sshPort} )`], { timeout: this.d.timeoutMs });
    const pids: number[] = [];
    for (const line of stdout.split('\n')) {
      const peerPort = /\s\S+:(\d+)\s+users:/.exec(line)?.[1];
      const pid = /pid=(\d+)/.exec(line)?.[1];
      if (peerPort && pid && ports.has(peerPort)) pids.push(Number(pid));
    }
    return pids;
  }

  endSessions(pids: number[]): number {
    let n = 0;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGTERM');
        n++;
      } catch {
        /* already gone */
      }
    }
    return n;
  }
}
