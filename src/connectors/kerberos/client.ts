/**
 * The only code of the kerberos connector that talks to the realm: kadmin (or kadmin.local on the
 * KDC host), kinit for the old-password probe, and the KDC log for issued tickets.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SeverError } from '../../core/errors.ts';

const exec = promisify(execFile);

export interface Principal {
  name: string;
  disallowAllTix: boolean;
  kvno: number;
  maxLifeMs: number;
}

export interface IssuedTicket {
  principal: string;
  authtimeMs: number;
}

export interface KrbDeps {
  name: string;
  realm: string;
  env: Record<string, string>;
  /** ['kadmin.local', '-r', realm] or ['kadmin', '-p', principal, '-k', '-t', keytab, '-r', realm] */
  kadminArgv(): Promise<string[]>;
  kdcLogPath?: string;
  timeoutMs: number;
}

function duration(s: string): number {
  const m = /(?:(\d+) days? )?(\d+):(\d+):(\d+)/.exec(s);
  if (!m) return 0;
  return ((Number(m[1] ?? 0) * 24 + Number(m[2])) * 3600 + Number(m[3]) * 60 + Number(m[4])) * 1000;
}

export class KerberosClient {
  readonly d: KrbDeps;
  constructor(d: KrbDeps) {
    this.d = d;
  }

  async kadmin(query: string): Promise<string> {
    const [cmd, ...args] = await this.d.kadminArgv();
    try {
      const { stdout, stderr } = await exec(cmd!, [...args, '-q', query], { env: this.d.env, timeout: this.d.timeoutMs });
      if (/not authorized|Operation requires/i.test(stderr)) throw Object.assign(new Error(stderr.trim()), { denied: true });
      return stdout + stderr;
    } catch (e) {
      const err = e as { code?: string | number; stderr?: string; denied?: boolean; message?: string };
      if (err.denied || /Incorrect password|Client not found|not authorized/i.test(err.stderr ?? '')) {
        throw new SeverError('ERR_PROVIDER_REJECTED', `${this.d.name}: kadmin refused (${(err.stderr ?? err.message ?? '').trim().split('\n')[0]})`, { details: { connector: this.d.name } });
      }
      throw new SeverError('ERR_PROVIDER_UNAVAILABLE', `${this.d.name}: kadmin failed (${(err.stderr ?? err.message ?? String(err.code)).trim().split('\n')[0]})`, {
        retryable: true, details: { connector: this.d.name }, cause: e,
      });
    }
  }

  /** The principal, or undefined when it does not exist. */
  async getprinc(name: string): Promise<Principal | undefined> {
    const out = await this.kadmin(`getprinc ${name}`);
    if (/Principal does not exist/i.test(out)) return undefined;
    const full = /Principal: (\S+)/.exec(out)?.[1];
    if (!full) throw new SeverError('ERR_PROVIDER_RESPONSE', `${this.d.name}: unexpected getprinc output`, { details: { connector: this.d.name } });
    const kvnos = [...out.matchAll(/Key: vno (\d+)/g)].map((m) => Number(m[1]));
    return {
      name: full,
      disallowAllTix: /Attributes:.*DISALLOW_ALL_TIX/.test(out),
      kvno: kvnos.length ? Math.max(...kvnos) : 0,
      maxLifeMs: duration(/Maximum ticket life: (.+)/.exec(out)?.[1] ?? ''),
    };
  }

  async disableAndRandkey(name: string): Promise<void> {
    await this.kadmin(`modprinc -allow_tix ${name}`);
    await this.kadmin(`cpw -randkey ${name}`);
  }

  /** TGTs the KDC logged as issued to `principal` (AS_REQ … ISSUE … for krbtgt/REALM). */
  async issuedTgts(principal: string): Promise<IssuedTicket[]> {
    if (!this.d.kdcLogPath) return [];
    let text: string;
    try {
      text = await readFile(this.d.kdcLogPath, 'utf8');
    } catch (e) {
      throw new SeverError('ERR_PROVIDER_UNAVAILABLE', `${this.d.name}: cannot read the KDC log (${(e as NodeJS.ErrnoException).code})`, { retryable: true, details: { connector: this.d.name } });
    }
    const out: IssuedTicket[] = [];
    const re = /AS_REQ .* ISSUE: authtime (\d+), .*?, (\S+) for krbtgt\/([^@\s]+)@/g;
    for (const m of text.matchAll(re)) if (m[2] === principal) out.push({ principal, authtimeMs: Number(m[1]) * 1000 });
    return out;
  }

  /** A real kinit with a password into a throwaway cache: true when the KDC issues a TGT. */
  async kinitWorks(principal: string, password: string): Promise<boolean> {
    const dir = await mkdtemp(join(tmpdir(), 'sever-kinit-'));
    try {
      return await new Promise<boolean>((resolve, reject) => {
        const p = spawn('kinit', ['-c', `FILE:${join(dir, 'cc')}`, principal], { env: this.d.env, stdio: ['pipe', 'ignore', 'pipe'] });
        let err = '';
        p.stderr!.on('data', (d) => (err += d));
        p.on('error', (e) => reject(new SeverError('ERR_PROVIDER_UNAVAILABLE', `${this.d.name}: kinit could not run (${e.message})`, { retryable: true })));
        p.on('close', (code) => {
          if (code === 0) return resolve(true);
          if (/revoked|Preauthentication failed|Password incorrect|Client not found/i.test(err)) return resolve(false);
          reject(new SeverError('ERR_PROVIDER_UNAVAILABLE', `${this.d.name}: kinit failed (${err.trim().split('\n')[0]})`, { retryable: true }));
        });
        p.stdin!.end(`${password}\n`);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
