import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import type { SchemaEngine } from './prisma-engine.ts';

/** What `prisma migrate diff` / `migrate dev --create-only` compute, on the wasm engine. */
export const ROOT = path.resolve(import.meta.dirname, '../..');
export const MIGRATIONS_DIR = path.join(ROOT, 'prisma/migrations');
export const SCHEMA_PATH = path.join(ROOT, 'prisma/schema.prisma');

// No external tables or enums: the engine should see every difference.
const NO_FILTERS = { externalTables: [], externalEnums: [] };

/** The migrations directory in the shape the engine reads (the CLI normally loads it for it). */
export async function readMigrationList(dir = MIGRATIONS_DIR): Promise<MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const lockPath = path.join(dir, 'migration_lock.toml');
  return {
    baseDir: dir,
    lockfile: { path: lockPath, content: await readFile(lockPath, 'utf8').catch(() => null) },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: await readFile(path.join(dir, name, 'migration.sql'), 'utf8').then(
            (value) => ({ tag: 'ok' as const, value }),
            (e: Error) => ({ tag: 'error' as const, value: e.message }),
          ),
        },
      })),
    ),
  };
}

async function schemaFiles(schemaPath: string) {
  return { files: [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }] };
}

export interface SchemaDiff {
  /** SQL that takes a database built by the migrations to what schema.prisma describes. */
  sql: string;
  empty: boolean;
}

/** Applies the migrations to a shadow database and diffs it against the schema. */
export async function diffMigrationsToSchema(
  engine: SchemaEngine,
  { migrationsDir = MIGRATIONS_DIR, schemaPath = SCHEMA_PATH } = {},
): Promise<SchemaDiff> {
  const result = await engine.diff({
    from: { tag: 'migrations', ...(await readMigrationList(migrationsDir)) },
    to: { tag: 'schemaDatamodel', ...(await schemaFiles(schemaPath)) },
    script: true,
    exitCode: true,
    filters: NO_FILTERS,
  });
  // With exitCode set the engine answers 2 for a non-empty diff, as `migrate diff --exit-code` does.
  return { sql: result.stdout ?? '', empty: result.exitCode === 0 };
}

/**
 * Writes prisma/migrations/<timestamp>_<name>/migration.sql for the schema changes not yet in a
 * migration, as `prisma migrate dev --create-only` does. Returns the directory name, or null when
 * there is nothing to migrate.
 */
export async function createMigration(
  engine: SchemaEngine,
  name: string,
  { migrationsDir = MIGRATIONS_DIR, schemaPath = SCHEMA_PATH } = {},
): Promise<string | null> {
  const migrationsList = await readMigrationList(migrationsDir);
  // createMigration reads the migrations' schema from a cache that only devDiagnostic fills, and
  // devDiagnostic only computes it (on a shadow database) once the main database has a migration
  // history. The main database is our scratch one, so bring it up to date first, like `migrate dev`.
  await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
  const { action } = await engine.devDiagnostic({ migrationsList, filters: NO_FILTERS });
  if (action.tag === 'reset') throw new Error(`the schema engine wants a reset: ${action.reason}`);
  const out = await engine.createMigration({
    draft: false,
    migrationName: name,
    migrationsList,
    schema: await schemaFiles(schemaPath),
    filters: NO_FILTERS,
  });
  if (out.migrationScript === null) return null;
  const dirName = afterExisting(
    out.generatedMigrationName,
    migrationsList.migrationDirectories.map((d) => d.path),
  );
  const dir = path.join(migrationsDir, dirName);
  await mkdir(dir);
  await writeFile(path.join(dir, `migration.${out.extension}`), out.migrationScript);
  return dirName;
}

/**
 * The engine names migrations after the current UTC time, but migrations are applied in name order
 * and ours may carry later timestamps (e.g. 20261128080000_init written before 08:00): a new one
 * named after the clock would run before them. Keep the name, move the timestamp past the last one.
 */
export function afterExisting(generated: string, existing: string[]): string {
  const stamp = /^(\d{14})_(.*)$/s.exec(generated);
  const last = existing
    .map((n) => /^\d{14}/.exec(n)?.[0])
    .filter((s): s is string => !!s)
    .sort()
    .at(-1);
  if (!stamp || !last || stamp[1]! > last) return generated;
  const t = last.replace(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/, '$1-$2-$3T$4:$5:$6Z');
  const next = new Date(Date.parse(t) + 1000).toISOString().replace(/\D/g, '').slice(0, 14);
  return `${next}_${stamp[2]}`;
}
