import { AsyncResource } from 'node:async_hooks';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { isConnectionError } from '../core/db-errors.ts';
import { currentTiming, telemetry } from '../core/telemetry.ts';
import { PrismaClient } from '../generated/prisma/client.ts';

/**
 * The one connection pool of a server process, and the two ways code uses it.
 *
 * - Prisma (through `@prisma/adapter-pg` on this same pool) for plain CRUD of experiments and artifacts,
 *   where its generated types and query building are worth having and the row counts are small.
 * - SQL on the pool for everything that is set-based or must be one guarded statement: metric ingest
 *   (`unnest` arrays: ~10x Prisma's createMany here), series downsampling, the filter compiler's dynamic
 *   WHERE/ORDER BY, run state changes (a guarded update + NOTIFY in one transaction, see run/run-state.ts),
 *   the queue and LISTEN/NOTIFY.
 *
 * One pool means one `DB_POOL_SIZE` and one place that decides what a lost connection costs.
 */
export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  url: string;
  /** Whether PostgreSQL answers now (for /healthz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

// int8 columns (steps, seqs, counts) stay well inside 2^53 here; parse them as numbers for our SQL.
// Prisma's adapter passes its own type parsers with every query, so this does not change what Prisma returns.
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export function connectDatabase(url: string, poolSize = 10, log: (m: string) => void = () => {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types,
    // JIT compilation costs more than it saves on our short, index-driven queries (9.5 ms on a series read).
    options: '-c jit=off',
    // While PostgreSQL is down, fail a request within seconds (DATABASE_UNAVAILABLE) instead of queueing it.
    connectionTimeoutMillis: 5000,
  });
  // pg-pool listens for errors only on idle clients; a connection that breaks while checked out (a killed
  // backend mid-transaction, a PostgreSQL restart) emits 'error' with nobody listening, which would end the
  // process. Every client gets a listener for its whole life; the query in flight is rejected anyway, and
  // the client is discarded on release (see `release` below).
  pool.on('connect', (client) => {
    client.on('error', (err) => log(`database connection lost: ${err.message}`));
    countStatements(client);
  });
  timePoolWaits(pool);
  pool.on('error', (err) => log(`idle database connection lost: ${err.message}`));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    url,
    async ping() {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await prisma.$disconnect().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}

/**
 * Counts every statement a pooled connection sends (one round trip each: pg does not pipeline), and adds its
 * time to the request being timed (core/telemetry.ts). Callback and promise forms both occur: pg-pool's own
 * `pool.query` uses the callback form.
 */
function countStatements(client: pg.Client): void {
  client.query = function (this: pg.Client, ...args: unknown[]) {
    // Looked up per call, not captured: whatever the prototype's query is now (a test may wrap it) still runs.
    const query = Object.getPrototypeOf(this).query as (...a: unknown[]) => unknown;
    telemetry.statements++;
    const timing = currentTiming();
    if (!timing) return query.apply(this, args);
    const t0 = performance.now();
    const done = () => {
      timing.dbMs += performance.now() - t0;
      timing.statements++;
    };
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const cb = args[last] as (...a: unknown[]) => void;
      args[last] = (...a: unknown[]) => {
        done();
        cb(...a);
      };
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    if (result instanceof Promise) result.then(done, done);
    return result;
  } as typeof client.query;
}

/** Time from asking the pool for a connection to getting one: queueing behind DB_POOL_SIZE busy connections. */
function timePoolWaits(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as (cb?: (...a: unknown[]) => void) => Promise<pg.PoolClient> | undefined;
  pool.connect = ((cb?: (...a: unknown[]) => void) => {
    const t0 = performance.now();
    const timing = currentTiming();
    const done = () => {
      const ms = performance.now() - t0;
      telemetry.poolWait.record(ms);
      if (timing) timing.poolWaitMs += ms;
    };
    // pg-pool may call back from whichever request released a connection: bound, the callback (and the
    // statement pool.query sends from it) runs in the context of the request that asked.
    if (cb)
      return connect(
        AsyncResource.bind((...a: unknown[]) => {
          done();
          cb(...a);
        }),
      );
    return connect()!.then((client) => {
      done();
      return client;
    });
  }) as typeof pool.connect;
}

/** Returns a checked-out client to the pool, or discards it when its connection broke. */
function release(client: pg.PoolClient, err?: unknown): void {
  client.release(err !== undefined && isConnectionError(err) ? (err as Error) : undefined);
}

/** A committed transaction's time (BEGIN to COMMIT's answer) and its COMMIT's (the WAL flush is most of it). */
function recordTransaction(t0: number, c0: number): void {
  const end = performance.now();
  telemetry.transactions++;
  telemetry.transaction.record(end - t0);
  telemetry.commit.record(end - c0);
  const timing = currentTiming();
  if (timing) {
    timing.commitMs += end - c0;
    timing.dbMs -= end - c0; // the COMMIT statement was counted as db time too; report it on its own
  }
}

/** Runs `fn` in one transaction on a pooled client; rolls back on any error. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const t0 = performance.now();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    const c0 = performance.now();
    await client.query('COMMIT');
    recordTransaction(t0, c0);
    release(client);
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    release(client, err);
    throw err;
  }
}

/**
 * `fn` in the caller's transaction when there is one (a service call that is one part of a bigger write, e.g. an
 * MLflow log-batch), else in a transaction of its own.
 */
export function inCallerTransaction<T>(
  pool: pg.Pool,
  c: pg.ClientBase | undefined,
  fn: (client: pg.ClientBase) => Promise<T>,
): Promise<T> {
  return c ? fn(c) : inTransaction(pool, fn);
}
