import path from 'node:path';
import { EnvError, loadEnv } from './config/env.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { startServer, type RunningServer } from './http/server.js';

/**
 * `npm start`: with DATABASE_URL unset, an embedded PostgreSQL keeps its data under DATA_DIR/pg;
 * migrations are applied, then the GraphQL server listens. Ctrl-C stops everything in reverse order.
 */
async function main() {
  const env = loadEnv();
  const quiet = env.LOG_LEVEL === 'silent' || env.LOG_LEVEL === 'error';
  const log = (m: string) => (quiet ? undefined : console.log(`[runboard] ${m}`));
  let embedded: EmbeddedDatabase | null = null;
  let server: RunningServer | null = null;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    await server?.stop().catch((e) => console.error(e));
    await embedded?.stop().catch((e) => console.error(e));
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(path.join(env.DATA_DIR, 'pg'), env.EMBEDDED_PG_PORT, log);
    databaseUrl = embedded.url;
    log(`embedded PostgreSQL on port ${env.EMBEDDED_PG_PORT} (data in ${path.join(env.DATA_DIR, 'pg')})`);
  }
  const applied = await migrate(databaseUrl);
  if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
  server = await startServer({ ...env, databaseUrl, log });
  log(`GraphQL ready at ${server.url} (subscriptions: ${server.wsUrl})`);
}

main().catch((err) => {
  console.error(err instanceof EnvError ? err.message : err);
  process.exit(1);
});
