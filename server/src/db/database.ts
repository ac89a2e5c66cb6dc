import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { isConnectionError } from '../core/db-errors.ts';
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

export function connectDatabase(
  url: string,
  poolSize = 10,
  log: (m: string) => void = () => {},
  { statementTimeoutMs }: { statementTimeoutMs?: number } = {},
): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types,
    // JIT compilation costs more than it saves on our short, index-driven queries (9.5 ms on a series read).
    // statement_timeout: every statement a request causes ends within a bound; the cancelled statement rolls its
    // transaction back, so nothing is written half-way (TIMEOUT in core/db-errors.ts).
    options: `-c jit=off${statementTimeoutMs ? ` -c statement_timeout=${Math.round(statementTimeoutMs)}` : ''}`,
    // While PostgreSQL is down, fail a request within seconds (DATABASE_UNAVAILABLE) instead of queueing it.
    connectionTimeoutMillis: 5000,
  });
  // pg-pool listens for errors only on idle clients; a connection that breaks while checked out (a killed
  // backend mid-transaction, a PostgreSQL restart) emits 'error' with nobody listening, which would end the
  // process. Every client gets a listener for its whole life; the query in flight is rejected anyway, and
  // the client is discarded on release (see `release` below).
  pool.on('connect', (client) => {
    client.on('error', (err) => log(`database connection lost: ${err.message}`));
  });
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

/** Returns a checked-out client to the pool, or discards it when its connection broke. */
function release(client: pg.PoolClient, err?: unknown): void {
  client.release(err !== undefined && isConnectionError(err) ? (err as Error) : undefined);
}

/** Runs `fn` in one transaction on a pooled client; rolls back on any error. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    release(client);
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    release(client, err);
    throw err;
  }
}
