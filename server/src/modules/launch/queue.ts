import { BUILTIN_ENTRY_POINT } from '@runboard/contract/entry-point';
import type pg from 'pg';
import { PgBoss } from 'pg-boss';
import { inTransaction } from '../../db/database.ts';

/**
 * The run queue, on pg-boss (a maintained PostgreSQL job queue) in the same database; this class is the only
 * code that talks to pg-boss, and only through its API.
 * Why pg-boss: attempt-fenced touch/complete/fail, retries, cancellation, transactional `send` (the run row
 * and its job commit together) and global per-group concurrency (used for sweep parallelism).
 * graphile-worker's locks last a fixed 4 hours, too coarse to notice a dead agent within a minute.
 *
 * The lease itself lives on the run (runs.lease_expires_at, owned by RunState), which expires it on its own
 * one-second clock and fails the job here so pg-boss retries it. pg-boss's per-job heartbeat is kept as a
 * backstop at three leases, so it never races the run's own lease.
 *
 * Agents never talk to pg-boss directly: they use GraphQL (claimRuns / renewLeases / reportRunExit),
 * so an agent on another machine needs only the server URL and an API key.
 */
/** Default lease; agents renew every lease / 4. */
export const DEFAULT_LEASE_SECONDS = 20;
const EXPIRE_SECONDS = 24 * 3600; // pg-boss caps an active job's lifetime at 24 h
/** pg-boss's own heartbeat per job, in leases: a backstop only (see above). */
const BACKSTOP_LEASES = 3;

export interface RunJob {
  runId: string;
}

/**
 * One queue per (entry point, label set), so an agent only fetches runs it can run: those of an entry point it
 * registered, needing labels it has. The built-in trainer's queues keep their names from before entry points
 * (`runs`, `runs.<label>.<label>`); another entry point's are `ep/<name>/runs...` (names and labels keep to
 * [A-Za-z0-9_-], so the parts cannot run into each other).
 */
export function queueName(labels: readonly string[], entryPoint = BUILTIN_ENTRY_POINT): string {
  const base = labels.length === 0 ? 'runs' : `runs.${[...labels].sort().join('.')}`;
  return entryPoint === BUILTIN_ENTRY_POINT ? base : `ep/${entryPoint}/${base}`;
}

/** The entry point and labels a queue name stands for; null for a queue that is not a run queue. */
export function parseQueueName(name: string): { entryPoint: string; labels: string[] } | null {
  const m = /^(?:ep\/([A-Za-z0-9_-]+)\/)?runs(?:\.(.+))?$/.exec(name);
  if (!m) return null;
  return { entryPoint: m[1] ?? BUILTIN_ENTRY_POINT, labels: m[2] ? m[2].split('.') : [] };
}

const asDb = (client: pg.ClientBase) => ({
  executeSql: async (text: string, values?: unknown[]) => client.query(text, values as unknown[]),
});

export class RunQueue {
  private readonly knownQueues = new Set<string>();
  /** pg-boss refuses heartbeats under 10 s. */
  private get backstopSeconds(): number {
    return Math.max(10, this.leaseSeconds * BACKSTOP_LEASES);
  }

  private constructor(
    readonly boss: PgBoss,
    readonly leaseSeconds: number,
  ) {}

  static async start(
    databaseUrl: string,
    leaseSeconds: number,
    superviseIntervalSeconds: number,
    log: (m: string) => void,
  ): Promise<RunQueue> {
    const boss = new PgBoss({
      connectionString: databaseUrl,
      schema: 'pgboss',
      max: 4,
      superviseIntervalSeconds,
      // Heartbeat (lease) expiry is checked in pg-boss's monitor pass, which by default runs a queue at most
      // once a minute: a dead agent's runs would wait up to LEASE_SECONDS + 60 s. Tie it to the supervisor.
      monitorIntervalSeconds: superviseIntervalSeconds,
      schedule: false,
    });
    boss.on('error', (err: Error) => log(`queue: ${err.message}`));
    await boss.start();
    return new RunQueue(boss, leaseSeconds);
  }

  async ensureQueue(name: string): Promise<void> {
    if (this.knownQueues.has(name)) return;
    const existing = await this.boss.getQueue(name);
    if (!existing) {
      await this.boss
        .createQueue(name, { heartbeatSeconds: this.backstopSeconds, expireInSeconds: EXPIRE_SECONDS, retryDelay: 0 })
        .catch(async (err) => {
          if (!(await this.boss.getQueue(name))) throw err; // lost a race with another server: fine
        });
    }
    this.knownQueues.add(name);
  }

  /** Enqueues inside the caller's transaction: the run and its job exist together or not at all. */
  async send(
    client: pg.ClientBase,
    queue: string,
    job: RunJob,
    opts: { retries: number; priority: number; group?: { id: string; tier: string } },
  ): Promise<string> {
    await this.ensureQueue(queue);
    const id = await this.boss.send(
      queue,
      { ...job },
      {
        retryLimit: opts.retries,
        retryDelay: 0,
        priority: opts.priority,
        heartbeatSeconds: this.backstopSeconds,
        expireInSeconds: EXPIRE_SECONDS,
        group: opts.group,
        db: asDb(client),
      },
    );
    if (!id) throw new Error('queue refused the job');
    return id;
  }

  /** Queues of the agent's entry points whose label set the agent's labels cover. */
  async queuesFor(agentLabels: readonly string[], entryPoints: readonly string[]): Promise<string[]> {
    const queues = await this.boss.getQueues();
    const have = new Set(agentLabels);
    const runs = new Set(entryPoints);
    return queues
      .map((q) => q.name)
      .filter((n) => {
        const q = parseQueueName(n);
        return q !== null && runs.has(q.entryPoint) && q.labels.every((l) => have.has(l));
      });
  }

  /**
   * Claims up to `max` jobs. pg-boss counts a group's active jobs in the same statement that claims, so two
   * claimers at once could both see "1 of 2 active" and take one each; a transaction-scoped advisory lock per
   * queue serialises claims (across servers too), which keeps sweep parallelism exact. Claims take a few ms.
   */
  async fetch(pool: pg.Pool, queue: string, max: number, sweepLimits: Record<string, number>) {
    return inTransaction(pool, async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`runboard:claim:${queue}`]);
      return this.boss.fetch<RunJob>(queue, {
        batchSize: max,
        // Sweep runs carry group { id: sweepId, tier: "p<parallelism>" }: at most that many active per sweep.
        // Only sweep runs have a group. A tier missing from `sweepLimits` belongs to a sweep that committed after
        // the caller read the limits (the read and this fetch are two snapshots): such a sweep gets one run now,
        // never more than its parallelism (>= 1); the next claim sees its tier. With an unbounded default, a
        // claim straddling launchSweep took 3 runs of a parallelism-2 sweep (test/server/launch.test.ts, under load).
        groupConcurrency: { default: 1, tiers: sweepLimits },
        db: asDb(c),
      });
    });
  }

  /** Renews leases; fenced by attempt, so a lease pg-boss already handed to someone else is not renewed. Returns the renewed job ids. */
  async touch(queue: string, jobs: { id: string; retryCount: number }[]): Promise<Set<string>> {
    const res = (await this.boss.touch(queue, jobs)) as { settled?: string[] };
    return new Set(res.settled ?? []);
  }

  complete(queue: string, job: string | { id: string; retryCount: number }, output: object) {
    return this.boss.complete(queue, job, output);
  }

  /** Fails the job's attempt (pg-boss retries it while retries remain), in the caller's transaction. */
  fail(queue: string, job: { id: string; retryCount: number }, client: pg.ClientBase) {
    return this.boss.fail(queue, job, { reason: 'lease expired' }, { db: asDb(client) });
  }

  cancel(queue: string, jobId: string, client?: pg.ClientBase) {
    return this.boss.cancel(queue, jobId, client ? { db: asDb(client) } : undefined);
  }

  /**
   * A background job beside the run queues (metric compaction): at most one queued job per `key` (pg-boss's
   * `short` policy), retried a few times; in the caller's transaction when given, so it exists exactly when
   * the change that asked for it committed.
   */
  async sendBackground(client: pg.ClientBase | null, name: string, data: object, key: string): Promise<void> {
    await this.ensureBackgroundQueue(name);
    await this.boss.send(name, data, {
      singletonKey: key,
      retryLimit: 3,
      retryDelay: 5,
      ...(client ? { db: asDb(client) } : {}),
    });
  }

  /** Runs `handler` for each job of a background queue, one at a time; a throw fails (and retries) the job. */
  async workBackground<T extends object>(name: string, handler: (data: T) => Promise<void>): Promise<void> {
    await this.ensureBackgroundQueue(name);
    await this.boss.work<T>(name, { batchSize: 1, pollingIntervalSeconds: 1 }, async (jobs) => {
      for (const job of jobs) await handler(job.data);
    });
  }

  private async ensureBackgroundQueue(name: string): Promise<void> {
    if (this.knownQueues.has(name)) return;
    if (!(await this.boss.getQueue(name))) {
      await this.boss.createQueue(name, { policy: 'short' }).catch(async (err) => {
        if (!(await this.boss.getQueue(name))) throw err;
      });
    }
    this.knownQueues.add(name);
  }

  stop() {
    return this.boss.stop({ graceful: false, timeout: 2000 });
  }
}
