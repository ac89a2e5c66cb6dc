import path from 'node:path';
import type { Env } from './config/env.ts';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded.ts';
import { migrate } from './db/migrate.ts';
import { type RunningServer, startServer } from './http/server.ts';

export interface BootedServer {
  server: RunningServer;
  /** The database the server uses: DATABASE_URL, or the embedded one it started. */
  databaseUrl: string;
  embedded: EmbeddedDatabase | null;
}

/**
 * The server's start-up, shared by `server/src/main.ts` (the server alone) and the repository's `npm start`
 * (server + dashboard + local agent): with DATABASE_URL unset an embedded PostgreSQL keeps its data under
 * DATA_DIR/pg; migrations are applied; then GraphQL listens.
 */
export async function bootServer(env: Env, log: (m: string) => void): Promise<BootedServer> {
  let embedded: EmbeddedDatabase | null = null;
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(path.join(env.DATA_DIR, 'pg'), env.EMBEDDED_PG_PORT, log, true);
    databaseUrl = embedded.url;
    log(`embedded PostgreSQL on port ${env.EMBEDDED_PG_PORT} (data in ${path.join(env.DATA_DIR, 'pg')})`);
  }
  try {
    const applied = await migrate(databaseUrl);
    if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
    const server = await startServer({ ...env, databaseUrl, log });
    log(`GraphQL ready at ${server.url} (subscriptions: ${server.wsUrl})`);
    return { server, databaseUrl, embedded };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}

/**
 * Stops `steps` in order on the first SIGINT/SIGTERM, then exits. Each step is awaited and its failure logged,
 * so a hung dashboard cannot keep the database running.
 */
export function stopInOrderOnSignal(
  steps: () => [string, (() => Promise<unknown>) | undefined][],
  log: (m: string) => void,
): { stopping: () => boolean } {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    for (const [what, fn] of steps()) {
      if (!fn) continue;
      await fn().catch((e) => console.error(e));
      log(`stopped ${what}`);
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // A part still starting when the signal came fails once what it needs is stopped; the caller ignores that.
  return { stopping: () => stopping };
}
