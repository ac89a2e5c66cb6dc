// `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with the
// SQL that takes the existing migrations to prisma/schema.prisma (`prisma migrate dev --create-only`).
// Edit schema.prisma first; review the file, then `npm run db:migrate` applies it.
import { openSchemaEngine } from './lib/prisma-engine.ts';
import { createMigration } from './lib/prisma-migrations.ts';

// Prisma's CLI slugifies names the same way: migration directories stay snake_case.
const name = (process.argv[2] ?? '')
  .toLowerCase()
  .replace(/[^a-z0-9]+/g, '_')
  .replace(/^_+|_+$/g, '');
if (!name) {
  console.error('usage: npm run db:migration -- <name>   (e.g. add-run-priority)');
  process.exit(1);
}
const session = await openSchemaEngine();
try {
  const dir = await createMigration(session.engine, name);
  console.log(
    dir ? `created prisma/migrations/${dir}/migration.sql` : 'schema.prisma has no changes that need a migration',
  );
} catch (e) {
  // The engine's message says what failed (e.g. which migration does not apply); its wasm stack does not.
  console.error(`db:migration: ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  await session.close();
}
