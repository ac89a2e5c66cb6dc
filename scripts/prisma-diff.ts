// `npm run db:diff`: prints the SQL that takes prisma/migrations to prisma/schema.prisma, like
// `prisma migrate diff --from-migrations prisma/migrations --to-schema prisma/schema.prisma --script
// --exit-code`: exit 0 when they agree, 2 when a migration is missing (npm run db:migration -- <name>), 1 on error.
// Optional argument: another schema file to diff against.
import path from 'node:path';
import { openSchemaEngine } from './lib/prisma-engine.ts';
import { diffMigrationsToSchema, SCHEMA_PATH } from './lib/prisma-migrations.ts';

const schemaPath = process.argv[2] ? path.resolve(process.argv[2]) : SCHEMA_PATH;
const session = await openSchemaEngine();
try {
  const diff = await diffMigrationsToSchema(session.engine, { schemaPath });
  process.stdout.write(diff.sql);
  if (diff.empty) console.error('prisma/migrations and schema.prisma agree.');
  process.exitCode = diff.empty ? 0 : 2;
} catch (e) {
  // The engine's message says what failed (e.g. which migration does not apply); its wasm stack does not.
  console.error(`db:diff: ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  await session.close();
}
