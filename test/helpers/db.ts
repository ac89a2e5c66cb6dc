import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../../server/src/db/embedded.js';
import { migrate } from '../../server/src/db/migrate.js';

/**
 * Each test file gets a fresh, migrated database on a real PostgreSQL: the server DATABASE_URL names
 * (CI points it at the machine's service) or, when it is unset, an embedded one under .data/test-pg.
 */
let embedded: Promise<EmbeddedDatabase> | undefined;

async function serverUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  embedded ??= startEmbeddedPostgres('.data/test-pg', 54330, () => {});
  return (await embedded).url;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = new URL(await serverUrl());
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
