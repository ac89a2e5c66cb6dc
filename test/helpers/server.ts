import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type RunningServer, startServer } from '../../server/src/http/server.js';
import { createTestDatabase, type TestDatabase } from './db.js';

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

/** A real server on an ephemeral port over a fresh database on the real PostgreSQL. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const database = opts.database ?? (await createTestDatabase());
  const server = await startServer({
    databaseUrl: database.url,
    HOST: '127.0.0.1',
    PORT: opts.port ?? 0,
    DATA_DIR: `.data/test-${database.name}`,
    ARTIFACT_DIR: undefined,
    HEARTBEAT_TIMEOUT_SECONDS: opts.heartbeatTimeoutSeconds ?? 60,
    LEASE_SECONDS: opts.leaseSeconds ?? 20,
    CRASH_SWEEP_INTERVAL_MS: opts.crashSweepIntervalMs ?? 60_000,
    RUNBOARD_API_KEY: opts.apiKey,
    ARTIFACT_MAX_BYTES: opts.artifactMaxBytes,
    MAX_RESPONSE_BYTES: opts.maxResponseBytes,
    MAX_QUERY_DEPTH: 12,
    MAX_QUERY_COST: 50_000,
    DB_POOL_SIZE: 10,
    // TEST_SERVER_LOG=1 shows the server's log (internal errors are only logged, never sent to clients).
    log: process.env.TEST_SERVER_LOG ? (m) => console.error(`[server] ${m}`) : undefined,
  });
  const request = async (query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: any; errors?: any[] };
  };
  const clients: Client[] = [];
  return {
    ...server,
    database,
    request,
    async gql(query, variables) {
      const body = await request(query, variables);
      if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
      return body.data;
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
