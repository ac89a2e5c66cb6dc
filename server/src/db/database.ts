import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

/**
 * Two handles on one database: Prisma for ordinary CRUD with types, and a plain `pg` pool for the hot,
 * set-based SQL (metric ingest with unnest arrays, downsampling, dynamic filters) and LISTEN/NOTIFY.
 */
export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

// int8 columns (steps, seqs, counts) stay well inside 2^53 here; parse them as numbers for our pool only.
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export function connectDatabase(url: string, poolSize = 10): Database {
  // JIT compilation costs more than it saves on our short, index-driven queries (9.5 ms on a series read).
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, options: '-c jit=off' });
  pool.on('error', () => {}); // idle-client errors surface on the next query instead of crashing the process
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize }) });
  return {
    prisma,
    pool,
    url,
    async close() {
      await Promise.allSettled([prisma.$disconnect(), pool.end()]);
    },
  };
}

/** Runs `fn` in one transaction on a pooled client; rolls back on any error. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
