/** A fresh, migrated database per benchmark run on DATABASE_URL's server, dropped at the end. */
import path from 'node:path';
import { migrate } from '@runboard/server/testing';
import pg from 'pg';

/**
 * The migrations of the server under test: BENCH_SERVER_ROOT's own when the benchmark runs another checkout's server
 * (bench:side-by-side), so an older server gets the schema it was written for, not this checkout's.
 */
const MIGRATIONS = process.env.BENCH_SERVER_ROOT
  ? path.join(path.resolve(process.env.BENCH_SERVER_ROOT), 'prisma/migrations')
  : undefined;

export const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://root@127.0.0.1:5432/test';

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(bench: string): Promise<BenchDatabase> {
  const name = `bench_${bench.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await migrate(url.toString(), MIGRATIONS);
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Server settings worth recording with the figures (durability settings change ingest numbers a lot). */
export async function pgSettings(url: string): Promise<Record<string, string>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings
        WHERE name IN ('server_version','shared_buffers','synchronous_commit','fsync','work_mem','max_wal_size','jit')`,
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  } finally {
    await c.end();
  }
}
