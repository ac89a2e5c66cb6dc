import { randomBytes } from 'node:crypto';
import { migrate } from '@runboard/server/testing';
import pg from 'pg';

/**
 * Each test file gets a fresh, migrated database on the PostgreSQL that DATABASE_URL names. `npm test`
 * always sets it: to the server CI points it at, or to the one embedded PostgreSQL it starts for the whole run
 * (scripts/test.ts), so no test file owns a database process that could keep it alive.
 */
function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set: run tests through `npm test` (or `npm test -- <files>`), which provides a database.',
    );
  }
  return url;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = new URL(serverUrl());
  const name = `runboard_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: base.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * How many statements whose SQL `counts` accepts were sent through node-postgres (every pg query, Prisma's adapter
 * included) while `fn` ran. It patches the driver for the whole process: only for a server running in this process.
 */
export async function countStatements(counts: (sql: string) => boolean, fn: () => Promise<unknown>): Promise<number> {
  const original = pg.Client.prototype.query;
  let n = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
    if (text && counts(text)) n++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
  return n;
}
