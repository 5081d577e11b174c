/**
 * A dependent workload for rotate-then-revoke of an access key: a worker that reads its key from an
 * AWS shared-credentials file through the AWS SDK's own loader (`fromIni`, re-reading the file on
 * every call, as a worker that watches a mounted secret does) and calls STS GetCallerIdentity every
 * `everyMs`. It counts what it saw, so tests can tell whether the rotation ever interrupted it and
 * which key it used. Using the SDK's loader also proves the file Sever writes is one the SDK reads.
 *
 * `@aws-sdk/credential-provider-ini` is the loader `@aws-sdk/client-sts` itself depends on (same
 * release), imported here for its `ignoreCache` switch.
 */
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { LAB_REGION } from './start.ts';

export interface AwsWorkload {
  /** The access key id of the last call that succeeded, or undefined before one did. */
  keyId(): string | undefined;
  /** Calls that succeeded and failed, and the last error. */
  stats(): { ok: number; failed: number; lastError?: string; lastFailedAt: number };
  /** Resolves once a call succeeded with `keyId`. */
  waitForKey(keyId: string, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface AwsWorkloadOptions {
  endpoint: string;
  credentialFile: string;
  profile?: string;
  everyMs?: number;
  /** False: the credentials are read once at start and never again (a workload that cannot be rotated). */
  rereads?: boolean;
}

export async function startAwsWorkload(o: AwsWorkloadOptions): Promise<AwsWorkload> {
  const every = o.everyMs ?? 100;
  const profile = o.profile ?? 'default';
  // The config file is pointed at a path that does not exist: only the credentials file counts.
  const load = fromIni({ filepath: o.credentialFile, configFilepath: `${o.credentialFile}.no-config`, profile, ignoreCache: true });
  const stats = { ok: 0, failed: 0, lastError: undefined as string | undefined, lastFailedAt: 0 };
  let pinned = o.rereads === false ? await load() : undefined;
  let current: string | undefined;
  let stopped = false;

  const tick = async () => {
    let client: STSClient | undefined;
    try {
      const creds = pinned ?? (await load());
      client = new STSClient({ endpoint: o.endpoint, region: LAB_REGION, credentials: creds, maxAttempts: 1 });
      await client.send(new GetCallerIdentityCommand({}));
      current = creds.accessKeyId;
      stats.ok++;
    } catch (e) {
      stats.failed++;
      stats.lastFailedAt = Date.now();
      stats.lastError = `${(e as Error).name}: ${(e as Error).message}`;
    } finally {
      client?.destroy();
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await tick();
      await new Promise((r) => setTimeout(r, every));
    }
  })();

  return {
    keyId: () => current,
    stats: () => ({ ...stats }),
    async waitForKey(want, timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (current !== want) {
        if (Date.now() > until) throw new Error(`the workload did not use ${want} within ${timeoutMs} ms (on ${current ?? 'no key'}; ${stats.lastError ?? 'no error'})`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      stopped = true;
      await loop;
      pinned = undefined;
    },
  };
}
