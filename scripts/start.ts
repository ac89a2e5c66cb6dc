// `npm start`: the whole product on one machine — the GraphQL server (on an embedded PostgreSQL when
// DATABASE_URL is unset), a local trainer agent and the dashboard. Each part is its own package; this launcher
// is the only place that knows all three. Ctrl-C stops them in reverse order.
//
//   npm start [-- --entry-point name="command args"]...
// --entry-point (repeatable, as for `npm run agent`; docs/own-script.md) adds programs the local agent may
// launch besides the built-in trainer, vgg16.

import { parseArgs } from 'node:util';
import { type BootedServer, bootServer, EnvError, loadEnv, stopInOrderOnSignal } from '@runboard/server';
import { Agent } from '@runboard/trainers/agent/agent';
import { entryPointsOf } from '@runboard/trainers/agent/command-line';
import { type RunningWeb, startWeb } from '@runboard/web/start';
import { z } from 'zod';

/** Settings of the launcher itself; the server validates its own (server/src/config/env.ts). */
const LauncherEnv = z.object({
  /** Serve the dashboard too. */
  WEB: z.enum(['on', 'off']).default('on'),
  /** A trainer agent in this process, so launchRun works with no other set-up. auto: on with the embedded database. */
  LOCAL_AGENT: z.enum(['auto', 'on', 'off']).default('auto'),
  LOCAL_AGENT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
});

function loadLauncherEnv() {
  const cleaned = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = LauncherEnv.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  throw new EnvError(
    `Invalid environment:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
  );
}

/** The launcher's flags: only the local agent's entry points. */
function loadLauncherArgs(): { entryPoints: Record<string, string[]> } {
  try {
    const { values } = parseArgs({ options: { 'entry-point': { type: 'string', multiple: true } } });
    return { entryPoints: entryPointsOf(values['entry-point'] ?? []) };
  } catch (e) {
    throw new EnvError(`Invalid options:\n  ${(e as Error).message}`);
  }
}

async function main() {
  const env = loadEnv();
  const launcher = loadLauncherEnv();
  const args = loadLauncherArgs();
  const localAgent = launcher.LOCAL_AGENT === 'on' || (launcher.LOCAL_AGENT === 'auto' && !env.DATABASE_URL);
  // Entry points nobody would offer are a mistake to report, not to ignore.
  if (!localAgent && Object.keys(args.entryPoints).length)
    throw new EnvError('--entry-point is for the local agent: set LOCAL_AGENT=on (it is off with DATABASE_URL set)');
  const quiet = env.LOG_LEVEL === 'silent' || env.LOG_LEVEL === 'error';
  const log = (m: string) => (quiet ? undefined : console.log(`[runboard] ${m}`));
  let booted: BootedServer | null = null;
  let web: RunningWeb | null = null;
  let agent: Agent | null = null;
  const signals = stopInOrderOnSignal(
    () => [
      ['agent', agent ? () => agent!.stop(true) : undefined],
      ['dashboard', web?.stop],
      ['server', booted?.server.stop],
      ['embedded PostgreSQL', booted?.embedded?.stop],
    ],
    log,
  );
  shuttingDown = signals.stopping;
  booted = await bootServer(env, log);
  if (localAgent) {
    agent = new Agent({
      server: booted.server.url,
      apiKey: env.RUNBOARD_ADMIN_KEY ?? env.RUNBOARD_API_KEY,
      concurrency: launcher.LOCAL_AGENT_CONCURRENCY,
      gpus: [],
      labels: [],
      name: 'local',
      entryPoints: args.entryPoints,
      log: (m) => log(`agent: ${m}`),
    });
    await agent.start();
  }
  if (launcher.WEB === 'on') {
    log('starting the dashboard (the first start builds it, which takes a minute or two)');
    web = await startWeb({
      port: env.WEB_PORT,
      host: env.HOST,
      apiUrl: booted.server.url,
      log: (l) => log(`web: ${l}`),
    });
    log(`Dashboard ready at ${web.url}`);
  }
}

/** Set once the signal handler exists: Ctrl-C during start-up is a clean stop, not a failed start. */
let shuttingDown = () => false;

main().catch((err) => {
  if (shuttingDown()) return; // the shutdown in progress exits (0) when every part has stopped
  console.error(err instanceof EnvError ? err.message : err);
  process.exit(1);
});
