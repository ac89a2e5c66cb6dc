import path from 'node:path';
import { Agent } from '../../trainers/src/agent/agent.ts';
import { type RunningWeb, startWeb } from '../../web/start.ts';
import { EnvError, loadEnv } from './config/env.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { type RunningServer, startServer } from './http/server.js';

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
  let web: RunningWeb | null = null;
  let agent: Agent | null = null;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    const step = async (what: string, fn: (() => Promise<unknown>) | undefined) => {
      if (!fn) return;
      await fn().catch((e) => console.error(e));
      log(`stopped ${what}`);
    };
    await step('agent', agent ? () => agent!.stop(true) : undefined);
    await step('dashboard', web ? () => web!.stop() : undefined);
    await step('server', server ? () => server!.stop() : undefined);
    await step('embedded PostgreSQL', embedded ? () => embedded!.stop() : undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(path.join(env.DATA_DIR, 'pg'), env.EMBEDDED_PG_PORT, log, true);
    databaseUrl = embedded.url;
    log(`embedded PostgreSQL on port ${env.EMBEDDED_PG_PORT} (data in ${path.join(env.DATA_DIR, 'pg')})`);
  }
  const applied = await migrate(databaseUrl);
  if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
  server = await startServer({ ...env, databaseUrl, log });
  log(`GraphQL ready at ${server.url} (subscriptions: ${server.wsUrl})`);
  if (env.LOCAL_AGENT === 'on' || (env.LOCAL_AGENT === 'auto' && !env.DATABASE_URL)) {
    agent = new Agent({
      server: server.url,
      apiKey: env.RUNBOARD_ADMIN_KEY ?? env.RUNBOARD_API_KEY,
      concurrency: env.LOCAL_AGENT_CONCURRENCY,
      gpus: [],
      labels: [],
      name: 'local',
      log: (m) => log(`agent: ${m}`),
    });
    await agent.start();
  }
  if (env.WEB === 'on') {
    log('starting the dashboard (the first start builds it, which takes a minute or two)');
    web = await startWeb({ port: env.WEB_PORT, host: env.HOST, apiUrl: server.url, log: (l) => log(`web: ${l}`) });
    log(`Dashboard ready at ${web.url}`);
  }
}

main().catch((err) => {
  console.error(err instanceof EnvError ? err.message : err);
  process.exit(1);
});
