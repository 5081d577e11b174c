/**
 * The only code of the ssh-ca connector that touches the CA and the hosts: the issuance log,
 * `ssh-keygen` on KRLs, `ssh` for the login probe, and `ss` + signals for established sessions.
 * Every failure leaves as a SeverError naming the host and saying whether a retry can help.
 */
import { execFile } from 'node:child_process';
import { access, copyFile, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { SeverError } from '../../core/errors.ts';
import { parseKrlDump, type Krl } from './krl.ts';
import { connectionsOf, parseProcStat, parseSs, sessionTargets, type ProcInfo } from './sessions.ts';

const run = promisify(execFile);

export interface HostConfig {
  name: string;
  krlPath: string;
  sshHost: string;
  sshPort: number;
  knownHostsPath?: string;
  sshdLog?: string;
}

export interface SshCaClientOptions {
  name: string;
  issuanceLog: string;
  caPublicKey: string;
  timeoutMs: number;
  /** Clock for the lock file's age and deadline. */
  now(): number;
}

export type ProbeResult = { mode: 'login' | 'key-query'; user: string; accepted: boolean };

interface ExecError {
  code?: number | string;
  stdout?: string;
  stderr?: string;
  message?: string;
}

const firstLine = (e: unknown) => {
  const x = e as ExecError;
  return (x.stderr || x.message || String(x.code)).trim().split('\n').filter((l) => !l.startsWith('debug1:')).slice(-1)[0] ?? '';
};

// In-process queue per KRL path, in front of the lock file: a waiter in this process never polls.
const krlQueues = new Map<string, Promise<unknown>>();

export class SshCaClient {
  readonly o: SshCaClientOptions;
  #caFingerprint: Promise<string> | undefined;

  constructor(o: SshCaClientOptions) {
    this.o = o;
  }

  #error(code: 'ERR_PROVIDER_UNAVAILABLE' | 'ERR_PROVIDER_REJECTED' | 'ERR_PROVIDER_RESPONSE', retryable: boolean, message: string, details: Record<string, unknown>, cause?: unknown): SeverError {
    return new SeverError(code, `${this.o.name}: ${message}`, { retryable, details: { connector: this.o.name, ...details }, ...(cause === undefined ? {} : { cause }) });
  }

  /** The issuance log's text. Missing or unreadable: retryable (the CA's share may be down). */
  async issuanceLog(): Promise<string> {
    try {
      return await readFile(this.o.issuanceLog, 'utf8');
    } catch (e) {
      throw this.#error('ERR_PROVIDER_UNAVAILABLE', true, `cannot read the CA issuance log ${this.o.issuanceLog} (${firstLine(e)})`, { path: this.o.issuanceLog }, e);
    }
  }

  /** SHA256 fingerprint of a public key or certificate file (a certificate's is its key's). */
  async fingerprint(path: string): Promise<string> {
    try {
      const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', path], { timeout: this.o.timeoutMs });
      const fp = /\bSHA256:[A-Za-z0-9+/]{43}\b/.exec(stdout)?.[0];
      if (!fp) throw new Error(`no SHA256 fingerprint in "${stdout.trim()}"`);
      return fp;
    } catch (e) {
      throw this.#error('ERR_PROVIDER_UNAVAILABLE', true, `cannot read the key or certificate ${path} (${firstLine(e)})`, { path }, e);
    }
  }

  caFingerprint(): Promise<string> {
    this.#caFingerprint ??= this.fingerprint(this.o.caPublicKey).catch((e: unknown) => {
      this.#caFingerprint = undefined;
      throw e;
    });
    return this.#caFingerprint;
  }

  /**
   * Why a host's KRL cannot be used. Its folder missing: retryable (an unmounted share, a host
   * being rebuilt). The file missing or not a KRL: not retryable, because sshd refuses every key
   * login on that host until someone restores it, and Sever does not write a fresh one (that
   * would silently drop the revocations the lost file held).
   */
  async #krlError(host: HostConfig, path: string, e: unknown): Promise<SeverError> {
    const dirThere = await stat(dirname(path)).then((s) => s.isDirectory(), () => false);
    const why = firstLine(e);
    if (!dirThere) return this.#error('ERR_PROVIDER_UNAVAILABLE', true, `the KRL folder of host ${host.name} is not there (${dirname(path)})`, { host: host.name, path }, e);
    if (/Permission denied|EACCES|EPERM/.test(why)) return this.#error('ERR_PROVIDER_REJECTED', false, `no permission on the KRL of host ${host.name} (${path}): ${why}`, { host: host.name, path }, e);
    return this.#error('ERR_PROVIDER_RESPONSE', false,
      `the KRL of host ${host.name} (${path}) is missing or unreadable (${why}); sshd refuses every key login there until it is restored from a copy; Sever will not replace it with a new one`,
      { host: host.name, path }, e);
  }

  /** The host's KRL, parsed from `ssh-keygen -Q -l -f`. */
  async krl(host: HostConfig, path = host.krlPath): Promise<Krl> {
    let stdout: string;
    try {
      ({ stdout } = await run('ssh-keygen', ['-Q', '-l', '-f', path], { timeout: this.o.timeoutMs }));
    } catch (e) {
      throw await this.#krlError(host, path, e);
    }
    try {
      return parseKrlDump(stdout);
    } catch (e) {
      throw this.#error('ERR_PROVIDER_RESPONSE', false, `cannot interpret the KRL listing of host ${host.name}: ${(e as Error).message}`, { host: host.name, path }, e);
    }
  }

  /** Does this KRL revoke the certificate? (`ssh-keygen -Q` prints REVOKED and exits 1.) */
  async revokes(host: HostConfig, certPath: string, path = host.krlPath): Promise<boolean> {
    try {
      await run('ssh-keygen', ['-Q', '-f', path, certPath], { timeout: this.o.timeoutMs });
      return false;
    } catch (e) {
      const err = e as ExecError;
      if (err.code === 1 && /REVOKED/.test(err.stdout ?? '')) return true;
      if (/Unable to load KRL|Invalid KRL/.test(err.stderr ?? '')) throw await this.#krlError(host, path, e);
      throw this.#error('ERR_PROVIDER_UNAVAILABLE', true, `cannot check certificate ${certPath} against the KRL of host ${host.name} (${firstLine(e)})`, { host: host.name, certPath }, e);
    }
  }

  /**
   * Adds spec lines to a host's KRL, atomically: a copy in the same folder is updated with
   * `ssh-keygen -k -u -s <ca.pub>`, flushed, handed to `check` (which names what is wrong with
   * the copy: unreadable, lost an earlier revocation, does not revoke what it should), and only
   * when nothing is wrong renamed over the original.
   * sshd therefore reads either the old KRL or the checked new one, never a partial file.
   * Updates of one KRL are serialized, in this process and across processes by a lock file, so
   * two concurrent copy-and-rename updates cannot lose one of the revocations.
   */
  updateKrl(host: HostConfig, lines: string[], check: (tmpPath: string) => Promise<string | undefined>): Promise<void> {
    const prev = krlQueues.get(host.krlPath) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.#withLock(host, () => this.#updateKrl(host, lines, check)));
    krlQueues.set(host.krlPath, next);
    void next.finally(() => krlQueues.get(host.krlPath) === next && krlQueues.delete(host.krlPath)).catch(() => undefined);
    return next;
  }

  async #updateKrl(host: HostConfig, lines: string[], check: (tmpPath: string) => Promise<string | undefined>): Promise<void> {
    const tmp = join(dirname(host.krlPath), `.${basename(host.krlPath)}.sever-${process.pid}-${this.o.now()}`);
    const spec = `${tmp}.spec`;
    try {
      try {
        await copyFile(host.krlPath, tmp);
      } catch (e) {
        throw await this.#krlError(host, host.krlPath, e);
      }
      try {
        await writeFile(spec, `${lines.join('\n')}\n`, { mode: 0o600 });
        await run('ssh-keygen', ['-k', '-u', '-f', tmp, '-s', this.o.caPublicKey, spec], { timeout: this.o.timeoutMs });
        const fh = await open(tmp, 'r+');
        await fh.sync().finally(() => fh.close());
      } catch (e) {
        throw this.#error('ERR_PROVIDER_UNAVAILABLE', true, `cannot update a copy of the KRL of host ${host.name} (${firstLine(e)})`, { host: host.name, path: host.krlPath }, e);
      }
      const wrong = await check(tmp).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
      if (wrong !== undefined) {
        throw this.#error('ERR_PROVIDER_RESPONSE', false, `the updated copy of the KRL of host ${host.name} failed its check (${wrong}); the host's KRL was left unchanged`, { host: host.name, path: host.krlPath });
      }
      try {
        await rename(tmp, host.krlPath);
      } catch (e) {
        throw this.#error('ERR_PROVIDER_UNAVAILABLE', true, `cannot put the new KRL in place on host ${host.name} (${firstLine(e)})`, { host: host.name, path: host.krlPath }, e);
      }
    } finally {
      await rm(tmp, { force: true });
      await rm(spec, { force: true });
    }
  }

  /** Runs `fn` holding `<krl>.sever-lock` (created O_EXCL); a lock older than the timeout is stale and taken over. */
  async #withLock<T>(host: HostConfig, fn: () => Promise<T>): Promise<T> {
    const path = `${host.krlPath}.sever-lock`;
    const deadline = this.o.now() + this.o.timeoutMs;
    for (;;) {
      try {
        await (await open(path, 'wx')).close();
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw await this.#krlError(host, host.krlPath, e);
        const age = await stat(path).then((s) => this.o.now() - s.mtimeMs, () => 0);
        if (age > this.o.timeoutMs) await rm(path, { force: true });
        else if (this.o.now() > deadline) throw this.#error('ERR_PROVIDER_UNAVAILABLE', true, `the KRL of host ${host.name} is locked by another writer (${path})`, { host: host.name, path });
        // Another process holds the lock for one ssh-keygen run (milliseconds): wait a little.
        else await new Promise((r) => setTimeout(r, 20));
      }
    }
    try {
      return await fn();
    } finally {
      await rm(path, { force: true });
    }
  }

  /**
   * Offers the certificate to the host's sshd as `user`. With its private key: a full login
   * (`accepted` means a shell command ran). Without: sshd is asked whether it would accept the
   * certificate (the publickey query before any signature, which runs the same checks: CA, KRL,
   * principals, validity); `accepted` means sshd answered "accepts key". The host key is checked
   * against known_hosts. A refusal is "Permission denied (publickey)".
   */
  async probe(host: HostConfig, certPath: string, user: string, privateKey: string | undefined): Promise<ProbeResult> {
    const mode = privateKey ? 'login' : 'key-query';
    const args = ['-F', '/dev/null', '-p', String(host.sshPort), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
      '-o', 'ConnectTimeout=5', '-o', 'PasswordAuthentication=no', '-o', 'KbdInteractiveAuthentication=no', '-o', 'GSSAPIAuthentication=no',
      ...(host.knownHostsPath ? ['-o', `UserKnownHostsFile=${host.knownHostsPath}`, '-o', 'GlobalKnownHostsFile=/dev/null'] : []),
      ...(privateKey ? ['-i', privateKey, '-o', `CertificateFile=${certPath}`] : ['-v', '-i', certPath]),
      '-l', user, '--', host.sshHost, 'echo', 'SEVER-PROBE-OK'];
    try {
      const { stdout } = await run('ssh', args, { timeout: this.o.timeoutMs });
      if (stdout.includes('SEVER-PROBE-OK')) return { mode, user, accepted: true };
      throw new Error(`unexpected output: ${stdout.slice(0, 80)}`);
    } catch (e) {
      const err = e as ExecError;
      const stderr = err.stderr ?? '';
      if (mode === 'key-query' && /Server accepts key:/.test(stderr)) return { mode, user, accepted: true };
      if (err.code === 255 && /Permission denied \(/.test(stderr)) return { mode, user, accepted: false };
      if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/.test(stderr)) {
        throw this.#error('ERR_PROVIDER_REJECTED', false, `the host key of ${host.name} (${host.sshHost}:${host.sshPort}) does not match its known_hosts: fix known_hosts before trusting any probe`, { host: host.name });
      }
      throw this.#error('ERR_PROVIDER_UNAVAILABLE', true, `login probe to host ${host.name} (${host.sshHost}:${host.sshPort}) failed: ${firstLine(e)}`, { host: host.name, port: host.sshPort }, e);
    }
  }

  async exists(path: string): Promise<boolean> {
    return access(path).then(() => true, () => false);
  }

  /**
   * The established connections this certificate authenticated and the sshd processes holding
   * them, on a host whose sshd log Sever can read (a sshd on this machine); undefined without `sshdLog`.
   */
  async sessions(host: HostConfig, serial: number, keyId: string): Promise<{ connections: number; pids: number[] } | undefined> {
    if (!host.sshdLog) return undefined;
    let log: string;
    try {
      log = await readFile(host.sshdLog, 'utf8');
    } catch (e) {
      throw this.#error('ERR_PROVIDER_UNAVAILABLE', true, `cannot read the sshd log of host ${host.name} (${firstLine(e)})`, { host: host.name, path: host.sshdLog }, e);
    }
    const peers = connectionsOf(log, serial, keyId);
    if (peers.size === 0) return { connections: 0, pids: [] };
    let stdout: string;
    try {
      ({ stdout } = await run('ss', ['-tnpH', 'state', 'established', `( sport = :${host.sshPort} )`], { timeout: this.o.timeoutMs }));
    } catch (e) {
      throw this.#error('ERR_PROVIDER_UNAVAILABLE', true, `cannot list the connections of host ${host.name} (${firstLine(e)})`, { host: host.name }, e);
    }
    const pids = new Set<number>();
    let connections = 0;
    for (const [peer, held] of parseSs(stdout)) {
      if (!peers.has(peer)) continue;
      connections++;
      for (const p of held) pids.add(p);
    }
    return { connections, pids: [...pids].sort((a, b) => a - b) };
  }

  /**
   * Ends the connections held by these sshd processes, and what their users left running: the
   * processes below them and in the sessions they started get SIGKILL (an attacker's shell gets
   * no chance to react), then the sshd processes SIGTERM, which closes the connection. Reads
   * /proc, so only for a sshd on this machine. Answers how many processes were signalled.
   */
  async endSessions(holders: number[]): Promise<number> {
    if (holders.length === 0) return 0;
    const procs: ProcInfo[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const info = await readFile(`/proc/${entry}/stat`, 'utf8').then(parseProcStat, () => undefined);
      if (info) procs.push(info);
    }
    const { user, sshd } = sessionTargets(procs, holders);
    const signal = (pids: number[], sig: NodeJS.Signals) => pids.filter((pid) => {
      try {
        process.kill(pid, sig);
        return true;
      } catch {
        return false; // already gone
      }
    }).length;
    const userProcesses = signal(user, 'SIGKILL');
    signal(sshd, 'SIGTERM');
    return userProcesses;
  }
}
