import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Context, Services } from '../api/context.ts';
import { createServices } from '../api/context.ts';
import { limitsRule, MAX_RESPONSE_BYTES } from '../api/limits.ts';
import { buildSchema } from '../api/schema.ts';
import { BOUNDS, type Env, EnvError } from '../config/env.ts';
import { apiErrorOf, DATABASE_UNAVAILABLE } from '../core/db-errors.ts';
import { ErrorCode } from '../core/errors.ts';
import { telemetry, timeRequest } from '../core/telemetry.ts';
import { connectDatabase, type Database } from '../db/database.ts';
import { startCrashDetector } from '../jobs/crash-detector.ts';
import { startLeaseExpirer } from '../jobs/lease-expirer.ts';
import { startMetricCompaction } from '../jobs/metric-compaction.ts';
import type { Principal } from '../modules/auth/scopes.ts';
import { AuthService } from '../modules/auth/service.ts';
import { DEFAULT_LEASE_SECONDS, RunQueue } from '../modules/launch/queue.ts';
import { MlflowService } from '../modules/mlflow/service.ts';
import type { RunState } from '../modules/run/run-state.ts';
import { PgListener } from '../pubsub/pg-listener.ts';
import { artifactAccessError } from './artifact-access.ts';
import { handleArtifactRequest } from './artifacts.ts';
import { AuthGate, AuthThrottled, bodyCapFor, clientAddress, FailureThrottle, OpenCounts } from './bounds.ts';
import { defaultOrigins, hostAllowed, isLoopbackHost, originAllowed, presentedKey } from './exposure.ts';
import {
  createApollo,
  type GraphQLLimits,
  RETRY_AFTER_SECONDS,
  serveGraphQLHttp,
  startGraphQLWebSocket,
} from './graphql.ts';
import { handleMlflowRequest, isMlflowPath } from './mlflow.ts';
import { sendJson } from './util.ts';

/** The request bounds (config/env.ts BOUNDS has their defaults). */
type BoundKey =
  | 'MAX_BODY_BYTES'
  | 'ANONYMOUS_MAX_BODY_BYTES'
  | 'BODY_TIMEOUT_MS'
  | 'HEADERS_TIMEOUT_MS'
  | 'STATEMENT_TIMEOUT_MS'
  | 'AUTH_FAILURES_PER_MINUTE'
  | 'WS_MAX_PAYLOAD_BYTES'
  | 'WS_CONNECTIONS_PER_ADDRESS'
  | 'WS_CONNECTIONS_PER_KEY'
  | 'ARTIFACT_UPLOADS_PER_CALLER';

export type ServerOptions = Pick<
  Env,
  | 'HOST'
  | 'PORT'
  | 'DATA_DIR'
  | 'ARTIFACT_DIR'
  | 'HEARTBEAT_TIMEOUT_SECONDS'
  | 'CRASH_SWEEP_INTERVAL_MS'
  | 'RUNBOARD_API_KEY'
  | 'MAX_QUERY_DEPTH'
  | 'MAX_QUERY_COST'
  | 'DB_POOL_SIZE'
> &
  Partial<
    Pick<
      Env,
      | 'RUNBOARD_ADMIN_KEY'
      | 'RUNBOARD_CORS_ORIGINS'
      | 'WEB_PORT'
      | 'SERVER_TIMING'
      | 'METRIC_COMPACTION_INTERVAL_MS'
      | BoundKey
    >
  > & {
    databaseUrl: string;
    LEASE_SECONDS?: number;
    ARTIFACT_MAX_BYTES?: number;
    /** Largest HTTP response body (default MAX_RESPONSE_BYTES, 64 MB). */
    MAX_RESPONSE_BYTES?: number;
    log?: (m: string) => void;
  };

export interface RunningServer {
  url: string;
  wsUrl: string;
  port: number;
  stop(): Promise<void>;
}

function sendError(res: ServerResponse, status: number, code: string, message: string, extra = {}) {
  sendJson(res, status, { errors: [{ message, extensions: { code, ...extra } }] });
}

/** A server other machines can reach must not run without keys. */
function assertExposureSafe(host: string, auth: AuthService) {
  if (isLoopbackHost(host) || auth.authRequired) return;
  throw new EnvError(
    `Refusing to listen on ${host} without an API key: anyone who can reach it could read and change everything.\n` +
      '  Set RUNBOARD_ADMIN_KEY (e.g. `export RUNBOARD_ADMIN_KEY=$(openssl rand -base64 32)`), or bind HOST=127.0.0.1.',
  );
}

/** The keys (admin key from the environment, stored keys) and the exposure check; closes the pool on refusal. */
async function startAuth(db: Database, opts: ServerOptions, log: (m: string) => void): Promise<AuthService> {
  try {
    const auth = await AuthService.start(db.pool, opts.RUNBOARD_ADMIN_KEY ?? opts.RUNBOARD_API_KEY, log);
    assertExposureSafe(opts.HOST, auth);
    return auth;
  } catch (e) {
    await db.close();
    throw e;
  }
}

/** The periodic jobs: crash detection and lease expiry (both through RunState). Returns their stop. */
function startJobs(state: RunState, opts: ServerOptions, log: (m: string) => void): () => void {
  const stopCrashDetector = startCrashDetector(
    state,
    opts.HEARTBEAT_TIMEOUT_SECONDS,
    opts.CRASH_SWEEP_INTERVAL_MS,
    log,
  );
  const stopLeaseExpirer = startLeaseExpirer(state, Math.min(1000, opts.CRASH_SWEEP_INTERVAL_MS), log);
  return () => {
    stopCrashDetector();
    stopLeaseExpirer();
  };
}

/** What the HTTP routes need. */
interface Routes {
  opts: ServerOptions;
  origins: readonly string[];
  log: (m: string) => void;
  db: Database;
  listener: PgListener;
  auth: AuthService;
  gate: AuthGate;
  services: Services;
  mlflow: MlflowService;
  apollo: ApolloServer<Context>;
  limits: GraphQLLimits;
  /** Artifact uploads streaming now, per caller (ARTIFACT_UPLOADS_PER_CALLER). */
  uploads: OpenCounts;
}

/** Host and Origin checks, and the CORS headers for an allowed Origin; false when the request was refused. */
function admitted(req: IncomingMessage, res: ServerResponse, r: Routes): boolean {
  if (!hostAllowed(r.opts.HOST, req.headers.host)) {
    sendError(res, 421, ErrorCode.FORBIDDEN, 'Host header not allowed: use localhost, 127.0.0.1 or [::1].');
    return false;
  }
  const origin = req.headers.origin;
  if (!originAllowed(r.origins, origin)) {
    sendError(res, 403, ErrorCode.FORBIDDEN, `Origin ${origin} is not allowed (RUNBOARD_CORS_ORIGINS).`);
    return false;
  }
  if (origin) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
    res.setHeader('access-control-allow-headers', 'content-type, authorization, x-api-key, apollo-require-preflight');
    res.setHeader('access-control-allow-methods', 'GET, POST, PUT, OPTIONS');
  }
  return true;
}

/** Up but degraded while PostgreSQL is away: the process answers, and says what is missing. */
async function health(res: ServerResponse, r: Routes): Promise<void> {
  const database = await r.db.ping();
  const ok = database && r.listener.connected;
  if (!ok) res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
  return sendJson(res, ok ? 200 : 503, { ok, database, listener: r.listener.connected });
}

/**
 * The server's own figures (core/telemetry.ts) as JSON, for ADMIN keys only (or an open loopback server):
 * event-loop delay, GC pauses, pool waits, transaction and COMMIT times, statements. `?reset=1` (POST)
 * starts a new measuring window, as a benchmark does after its warm-up.
 */
function metrics(req: IncomingMessage, res: ServerResponse, url: URL, principal: Principal): void {
  if (principal.scopes.size === 0) {
    sendError(res, 401, ErrorCode.UNAUTHENTICATED, 'The server metrics need an ADMIN key.');
    return;
  }
  if (!principal.scopes.has('ADMIN')) {
    sendError(res, 403, ErrorCode.FORBIDDEN, 'The server metrics need an ADMIN key.');
    return;
  }
  const reset = req.method === 'POST' && url.searchParams.get('reset') === '1';
  sendJson(res, 200, telemetry.snapshot(reset));
}

/**
 * Metric storage (issue #23): bytes of every metric table and per point, where the points are (rows or
 * chunks), and the compaction backlog (ended runs still holding rows). Numbers only, no run ids or names.
 */
async function storage(res: ServerResponse, r: Routes): Promise<void> {
  const s = await r.services.metrics.storage();
  const total = Object.values(s.bytes).reduce((a, b) => a + b, 0);
  return sendJson(res, 200, { ...s, totalBytes: total, bytesPerPoint: s.points ? total / s.points : null });
}

/** Routes one HTTP request: /healthz, MLflow's REST API, then (with a valid key) /artifacts/... and /graphql. */
async function route(req: IncomingMessage, res: ServerResponse, r: Routes): Promise<void> {
  if (!admitted(req, res, r)) return;
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'OPTIONS') return void res.writeHead(204).end();
  if (url.pathname === '/healthz') return health(res, r);
  if (url.pathname === '/healthz/storage') return storage(res, r);
  // MLflow's REST API answers in MLflow's shape and also takes keys as Basic auth passwords: its own handler.
  const bodyTimeoutMs = r.opts.BODY_TIMEOUT_MS ?? BOUNDS.bodyTimeoutMs;
  if (isMlflowPath(url.pathname))
    return handleMlflowRequest(req, res, url, {
      mlflow: r.mlflow,
      auth: r.auth,
      gate: r.gate,
      bodyTimeoutMs,
      log: r.log,
    });
  const principal = await r.gate.authenticate(req, presentedKey(req));
  if (!principal) return sendError(res, 401, ErrorCode.UNAUTHENTICATED, 'Wrong or revoked API key.');
  if (url.pathname === '/metrics') return metrics(req, res, url, principal);
  if (url.pathname.startsWith('/artifacts/')) {
    const denied = await artifactAccessError(req, url, principal, r.auth);
    if (denied) {
      const code = String(denied.extensions.code);
      return sendError(res, code === ErrorCode.UNAUTHENTICATED ? 401 : 403, code, denied.message, {
        ...denied.extensions,
      });
    }
    if (req.method === 'PUT') return upload(req, res, url, principal, r);
    return await handleArtifactRequest(req, res, url, r.services.artifacts);
  }
  if (url.pathname !== '/graphql') return sendJson(res, 404, { error: 'not found; GraphQL is at /graphql' });
  const bodyCap = bodyCapFor(principal, {
    anonymous: r.opts.ANONYMOUS_MAX_BODY_BYTES ?? BOUNDS.anonymousMaxBodyBytes,
    logger: r.opts.MAX_BODY_BYTES ?? BOUNDS.maxBodyBytes,
  });
  const deps = { apollo: r.apollo, limits: r.limits, services: r.services, principal, bodyCap, bodyTimeoutMs };
  return serveGraphQLHttp(req, res, url, deps, r.opts.MAX_RESPONSE_BYTES ?? MAX_RESPONSE_BYTES);
}

/**
 * An artifact upload, if the caller has a free slot. Each upload is capped at ARTIFACT_MAX_BYTES; without a cap on
 * how many stream at once, one key could hold any number of them open (disk, sockets, file handles). A caller is
 * its stored key, else (the environment's admin key, or no keys) its address.
 */
async function upload(req: IncomingMessage, res: ServerResponse, url: URL, p: Principal, r: Routes): Promise<void> {
  const caller = p.keyId ? `key:${p.keyId}` : `addr:${clientAddress(req)}`;
  if (!r.uploads.take(caller)) {
    const message = `This caller already has ${r.uploads.max} artifact uploads in progress (ARTIFACT_UPLOADS_PER_CALLER); retry when one ends.`;
    // Refused before reading the body: close rather than drain it.
    res.setHeader('retry-after', '1');
    res.setHeader('connection', 'close');
    return sendJson(res, 429, { error: { code: ErrorCode.RATE_LIMITED, message, limit: r.uploads.max } });
  }
  res.once('close', () => r.uploads.release(caller));
  return handleArtifactRequest(req, res, url, r.services.artifacts);
}

/** A request that threw: a database error gets its API code (503 + Retry-After when unavailable), else 500. */
function failed(res: ServerResponse, err: unknown, log: (m: string) => void): void {
  if (err instanceof AuthThrottled && !res.headersSent) {
    // Answered before the key is hashed or the body read; the connection closes so the body is not read either.
    res.setHeader('retry-after', String(err.retryAfterSeconds));
    res.setHeader('connection', 'close');
    sendError(res, 429, ErrorCode.RATE_LIMITED, err.message, { retryAfter: err.retryAfterSeconds });
    return;
  }
  const mapped = apiErrorOf(err);
  if (mapped && !res.headersSent) {
    const status = mapped.extensions.code === DATABASE_UNAVAILABLE ? 503 : 400;
    if (status === 503) res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    const { http: _, ...extensions } = mapped.extensions;
    sendJson(res, status, { errors: [{ message: mapped.message, extensions }] });
    return;
  }
  log(`request failed: ${(err as Error).stack}`);
  if (!res.headersSent)
    sendJson(res, 500, {
      errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
  else res.destroy();
}

async function listen(httpServer: HttpServer, opts: ServerOptions): Promise<{ port: number; host: string }> {
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.PORT, opts.HOST, resolve);
  });
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : opts.PORT;
  return { port, host: opts.HOST.includes(':') ? `[${opts.HOST}]` : opts.HOST };
}

/**
 * One HTTP server: GraphQL over HTTP at /graphql (Apollo Server), GraphQL subscriptions over WebSocket
 * (graphql-ws) on the same path, artifact upload/download under /artifacts, and /healthz. The composition
 * root: database, keys, LISTEN connection, queue, services, the two GraphQL transports, jobs, routes.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = opts.log ?? (() => {});
  const db = connectDatabase(opts.databaseUrl, opts.DB_POOL_SIZE, log, {
    statementTimeoutMs: opts.STATEMENT_TIMEOUT_MS ?? BOUNDS.statementTimeoutMs,
  });
  const auth = await startAuth(db, opts, log);
  const gate = new AuthGate(
    auth,
    // Counted with every other server on the database (auth_failures), so a balancer does not multiply the rate.
    new FailureThrottle(opts.AUTH_FAILURES_PER_MINUTE ?? BOUNDS.authFailuresPerMinute, 60_000, (addr, ms) =>
      auth.store.recordFailure(addr, ms),
    ),
  );
  const origins = opts.RUNBOARD_CORS_ORIGINS ?? defaultOrigins(opts.HOST, opts.WEB_PORT ?? 3000);
  const listener = new PgListener(opts.databaseUrl, log);
  await listener.start();
  const stopWatchingKeys = auth.watch(listener);
  const queue = await RunQueue.start(
    opts.databaseUrl,
    opts.LEASE_SECONDS ?? DEFAULT_LEASE_SECONDS,
    Math.max(1, Math.round(opts.CRASH_SWEEP_INTERVAL_MS / 1000)),
    log,
  );
  const services = createServices(db, listener, queue, opts, auth);
  const limits: GraphQLLimits = {
    schema: buildSchema(),
    validationRules: [limitsRule(opts.MAX_QUERY_DEPTH, opts.MAX_QUERY_COST)],
    maxDepth: opts.MAX_QUERY_DEPTH,
    maxCost: opts.MAX_QUERY_COST,
  };
  // Headers must arrive within seconds (a slowloris holds a connection with a header a minute); bodies have their
  // own per-route deadline (BODY_TIMEOUT_MS), and artifact uploads Node's requestTimeout.
  const headersTimeout = opts.HEADERS_TIMEOUT_MS ?? BOUNDS.headersTimeoutMs;
  // Node looks for overdue headers every connectionsCheckingInterval (default 30 s, which would triple the bound).
  const httpServer = createServer({ headersTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout) });
  // Clients must close an idle socket before the server does, or a request written as the server closes it dies
  // with ECONNRESET (seen at 150 trainers in bench:load --ramp with Node's 5 s default). @runboard/client closes
  // idle sockets after 4 s (transport.ts); a longer server timeout, announced in Keep-Alive, leaves every client
  // that honours the hint (Node's agent closes 1 s before it) a wide margin even when its event loop lags.
  httpServer.keepAliveTimeout = BOUNDS.keepAliveTimeoutMs;
  const { wss, wsServer } = startGraphQLWebSocket(httpServer, limits, {
    services,
    auth,
    gate,
    host: opts.HOST,
    origins,
    maxPayload: opts.WS_MAX_PAYLOAD_BYTES ?? BOUNDS.wsMaxPayloadBytes,
    perAddress: opts.WS_CONNECTIONS_PER_ADDRESS ?? BOUNDS.wsConnectionsPerAddress,
    perKey: opts.WS_CONNECTIONS_PER_KEY ?? BOUNDS.wsConnectionsPerKey,
  });
  const apollo = createApollo(limits, httpServer, wsServer, log);
  await apollo.start();
  const stopJobs = startJobs(services.runState, opts, log);
  // In-process servers (tests) leave compaction off unless asked; `npm start` gets the env default (60 s).
  const compactEvery = opts.METRIC_COMPACTION_INTERVAL_MS ?? 0;
  const stopCompaction = compactEvery > 0 ? await startMetricCompaction(services.metrics, compactEvery, log) : null;
  const mlflow = new MlflowService(services);
  const uploads = new OpenCounts(opts.ARTIFACT_UPLOADS_PER_CALLER ?? BOUNDS.artifactUploadsPerCaller);
  const routes: Routes = { opts, origins, db, listener, auth, gate, services, mlflow, apollo, limits, log, uploads };
  const serve = (req: IncomingMessage, res: ServerResponse) =>
    route(req, res, routes).catch((err) => failed(res, err, log));
  // SERVER_TIMING: each request's phases are collected (and sent back as Server-Timing, see graphql.ts).
  httpServer.on('request', opts.SERVER_TIMING === 'on' ? (req, res) => timeRequest(() => serve(req, res)) : serve);
  telemetry.start();
  const { port, host } = await listen(httpServer, opts);
  return {
    url: `http://${host}:${port}/graphql`,
    wsUrl: `ws://${host}:${port}/graphql`,
    port,
    async stop() {
      telemetry.stop();
      stopJobs();
      stopCompaction?.();
      stopWatchingKeys();
      for (const client of wss.clients) client.terminate();
      await apollo.stop();
      await queue.stop();
      await listener.stop();
      await db.close();
    },
  };
}
