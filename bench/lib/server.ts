/**
 * Starts the Runboard server for a benchmark: by default as a child process (`node --import tsx
 * server/src/main.ts`), so server CPU is not shared with the client's event loop; BENCH_INPROC=1
 * runs it in this process instead (handy with --cpu-prof).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { startServer } from '@runboard/server';
import { serverOptions } from '@runboard/test-kit/options';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** BENCH_SERVER_ROOT: run the server from another checkout (e.g. a copy with older code) for before/after figures. */
const SERVER_ROOT = process.env.BENCH_SERVER_ROOT ? path.resolve(process.env.BENCH_SERVER_ROOT) : ROOT;

export interface BenchServer {
  url: string;
  wsUrl: string;
  mode: 'child' | 'in-process';
  pid: number;
  stop(): Promise<void>;
}

/** `adminKey`: run with keys on (RUNBOARD_ADMIN_KEY), as a team deployment does. */
export async function startBenchServer(
  databaseUrl: string,
  name: string,
  adminKey?: string,
  extraEnv: Record<string, string> = {},
): Promise<BenchServer> {
  const env = {
    ...extraEnv,
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: path.join(ROOT, '.data', `bench-${name}`),
    LOG_LEVEL: 'info',
    HEARTBEAT_TIMEOUT_SECONDS: '3600',
    CRASH_SWEEP_INTERVAL_MS: '600000',
    DB_POOL_SIZE: process.env.BENCH_POOL_SIZE ?? '10',
    WEB: 'off',
    LOCAL_AGENT: 'off',
    NODE_ENV: 'production', // as `npm start` runs it: graphql-js skips its development-mode checks
    // Each benchmark measures one storage form: compaction only where it asks for it (bench:storage drives it).
    METRIC_COMPACTION_INTERVAL_MS: process.env.METRIC_COMPACTION_INTERVAL_MS ?? '0',
  };
  if (process.env.BENCH_INPROC === '1') {
    const s = await startServer(
      serverOptions(databaseUrl, `bench-${name}`, {
        heartbeatTimeoutSeconds: 3600,
        crashSweepIntervalMs: 600_000,
        poolSize: Number(env.DB_POOL_SIZE),
        serverTiming: extraEnv.SERVER_TIMING === 'on',
      }),
    );
    return { url: s.url, wsUrl: s.wsUrl, mode: 'in-process', pid: process.pid, stop: () => s.stop() };
  }
  const extra = process.env.BENCH_SERVER_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = spawn(process.execPath, [...extra, '--import', 'tsx', 'server/src/main.ts'], {
    cwd: SERVER_ROOT,
    env: { ...process.env, ...env, RUNBOARD_API_KEY: '', RUNBOARD_ADMIN_KEY: adminKey ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  // A loaded machine (load 20+ on 2 cores while tests run) can take over 30 s to boot tsx and the server.
  const startS = Number(process.env.BENCH_SERVER_START_S ?? 120);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${startS} s:\n${log}`)), startS * 1000);
    const onData = (d: Buffer) => {
      log += d.toString();
      const m = /GraphQL ready at (\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
  // keep draining output so the child never blocks on a full pipe; surface errors
  child.stdout!.removeAllListeners('data');
  child.stdout!.on('data', (d: Buffer) => {
    const s = d.toString();
    if (/error|failed/i.test(s)) process.stderr.write(`[server] ${s}`);
  });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[server] ${d}`));
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    mode: 'child',
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export function wsClient(wsUrl: string, apiKey?: string): Client {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: apiKey ? { apiKey } : undefined,
  });
}
