import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { type EngineSession, openSchemaEngine } from '../../scripts/lib/prisma-engine.ts';
import {
  afterExisting,
  createMigration,
  diffMigrationsToSchema,
  MIGRATIONS_DIR,
  SCHEMA_PATH,
} from '../../scripts/lib/prisma-migrations.ts';

/**
 * prisma/schema.prisma (what the client is generated from) and prisma/migrations (what databases are
 * built from) are written by hand and must describe the same database. Prisma's schema engine, run as
 * wasm on scratch databases, checks that; the same engine authors new migrations.
 */
// The server the rest of the suite uses: npm test always sets DATABASE_URL (to the machine's PostgreSQL or
// the embedded one it started), so the scratch databases land where every other test's do.
const databaseUrl = process.env.DATABASE_URL ?? '';
if (!databaseUrl) throw new Error('DATABASE_URL must be set; npm test sets it');
let session: EngineSession;
let work: string;
let driftedSchema: string;
let cli: Promise<{ code: number; stdout: string; stderr: string }>;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'runboard-drift-'));
  // schema.prisma plus a field no migration creates.
  const schema = await readFile(SCHEMA_PATH, 'utf8');
  const drifted = schema.replace(/^model Experiment \{$/m, '$&\n  driftProbe String? @map("drift_probe")');
  assert.notEqual(drifted, schema, 'model Experiment not found in schema.prisma');
  driftedSchema = path.join(work, 'schema.prisma');
  await writeFile(driftedSchema, drifted);
  // The CLI mostly waits on PostgreSQL: run it alongside the in-process tests to keep the file fast.
  cli = new Promise((resolve) => {
    const args = ['--import', 'tsx', 'scripts/prisma-diff.ts', driftedSchema];
    execFile(process.execPath, args, { env: { ...process.env, DATABASE_URL: databaseUrl } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
  session = await openSchemaEngine(databaseUrl);
});

after(async () => {
  await cli;
  await session?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

test('the diff from prisma/migrations to prisma/schema.prisma is empty', async () => {
  const diff = await diffMigrationsToSchema(session.engine);
  assert.ok(diff.empty, `schema.prisma and prisma/migrations disagree; the missing SQL is:\n${diff.sql}`);
});

test('drift is detected: a field with no migration shows up as SQL', async () => {
  const diff = await diffMigrationsToSchema(session.engine, { schemaPath: driftedSchema });
  assert.equal(diff.empty, false);
  assert.match(diff.sql, /ALTER TABLE "experiments" ADD COLUMN\s+"drift_probe" TEXT;/);
});

test('npm run db:diff exits 2 on drift and prints the SQL', async () => {
  const result = await cli;
  assert.equal(result.code, 2, JSON.stringify(result));
  assert.match(result.stdout, /ALTER TABLE "experiments" ADD COLUMN\s+"drift_probe" TEXT;/);
});

test('db:migration writes the missing migration, after which there is no drift', async () => {
  const migrations = path.join(work, 'migrations');
  await cp(MIGRATIONS_DIR, migrations, { recursive: true });
  const existing = (await readdir(migrations)).filter((n) => /^\d{14}_/.test(n)).sort();
  const name = await createMigration(session.engine, 'drift_probe', {
    migrationsDir: migrations,
    schemaPath: driftedSchema,
  });
  assert.ok(name, 'no migration was created');
  assert.ok(name.endsWith('_drift_probe') && name > existing.at(-1)!, `bad migration name ${name}`);
  assert.match(await readFile(path.join(migrations, name, 'migration.sql'), 'utf8'), /"drift_probe" TEXT/);
  // Nothing left to migrate: the new migration brings the history up to the schema.
  assert.equal(
    await createMigration(session.engine, 'again', { migrationsDir: migrations, schemaPath: driftedSchema }),
    null,
  );
});

test('new migrations sort after the existing ones even when those are dated in the future', () => {
  assert.equal(afterExisting('20261128075249_x', ['20261128080000_init', '20261128090000_b']), '20261128090001_x');
  assert.equal(afterExisting('20261231235959_x', ['20261231235959_a']), '20270101000000_x');
  assert.equal(afterExisting('20261128100000_x', ['20261128090000_a']), '20261128100000_x');
});

test('closing the engine drops every scratch database it created', async () => {
  await session.close();
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `runboard\\_engine\\_${process.pid}\\_%`,
    ]);
    assert.deepEqual(rows, []);
  } finally {
    await c.end();
  }
});
