import { bootServer, stopInOrderOnSignal } from './boot.ts';
import { EnvError, loadEnv } from './config/env.ts';

/**
 * The server alone (docker-compose's server service, benchmarks): GraphQL over HTTP and WebSocket on one port.
 * `npm start` at the repository root runs this plus the dashboard and a local agent (scripts/start.ts).
 */
async function main() {
  const env = loadEnv();
  const quiet = env.LOG_LEVEL === 'silent' || env.LOG_LEVEL === 'error';
  const log = (m: string) => (quiet ? undefined : console.log(`[runboard] ${m}`));
  let booted: Awaited<ReturnType<typeof bootServer>> | null = null;
  stopInOrderOnSignal(
    () => [
      ['server', booted?.server.stop],
      ['embedded PostgreSQL', booted?.embedded?.stop],
    ],
    log,
  );
  booted = await bootServer(env, log);
}

main().catch((err) => {
  console.error(err instanceof EnvError ? err.message : err);
  process.exit(1);
});
