import { defineConfig } from 'prisma/config';

// `env('DATABASE_URL')` would throw when the variable is unset and break `prisma generate`,
// which needs no database; read it with a default instead.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/runboard' },
});
