/**
 * Durable steps on pg-boss, on the same database as the state they belong to: in-process on
 * PGlite, any number of workers on PostgreSQL. Jobs carry only step ids; the step rows are the
 * truth, so delivery being at-least-once never repeats anything that matters, and a job that dies
 * never takes a step with it: a pending step without a live job is found (`stepsWithoutJob`) and
 * given a new one, a bounded number of times (see wait.ts).
 */
import { sql } from 'drizzle-orm';
import { PgBoss, fromDrizzle } from 'pg-boss';
import { rowsOf } from '../store/repo.ts';
import type { Connection, DbOrTx } from '../store/types.ts';
import { DEFAULT_TUNING, type JobTuning, type Logger } from './context.ts';
import { Semaphore } from './semaphore.ts';

export const QUEUES = { revoke: 'sever-revoke', verify: 'sever-verify' } as const;
export type StepType = keyof typeof QUEUES;

/** pg-boss moves a step job here once its handler has failed `retryLimit` times (the queues' dead letter). */
export const DEAD_QUEUE = 'sever-dead';

const SCHEMA = 'pgboss';
const ALL_QUEUES = [...Object.values(QUEUES), DEAD_QUEUE];

/** A job carries the ids of up to STEPS_PER_JOB steps of one connector; the step rows are the truth. */
export interface StepJob {
  stepIds: string[];
}

export const STEPS_PER_JOB = 32;

/** Handles a batch of step ids (one pg-boss fetch). */
export type StepHandler = (stepIds: string[]) => Promise<void>;

export interface Runner {
  /**
   * Starts pg-boss (creating its schema and queues once; the first start fixes the queues' retry
   * options). Call before any transaction that enqueues: on PGlite, starting inside one deadlocks.
   */
  start(jobs?: JobTuning): Promise<void>;
  /** Enqueue step jobs inside the caller's transaction (outbox: commits or rolls back with the state). */
  enqueue(tx: DbOrTx, type: StepType, jobs: Array<{ stepId: string; startAfterMs?: number; connector: string }>): Promise<void>;
  /** Starts workers for both step queues and the dead-letter queue (idempotent). */
  startWorkers(handlers: Record<StepType | 'dead', StepHandler>): Promise<void>;
  /**
   * Reclaims at once the jobs a dead process left active: each is deleted and inserted afresh with
   * the same data, ready now, in one transaction, so no retry is used up and no backoff waited
   * for. Only safe when that process is known dead (the embedded store's lock says so).
   */
  recoverOrphans(): Promise<number>;
  /** The incident's pending steps that no live job (created, retry or active, any queue) carries; one statement. */
  stepsWithoutJob(db: DbOrTx, incidentId: string): Promise<string[]>;
  semaphore(connector: string): Semaphore;
  stop(): Promise<void>;
}

export interface RunnerOptions {
  conn: Connection;
  log: Logger;
  now: () => number;
  batchSize: number;
  pollers: number;
  /** See EngineTuning.jobsPerConnector. */
  jobsPerConnector: number;
  concurrency: (connector: string) => number;
  jobs?: JobTuning;
}

const stepQueue = (j: JobTuning) => ({
  retryLimit: j.retryLimit, retryDelay: j.retryDelaySeconds, retryBackoff: j.retryBackoff, ...(j.retryBackoff ? { retryDelayMax: 30 } : {}), expireInSeconds: 300, heartbeatSeconds: 10, notify: true, deadLetter: DEAD_QUEUE,
});
const deadQueue = { retryLimit: 3, retryDelay: 1, retryBackoff: true, retryDelayMax: 30, expireInSeconds: 300, heartbeatSeconds: 10, notify: true };

type QueueOptions = { retryLimit: number; retryDelay: number; retryBackoff: boolean; deadLetter?: string } & Record<string, unknown>;

/**
 * Creates the queues that are missing and brings the others' retry options and dead letter up to
 * date (older stores had 20 retries and none); a restart with nothing to change costs one read.
 */
async function ensureQueues(b: PgBoss, wanted: Array<[string, QueueOptions]>): Promise<void> {
  const have = new Map((await b.getQueues(wanted.map(([name]) => name))).map((q) => [q.name, q]));
  for (const [name, opts] of wanted) {
    const q = have.get(name);
    if (!q) {
      await b.createQueue(name, opts as never);
      continue;
    }
    const want = { retryLimit: opts.retryLimit, retryDelay: opts.retryDelay, retryBackoff: opts.retryBackoff, deadLetter: opts.deadLetter ?? null };
    if ((Object.keys(want) as Array<keyof typeof want>).some((k) => (q[k] ?? null) !== want[k])) await b.updateQueue(name, want as never);
  }
}

export function createRunner(o: RunnerOptions): Runner {
  let boss: PgBoss | undefined;
  let starting: Promise<PgBoss> | undefined;
  let working = false;
  const semaphores = new Map<string, Semaphore>();

  const start = (jobs: JobTuning = o.jobs ?? DEFAULT_TUNING.jobs): Promise<PgBoss> => {
    starting ??= (async () => {
      const b = new PgBoss({
        ...(o.conn.bossOptions as object),
        schema: SCHEMA,
        superviseIntervalSeconds: 5,
        monitorIntervalSeconds: 5,
        maintenanceIntervalSeconds: 300,
        useListenNotify: true,
        schedule: false,
        persistWarnings: false,
      });
      b.on('error', (e: Error) => o.log.error({ err: e.message }, 'job runner error'));
      try {
        await b.start();
        // The dead-letter queue first: the step queues name it.
        await ensureQueues(b, [[DEAD_QUEUE, deadQueue], ...Object.values(QUEUES).map((name): [string, QueueOptions] => [name, stepQueue(jobs)])]);
      } catch (e) {
        await b.stop({ graceful: false, close: true } as never).catch(() => undefined);
        throw e;
      }
      boss = b;
      return b;
    })();
    // A start that failed (the store was unreachable) is tried afresh by the next caller.
    starting.catch(() => (starting = undefined));
    return starting;
  };

  return {
    async start(jobs) {
      await start(jobs);
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
      const rows: Array<{ data: StepJob; startAfter?: Date; group: { id: string } }> = [];
      for (const [key, ids] of groups) {
        const [connector, after] = key.split('\u0000') as [string, string];
        const startAfterMs = Number(after);
        for (let i = 0; i < ids.length; i += STEPS_PER_JOB) {
          // The job's group is its connector: no connector holds more than jobsPerConnector pollers.
          rows.push({ data: { stepIds: ids.slice(i, i + STEPS_PER_JOB) }, group: { id: connector }, ...(startAfterMs > 0 ? { startAfter: new Date(now + startAfterMs) } : {}) });
        }
      }
      for (let i = 0; i < rows.length; i += 500) await b.insert(QUEUES[type], rows.slice(i, i + 500), { db });
    },
    async startWorkers(handlers) {
      const b = await start();
      if (working) return;
      working = true;
      for (const [type, name] of [...Object.entries(QUEUES), ['dead', DEAD_QUEUE]] as Array<[StepType | 'dead', string]>) {
        await b.work<StepJob>(
          name,
          {
            batchSize: o.batchSize,
            localConcurrency: type === 'dead' ? 1 : o.pollers,
            ...(type === 'dead' ? {} : { localGroupConcurrency: Math.max(1, Math.min(o.jobsPerConnector, o.pollers)) }),
            burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, perJobResults: true },
          async (batch) => {
            const fail = (ids: string[], e: unknown) => {
              // pg-boss retries the job, then dead-letters it; say why, since a silent retry loop looks like a hang.
              o.log.error({ queue: name, steps: ids.length, err: (e as Error).message }, 'step batch failed; pg-boss will retry it, then hand it to the dead-letter queue');
              return { status: 'failed' as const, output: { message: (e as Error).message } };
            };
            try {
              await handlers[type](batch.flatMap((job) => job.data.stepIds));
              return batch.map((job) => ({ id: job.id, status: 'completed' as const }));
            } catch (e) {
              if (batch.length === 1) return [{ id: batch[0]!.id, ...fail(batch[0]!.data.stepIds, e) }];
              // One job's steps can fail a whole fetch: each job alone, so that only the failing one is retried.
              const out = [];
              for (const job of batch) {
                try {
                  await handlers[type](job.data.stepIds);
                  out.push({ id: job.id, status: 'completed' as const });
                } catch (e2) {
                  out.push({ id: job.id, ...fail(job.data.stepIds, e2) });
                }
              }
              return out;
            }
          },
        );
      }
    },
    async recoverOrphans() {
      const b = await start();
      const res = await o.conn.db.execute(sql`select id, name, data, group_id from ${sql.raw(SCHEMA)}.job where name in (${sql.join(ALL_QUEUES.map((q) => sql`${q}`), sql`, `)}) and state = 'active'`);
      const active = rowsOf<{ id: string; name: string; data: StepJob; group_id: string | null }>(res);
      if (active.length === 0) return 0;
      await o.conn.db.transaction(async (tx) => {
        const db = fromDrizzle(tx as never, sql as never);
        for (const name of ALL_QUEUES) {
          const mine = active.filter((j) => j.name === name);
          if (mine.length === 0) continue;
          await b.deleteJob(name, mine.map((j) => j.id), { db });
          await b.insert(name, mine.map((j) => ({ data: j.data, ...(j.group_id ? { group: { id: j.group_id } } : {}) })), { db });
        }
      });
      o.log.warn({ jobs: active.length }, 'reclaimed the jobs a dead process held');
      return active.length;
    },
    async stepsWithoutJob(db, incidentId) {
      const res = await db.execute(sql`
        select s.id from steps s
         where s.incident_id = ${incidentId} and s.state = 'pending'
           and s.id not in (
             select x.id from ${sql.raw(SCHEMA)}.job j cross join lateral jsonb_array_elements_text(j.data->'stepIds') as x(id)
              where j.name in (${sql.join(ALL_QUEUES.map((q) => sql`${q}`), sql`, `)}) and j.state in ('created', 'retry', 'active'))`);
      return rowsOf<{ id: string }>(res).map((r) => r.id);
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
