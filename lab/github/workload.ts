/**
 * A dependent workload for deploy-key rotate-then-revoke: a deployer that fetches one repository
 * every `everyMs` with the SSH private key in `keyFile` (as one mounted from a secret store). It
 * re-reads the file before each fetch (unless `rereads` is false) and asks `ssh-keygen -y` for the
 * public half, so the file must be a private key OpenSSH itself accepts (format and 0600 mode
 * included); the fetch is then the simulator's Git-over-SSH check (`GithubState.gitFetch`), which
 * records the deploy key's `last_used`. It counts what it saw, so a test can tell whether the
 * rotation ever interrupted it.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { GithubState } from './state.ts';

const run = promisify(execFile);

export interface DeployKeyWorkload {
  /** The public key (`type base64`) of the last key it fetched with, or undefined before the first. */
  publicKey(): string | undefined;
  stats(): { ok: number; failed: number; lastError?: string };
  /** Resolves once a fetch with a key other than `publicKey` succeeded. */
  waitForKeyOtherThan(publicKey: string, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface DeployKeyWorkloadOptions {
  state: GithubState;
  repo: string;
  keyFile: string;
  everyMs?: number;
  /** False: the workload read its key once at start and never again (one that cannot be rotated). */
  rereads?: boolean;
}

async function publicHalf(file: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-y', '-f', file]);
  return stdout.trim().split(/\s+/).slice(0, 2).join(' ');
}

export async function startDeployKeyWorkload(o: DeployKeyWorkloadOptions): Promise<DeployKeyWorkload> {
  const every = o.everyMs ?? 50;
  const stats = { ok: 0, failed: 0, lastError: undefined as string | undefined };
  let text = await readFile(o.keyFile, 'utf8');
  let key = await publicHalf(o.keyFile);
  let used: string | undefined;
  let stopped = false;

  const tick = async () => {
    if (o.rereads !== false) {
      try {
        const now = await readFile(o.keyFile, 'utf8');
        if (now !== text) {
          key = await publicHalf(o.keyFile);
          text = now;
        }
      } catch (e) {
        stats.lastError = (e as Error).message; // being replaced, or not a key ssh accepts: the old key is used this time
      }
    }
    if (o.state.gitFetch(o.repo, key)) {
      stats.ok++;
      used = key;
    } else {
      stats.failed++;
      stats.lastError = `Permission denied (publickey) for ${o.repo}`;
    }
  };

  let running: Promise<void> = tick();
  await running;
  const timer = setInterval(() => {
    running = running.then(() => (stopped ? undefined : tick()));
  }, every);

  return {
    publicKey: () => used,
    stats: () => ({ ...stats }),
    async waitForKeyOtherThan(publicKey, timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (used === undefined || used === publicKey) {
        if (Date.now() > until) throw new Error(`the workload did not fetch with a new key within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, every));
      }
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
