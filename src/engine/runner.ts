/**
 * Durable steps on pg-boss, on the same database as the state they belong to: in-process on
 * PGlite, any number of workers on PostgreSQL. Jobs carry only a step id; the step row (written
 * before the provider call, with its idempotency key) is the truth, so delivery being at-least-once
 * never repeats anything that matters.
 */
import { sql } from 'drizzle-orm';
import { PgBoss, fromDrizzle } from 'pg-boss';
import type { Connection, DbOrTx } from '../store/types.ts';
import type { Logger } from './context.ts';
import { Semaphore } from './semaphore.ts';

export const QUEUES = { revoke: 'sever-revoke', verify: 'sever-verify' } as const;
export type StepType = keyof typeof QUEUES;

/** A job carries the ids of up to STEPS_PER_JOB steps of one connector; the step rows are the truth. */
export interface StepJob {
  stepIds: string[];
}

export const STEPS_PER_JOB = 32;

/** Handles a batch of step ids (one pg-boss fetch). */
export type StepHandler = (stepIds: string[]) => Promise<void>;

export interface Runner {
  /** Starts pg-boss (creating its schema once). Call before any transaction that enqueues: on PGlite, starting inside one deadlocks. */
  start(): Promise<void>;
  /** Enqueue step jobs inside the caller's transaction (outbox: commits or rolls back with the state). */
  enqueue(tx: DbOrTx, type: StepType, jobs: Array<{ stepId: string; startAfterMs?: number; connector: string }>): Promise<void>;
  /** Starts workers for both queues (idempotent). */
  startWorkers(handlers: Record<StepType, StepHandler>): Promise<void>;
  /** Puts jobs a dead process left active back to work (only safe when that process is known dead). */
  recoverOrphans(): Promise<number>;
  semaphore(connector: string): Semaphore;
  stop(): Promise<void>;
}

export interface RunnerOptions {
  conn: Connection;
  log: Logger;
  now: () => number;
  batchSize: number;
  pollers: number;
  concurrency: (connector: string) => number;
}

export function createRunner(o: RunnerOptions): Runner {
  let boss: PgBoss | undefined;
  let starting: Promise<PgBoss> | undefined;
  let working = false;
  const semaphores = new Map<string, Semaphore>();

  const start = (): Promise<PgBoss> => {
    starting ??= (async () => {
      const b = new PgBoss({
        ...(o.conn.bossOptions as object),
        schema: 'pgboss',
        superviseIntervalSeconds: 5,
        monitorIntervalSeconds: 5,
        maintenanceIntervalSeconds: 300,
        useListenNotify: true,
        schedule: false,
        persistWarnings: false,
      });
      b.on('error', (e: Error) => o.log.error({ err: e.message }, 'job runner error'));
      await b.start();
      for (const name of Object.values(QUEUES)) {
        await b.createQueue(name, { retryLimit: 20, retryDelay: 1, retryBackoff: true, retryDelayMax: 30, expireInSeconds: 300, heartbeatSeconds: 10, notify: true } as never);
      }
      boss = b;
      return b;
    })();
    return starting;
  };

  return {
    async start() {
      await start();
    },
    async enqueue(tx, type, jobs) {
      if (jobs.length === 0) return;
      if (!boss) throw new Error('runner.enqueue before runner.start: would deadlock on PGlite');
      const b = boss;
      const now = o.now();
      const db = fromDrizzle(tx as never, sql as never);
      // One job per connector, start time and chunk of steps: far fewer queue rows than steps.
      const groups = new Map<string, string[]>();
      for (const j of jobs) {
        const key = `${j.connector}\u0000${Math.max(0, j.startAfterMs ?? 0)}`;
        groups.set(key, [...(groups.get(key) ?? []), j.stepId]);
      }
      const rows: Array<{ data: StepJob; startAfter?: Date }> = [];
      for (const [key, ids] of groups) {
        const startAfterMs = Number(key.split('\u0000')[1]);
        for (let i = 0; i < ids.length; i += STEPS_PER_JOB) {
          rows.push({ data: { stepIds: ids.slice(i, i + STEPS_PER_JOB) }, ...(startAfterMs > 0 ? { startAfter: new Date(now + startAfterMs) } : {}) });
        }
      }
      for (let i = 0; i < rows.length; i += 500) await b.insert(QUEUES[type], rows.slice(i, i + 500), { db });
    },
    async startWorkers(handlers) {
      const b = await start();
      if (working) return;
      working = true;
      for (const type of Object.keys(QUEUES) as StepType[]) {
        await b.work<StepJob>(
          QUEUES[type],
          { batchSize: o.batchSize, localConcurrency: o.pollers, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 },
          async (batch) => {
            const ids = batch.flatMap((job) => job.data.stepIds);
            try {
              await handlers[type](ids);
            } catch (e) {
              // pg-boss retries the jobs; say why, since a silent retry loop looks like a hang.
              o.log.error({ queue: QUEUES[type], steps: ids.length, err: (e as Error).message }, 'step batch failed; pg-boss will retry it');
              throw e;
            }
          },
        );
      }
    },
    async recoverOrphans() {
      const b = await start();
      let n = 0;
      for (const name of Object.values(QUEUES)) {
        const active = (await b.findJobs(name, { limit: 100_000 })).filter((j) => j.state === 'active');
        if (active.length > 0) {
          await b.fail(name, active.map((j) => j.id), { reason: 'worker process died (stale lock)' });
          n += active.length;
        }
      }
      if (n > 0) o.log.warn({ jobs: n }, 'recovered jobs left active by a dead process');
      return n;
    },
    semaphore(connector) {
      let s = semaphores.get(connector);
      if (!s) semaphores.set(connector, (s = new Semaphore(o.concurrency(connector))));
      return s;
    },
    async stop() {
      const b = boss ?? (starting ? await starting : undefined);
      boss = undefined;
      starting = undefined;
      working = false;
      if (b) await b.stop({ graceful: true, timeout: 10_000, close: true } as never);
    },
  };
}
