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
