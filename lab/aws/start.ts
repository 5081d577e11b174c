/**
 * A private `moto_server` (Python moto 5.2, an independent implementation of IAM and STS) on a
 * loopback port, with credential checking ON: an admin user with an allow-everything policy and an
 * access key is created first, then `POST /moto-api/reset-auth` (body `0`, text/plain) makes moto
 * check every request's signature from then on, so a deleted key is refused like on AWS.
 * Started and stopped by tests; nothing is left behind.
 *
 * Known gaps of moto (never evidence): an Inactive key still authenticates; policy conditions
 * (`aws:TokenIssueTime`) are ignored; assumed-role session expiry is not enforced; a key's
 * GetAccessKeyLastUsed is updated by any request that names the key, before its signature is
 * checked (so a refused request counts as a use). It does update it for real uses, which is what
 * the rotation's adoption reads. `workload.ts` is a dependent workload for rotate-then-revoke.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { freePort } from '../net.ts';

export const MOTO_SERVER = 'moto_server';
export const LAB_REGION = 'us-east-1';

export interface LabCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface LabAws {
  endpoint: string;
  port: number;
  /** The admin user's key (allowed `*`), the only key that existed when auth was switched on. */
  admin: LabCredentials;
  /** An IAM client signed with `credentials` (default: the admin key). The caller destroys it. */
  iam(credentials?: LabCredentials): IAMClient;
  sts(credentials: LabCredentials): STSClient;
  close(): Promise<void>;
}

/** Is moto_server on PATH? (its absence is a setup failure, named plainly) */
export function motoServerInstalled(): boolean {
  return spawnSync('sh', ['-c', `command -v ${MOTO_SERVER}`], { stdio: 'ignore' }).status === 0;
}

async function ready(endpoint: string, child: ChildProcess, log: () => string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${MOTO_SERVER} exited (${child.exitCode ?? child.signalCode}) before it answered: ${log().slice(-2000)}`);
    try {
      const r = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      await r.arrayBuffer();
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() >= deadline) throw new Error(`${MOTO_SERVER} did not answer on ${endpoint} within ${withinMs} ms: ${log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => signal('SIGKILL'), 3_000);
    child.once('exit', () => (clearTimeout(force), resolve()));
    signal('SIGTERM');
  });
  // Its own process group (detached): the pyenv shim may leave python as a child of the pid we hold.
  function signal(s: NodeJS.Signals) {
    try {
      process.kill(-child.pid!, s);
    } catch {
      child.kill(s);
    }
  }
}

export async function startLabAws(): Promise<LabAws> {
  if (!motoServerInstalled()) {
    throw new Error(`${MOTO_SERVER} is not installed (not on PATH): the aws-iam tests need Python moto 5.2 with its server extra (\`${MOTO_SERVER} -H 127.0.0.1 -p PORT\`)`);
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let out = '';
  const child = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-8_000)));
  child.stderr!.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-8_000)));
  const client = (credentials: LabCredentials) => ({ endpoint, region: LAB_REGION, credentials, maxAttempts: 1 });
  try {
    await ready(endpoint, child, () => out, 20_000);
    // Auth is still off: any signature is accepted for this bootstrap.
    const boot = new IAMClient(client({ accessKeyId: 'AKIABOOTSTRAP0000000', secretAccessKey: 'bootstrap' }));
    await boot.send(new CreateUserCommand({ UserName: 'sever-admin' }));
    await boot.send(new PutUserPolicyCommand({
      UserName: 'sever-admin', PolicyName: 'allow-all',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    }));
    const key = (await boot.send(new CreateAccessKeyCommand({ UserName: 'sever-admin' }))).AccessKey!;
    boot.destroy();
    const r = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0', headers: { 'content-type': 'text/plain' } });
    if (!r.ok) throw new Error(`${MOTO_SERVER}: turning credential checking on failed: ${r.status} ${await r.text()}`);
    await r.arrayBuffer().catch(() => undefined);
    const admin = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    return {
      endpoint, port, admin,
      iam: (credentials = admin) => new IAMClient(client(credentials)),
      sts: (credentials) => new STSClient(client(credentials)),
      close: () => stop(child),
    };
  } catch (e) {
    await stop(child);
    throw e;
  }
}
