import { after, before } from 'node:test';
import { type RunningServer, startServer } from '@runboard/server';
import { type Client, createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { checked, gqlRequest } from './gql.ts';
import { type ServerOptionOverrides, serverOptions } from './options.ts';

export interface TestServerOptions {
  /** Reuse a database (e.g. a second instance on the same one). */
  database?: TestDatabase;
  heartbeatTimeoutSeconds?: number;
  leaseSeconds?: number;
  /** Listen on this port (to restart a server where its clients expect it); default: any free port. */
  port?: number;
  crashSweepIntervalMs?: number;
  apiKey?: string;
  artifactMaxBytes?: number;
  maxResponseBytes?: number;
  maxQueryCost?: number;
  bounds?: ServerOptionOverrides['bounds'];
  serverTiming?: boolean;
  metricCompactionIntervalMs?: number;
}

export interface TestServer extends RunningServer {
  database: TestDatabase;
  /** POSTs a GraphQL request; returns the whole response body ({ data, errors }). */
  request<T = any>(query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: any[] }>;
  /** Like request, but throws on GraphQL errors and returns data. */
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  ws(): Client;
  close(): Promise<void>;
}

/**
 * One test server for the whole file: started before its first test, closed after its last. `onStart` gets it and a
 * small pool on its database (connecting only when used) for tests that read rows directly.
 */
export function serverPerFile(onStart: (s: TestServer, db: pg.Pool) => void, opts: TestServerOptions = {}): void {
  let server: TestServer | undefined;
  let pool: pg.Pool | undefined;
  before(async () => {
    server = await startTestServer(opts);
    pool = new pg.Pool({ connectionString: server.database.url, max: 2 });
    onStart(server, pool);
  });
  after(async () => {
    await pool?.end();
    await server?.close();
  });
}

/** A real server on an ephemeral port over a fresh database on the real PostgreSQL. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const database = opts.database ?? (await createTestDatabase());
  const server = await startServer(
    serverOptions(database.url, `test-${database.name}`, {
      port: opts.port,
      heartbeatTimeoutSeconds: opts.heartbeatTimeoutSeconds,
      leaseSeconds: opts.leaseSeconds,
      crashSweepIntervalMs: opts.crashSweepIntervalMs,
      apiKey: opts.apiKey,
      artifactMaxBytes: opts.artifactMaxBytes,
      maxResponseBytes: opts.maxResponseBytes,
      maxQueryCost: opts.maxQueryCost,
      bounds: opts.bounds,
      serverTiming: opts.serverTiming,
      metricCompactionIntervalMs: opts.metricCompactionIntervalMs,
      // TEST_SERVER_LOG=1 shows the server's log (internal errors are only logged, never sent to clients).
      log: process.env.TEST_SERVER_LOG ? (m) => console.error(`[server] ${m}`) : undefined,
    }),
  );
  const request = (query: string, variables?: Record<string, unknown>) =>
    gqlRequest(server.url, query, variables, opts.apiKey);
  const clients: Client[] = [];
  return {
    ...server,
    database,
    request,
    async gql(query, variables) {
      return checked(await request(query, variables));
    },
    ws() {
      const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await server.stop();
      if (!opts.database) await database.drop();
    },
  };
}

/** Collects events of one subscription until `until` says stop (or the timeout hits). */
export function collect<T>(client: Client, query: string, variables: Record<string, unknown>) {
  const events: T[] = [];
  const errors: unknown[] = [];
  const waiters: { pred: (e: T[]) => boolean; resolve: () => void }[] = [];
  const check = () => {
    for (const w of waiters.splice(0)) {
      if (w.pred(events)) w.resolve();
      else waiters.push(w);
    }
  };
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (v) => {
        if (v.errors) errors.push(...v.errors);
        if (v.data) events.push(v.data as T);
        check();
      },
      error: (e) => errors.push(e),
      complete: () => {},
    },
  );
  return {
    events,
    errors,
    dispose,
    until(pred: (e: T[]) => boolean, timeoutMs = 5000): Promise<T[]> {
      if (pred(events)) return Promise.resolve(events);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `timed out; got ${events.length} events: ${JSON.stringify(events).slice(0, 500)}; errors ${JSON.stringify(errors)}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          pred,
          resolve: () => {
            clearTimeout(timer);
            resolve(events);
          },
        });
      });
    },
  };
}
