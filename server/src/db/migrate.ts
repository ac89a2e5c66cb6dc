import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

/**
 * Applies prisma/migrations the way `prisma migrate deploy` does, with the same `_prisma_migrations`
 * bookkeeping, so the Prisma CLI agrees with us wherever its native engine is available.
 * We need our own runner because that engine cannot be downloaded on our build machines.
 */
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../prisma/migrations');
const PRISMA_ADVISORY_LOCK = 72707369;

export class MigrationError extends Error {
  constructor(
    readonly code: 'P3005' | 'P3009' | 'P3018',
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

async function readMigrations(dir: string): Promise<LocalMigration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export async function migrate(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const local = await readMigrations(dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Serialises concurrent deploys (several server instances booting at once).
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK]);
    const { rows: existing } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations'`,
    );
    const { rows: hasTable } = await client.query(
      `SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_prisma_migrations'`,
    );
    if (hasTable.length === 0 && Number(existing[0]!.n) > 0) {
      throw new MigrationError(
        'P3005',
        'The database schema is not empty and has no migration history; refusing to migrate it.',
      );
    }
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const { rows: history } = await client.query<{
      migration_name: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
    }>(`SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations"`);
    const failed = history.find((h) => h.finished_at === null && h.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(
        'P3009',
        `Migration ${failed.migration_name} failed earlier; resolve it before applying more.`,
      );
    }
    const done = new Set(history.filter((h) => h.finished_at !== null).map((h) => h.migration_name));
    const applied: string[] = [];
    for (const m of local) {
      if (done.has(m.name)) continue;
      const id = randomUUID();
      await client.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), 0)`,
        [id, m.checksum, m.name],
      );
      try {
        await client.query('BEGIN');
        await client.query(m.sql); // one multi-statement query: the simple protocol runs it as a whole
        await client.query(
          `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        await client.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, String(err)]);
        throw new MigrationError('P3018', `Migration ${m.name} failed: ${(err as Error).message}`);
      }
      applied.push(m.name);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK]).catch(() => {});
    await client.end();
  }
}
