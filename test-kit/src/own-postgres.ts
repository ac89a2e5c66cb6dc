/**
 * A server over a PostgreSQL of the test's own (embedded, on a free port), for tests that stop and start the
 * database under a running server. The shared PostgreSQL on 5432 is never restarted: other tests use it.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { type RunningServer, startServer } from '@runboard/server';
import { type EmbeddedDatabase, migrate, startEmbeddedPostgres } from '@runboard/server/testing';
import { type ServerOptionOverrides, serverOptions } from './options.ts';
import { freePort } from './ports.ts';

export interface OwnPostgresStack {
  server: RunningServer;
  /** The database's URL; the same across restarts (same port, same data directory). */
  databaseUrl: string;
  /** Stops PostgreSQL (fast shutdown: open connections are terminated) under the running server. */
  stopDatabase(): Promise<void>;
  /** Starts it again on the same port and data. */
  startDatabase(): Promise<void>;
  /** Stops the server and the database and removes both directories. */
  close(): Promise<void>;
}

export async function startOwnPostgresStack(name: string, o: ServerOptionOverrides = {}): Promise<OwnPostgresStack> {
  const dir = mkdtempSync(path.join(tmpdir(), `runboard-${name}-`));
  chmodSync(dir, 0o755); // as root, PostgreSQL runs as its own user and must reach its data directory
  const port = await freePort();
  const start = () => startEmbeddedPostgres(path.join(dir, 'pg'), port, () => {});
  let db: EmbeddedDatabase | null = await start();
  await migrate(db.url);
  const databaseUrl = db.url;
  const server = await startServer({ ...serverOptions(databaseUrl, name, o), DATA_DIR: path.join(dir, 'data') });
  return {
    server,
    databaseUrl,
    async stopDatabase() {
      await db?.stop();
      db = null;
    },
    async startDatabase() {
      db = await start();
    },
    async close() {
      await server.stop();
      await db?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One own-PostgreSQL stack for the whole file: started before its first test, closed after its last. */
export function ownPostgresPerFile(
  name: string,
  o: ServerOptionOverrides,
  onStart: (stack: OwnPostgresStack) => void,
): void {
  let stack: OwnPostgresStack | undefined;
  before(async () => {
    stack = await startOwnPostgresStack(name, o);
    onStart(stack);
  });
  after(() => stack?.close());
}
