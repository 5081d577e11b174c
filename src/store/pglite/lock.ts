/**
 * PGlite lets two processes open one data directory and corrupt it; this single-writer lock file
 * refuses the second live process. A lock left by a dead process (SIGKILL) is taken over, and the
 * caller is told so that it can recover work that process left half-done.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SeverError } from '../../core/errors.ts';

export interface DirLock {
  path: string;
  stale: boolean;
  release(): void;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export function acquireDirLock(dataDir: string): DirLock {
  const path = join(dataDir, 'sever.lock');
  let stale = false;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }));
      closeSync(fd);
      return {
        path,
        stale,
        release: () => {
          try {
            const held = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number };
            if (held.pid === process.pid) rmSync(path, { force: true });
          } catch {
            /* already gone */
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder: { pid?: number; host?: string } = {};
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as typeof holder;
      } catch {
        /* unreadable lock: treat as stale */
      }
      if (holder.pid !== undefined && holder.host === hostname() && alive(holder.pid)) {
        throw new SeverError('ERR_STORE_LOCKED', `data directory ${dataDir} is in use by process ${holder.pid}; wait for it or stop it`, {
          details: { dataDir, pid: holder.pid },
        });
      }
      rmSync(path, { force: true });
      stale = true;
    }
  }
  throw new SeverError('ERR_STORE_LOCKED', `could not take the lock on ${dataDir}`, { details: { dataDir } });
}
