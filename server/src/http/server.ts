import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema, specifiedRules, validate } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { accessPlugin } from '../api/access.ts';
import { type Context, createContext, createServices } from '../api/context.ts';
import { limitsRule, MAX_RESPONSE_BYTES, preflight } from '../api/limits.ts';
import { buildSchema } from '../api/schema.ts';
import { type Env, EnvError } from '../config/env.ts';
import { apiErrorOf, DATABASE_UNAVAILABLE } from '../core/db-errors.ts';
import { ErrorCode, wrappedCode } from '../core/errors.ts';
import { connectDatabase } from '../db/database.ts';
import { startCrashDetector } from '../jobs/crash-detector.ts';
import { startLeaseExpirer } from '../jobs/lease-expirer.ts';
import type { Principal } from '../modules/auth/scopes.ts';
import { AuthService } from '../modules/auth/service.ts';
import { DEFAULT_LEASE_SECONDS, RunQueue } from '../modules/launch/queue.ts';
import { PgListener } from '../pubsub/pg-listener.ts';
import { artifactAccessError } from './artifact-access.ts';
import { handleArtifactRequest } from './artifacts.ts';
import { defaultOrigins, hostAllowed, isLoopbackHost, originAllowed, presentedKey } from './exposure.ts';
import { readBody, sendJson } from './util.ts';

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
  Partial<Pick<Env, 'RUNBOARD_ADMIN_KEY' | 'RUNBOARD_CORS_ORIGINS' | 'WEB_PORT'>> & {
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

const MAX_BODY_BYTES = 64 * 1024 * 1024; // a 1M-point logMetrics batch fits
/** What a client is told to wait before retrying while the database is unavailable. */
const RETRY_AFTER_SECONDS = 2;

/** Our own errors carry a code; anything else is a bug or an outage and is not shown to clients verbatim. */
function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  log: (m: string) => void,
): GraphQLFormattedError {
  // Apollo relabels every validation error GRAPHQL_VALIDATION_FAILED; our limit rules keep their own code.
  const limitCode = formatted.extensions?.limitCode;
  if (limitCode) {
    const { limitCode: _, ...extensions } = formatted.extensions!;
    return { ...formatted, extensions: { ...extensions, code: limitCode } };
  }
  const original = unwrapResolverError(error);
  const wrapped = wrappedCode(error);
  if (wrapped) return { ...formatted, extensions: { ...formatted.extensions, code: wrapped } };
  const mapped = apiErrorOf(original);
  if (mapped) {
    const { http: _, ...extensions } = mapped.extensions;
    return { message: mapped.message, locations: formatted.locations, path: formatted.path, extensions };
  }
  if (original instanceof GraphQLError || formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR') return formatted;
  log(`internal error: ${(original as Error)?.stack ?? String(original)}`);
  return { ...formatted, message: 'Internal server error; see the server log.' };
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

/** The request's document and variables (POST body or GET parameters) against every bound. */
function preflightHttp(
  schema: GraphQLSchema,
  body: unknown,
  url: URL,
  opts: Pick<ServerOptions, 'MAX_QUERY_DEPTH' | 'MAX_QUERY_COST'>,
): GraphQLError | null {
  let req = body as { query?: unknown; operationName?: string; variables?: Record<string, unknown> } | undefined;
  if (!req || typeof req !== 'object') {
    let variables: Record<string, unknown> | undefined;
    try {
      variables = JSON.parse(url.searchParams.get('variables') ?? 'null') ?? undefined;
    } catch {}
    req = {
      query: url.searchParams.get('query'),
      operationName: url.searchParams.get('operationName') ?? undefined,
      variables,
    };
  }
  const vars = req.variables && typeof req.variables === 'object' ? req.variables : undefined;
  return preflight(schema, req.query, req.operationName, vars, opts.MAX_QUERY_DEPTH, opts.MAX_QUERY_COST);
}

/**
 * One HTTP server: GraphQL over HTTP at /graphql (Apollo Server), GraphQL subscriptions over WebSocket
 * (graphql-ws) on the same path, artifact upload/download under /artifacts, and /healthz.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = opts.log ?? (() => {});
  const db = connectDatabase(opts.databaseUrl, opts.DB_POOL_SIZE, log);
  let auth: AuthService;
  try {
    auth = await AuthService.start(db.pool, opts.RUNBOARD_ADMIN_KEY ?? opts.RUNBOARD_API_KEY, log);
    assertExposureSafe(opts.HOST, auth);
  } catch (e) {
    await db.close();
    throw e;
  }
  const origins = opts.RUNBOARD_CORS_ORIGINS ?? defaultOrigins(opts.HOST, opts.WEB_PORT ?? 3000);
  const listener = new PgListener(opts.databaseUrl, log);
  await listener.start();
  const queue = await RunQueue.start(
    opts.databaseUrl,
    opts.LEASE_SECONDS ?? DEFAULT_LEASE_SECONDS,
    Math.max(1, Math.round(opts.CRASH_SWEEP_INTERVAL_MS / 1000)),
    log,
  );
  const services = createServices(db, listener, queue, opts, auth);
  const schema = buildSchema();
  const httpServer = createServer();
  // Browsers always send Origin on WebSocket upgrades and CORS does not apply to them: a page on any site could
  // otherwise drive the API through a visitor's browser. Non-browser clients send none and use keys.
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    verifyClient: ({ req }: { req: IncomingMessage }) =>
      hostAllowed(opts.HOST, req.headers.host) && originAllowed(origins, req.headers.origin),
  });
  const maxResponse = opts.MAX_RESPONSE_BYTES ?? MAX_RESPONSE_BYTES;
  const validationRules = [limitsRule(opts.MAX_QUERY_DEPTH, opts.MAX_QUERY_COST)];
  const wsServer = useServer<Record<string, unknown>, { principal?: Principal }>(
    {
      schema,
      // graphql-ws takes a validate function rather than a rule list; apply the same bounds as HTTP.
      validate: (sch, doc, rules) => validate(sch, doc, [...(rules ?? specifiedRules), ...validationRules]),
      // The key comes from connectionParams ({ apiKey } or { authorization: 'Bearer ...' }) or, for proxies such
      // as the dashboard's server, the upgrade request's Authorization header. A wrong or missing key (when keys
      // are required) closes the socket with 4403; scopes are checked per subscription when it starts.
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const fromParams =
          (typeof params.apiKey === 'string' && params.apiKey) ||
          String(params.authorization ?? '').replace(/^Bearer /, '') ||
          undefined;
        const principal = await auth.authenticate(fromParams ?? presentedKey(ctx.extra.request));
        if (!principal || (principal.authRequired && principal.scopes.size === 0)) return false;
        ctx.extra.principal = principal;
        return true;
      },
      onSubscribe: (_ctx, _id, payload) => {
        const limit = preflight(
          schema,
          payload.query,
          payload.operationName,
          payload.variables,
          opts.MAX_QUERY_DEPTH,
          opts.MAX_QUERY_COST,
        );
        return limit ? [limit] : undefined;
      },
      context: (ctx) => createContext(services, ctx.extra.principal!),
    },
    wss,
  );
  const apollo = new ApolloServer<Context>({
    schema,
    validationRules,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false, // main.ts stops everything in order on SIGINT/SIGTERM
    formatError: (f, e) => formatError(f, e, log),
    plugins: [
      // We set no cache hints; the plugin would still walk every value of large responses (~12 ms on a series query).
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // A request that failed only because the database is unreachable is worth retrying: say so in HTTP too.
      {
        async requestDidStart() {
          return {
            async willSendResponse({ response }) {
              const body = response.body;
              const errors = body.kind === 'single' ? body.singleResult.errors : undefined;
              if (errors?.some((e) => e.extensions?.code === DATABASE_UNAVAILABLE)) {
                response.http.status = 503;
                response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
              }
            },
          };
        },
      },
      accessPlugin(),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsServer.dispose();
            },
          };
        },
      },
    ],
  });
  await apollo.start();
  const stopCrashDetector = startCrashDetector(
    services.runState,
    opts.HEARTBEAT_TIMEOUT_SECONDS,
    opts.CRASH_SWEEP_INTERVAL_MS,
    log,
  );
  const stopLeaseExpirer = startLeaseExpirer(services.runState, Math.min(1000, opts.CRASH_SWEEP_INTERVAL_MS), log);

  httpServer.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (!hostAllowed(opts.HOST, req.headers.host)) {
        return sendError(res, 421, ErrorCode.FORBIDDEN, 'Host header not allowed: use localhost, 127.0.0.1 or [::1].');
      }
      const origin = req.headers.origin;
      if (!originAllowed(origins, origin)) {
        return sendError(res, 403, ErrorCode.FORBIDDEN, `Origin ${origin} is not allowed (RUNBOARD_CORS_ORIGINS).`);
      }
      if (origin) {
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('vary', 'Origin');
        res.setHeader(
          'access-control-allow-headers',
          'content-type, authorization, x-api-key, apollo-require-preflight',
        );
        res.setHeader('access-control-allow-methods', 'GET, POST, PUT, OPTIONS');
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'OPTIONS') return void res.writeHead(204).end();
      if (url.pathname === '/healthz') {
        // Up but degraded while PostgreSQL is away: the process answers, and says what is missing.
        const database = await db.ping();
        const ok = database && listener.connected;
        if (!ok) res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
        return sendJson(res, ok ? 200 : 503, { ok, database, listener: listener.connected });
      }
      const principal = await auth.authenticate(presentedKey(req));
      if (!principal) return sendError(res, 401, ErrorCode.UNAUTHENTICATED, 'Wrong or revoked API key.');
      if (url.pathname.startsWith('/artifacts/')) {
        const denied = await artifactAccessError(req, url, principal, auth);
        if (denied) {
          const code = String(denied.extensions.code);
          return sendError(res, code === ErrorCode.UNAUTHENTICATED ? 401 : 403, code, denied.message, {
            ...denied.extensions,
          });
        }
        return await handleArtifactRequest(req, res, url, services.artifacts);
      }
      if (url.pathname !== '/graphql') return sendJson(res, 404, { error: 'not found; GraphQL is at /graphql' });
      const raw = req.method === 'POST' ? await readBody(req, MAX_BODY_BYTES) : null;
      if (raw === 'too-large') {
        return sendJson(res, 413, {
          errors: [
            {
              message: `Request body over ${MAX_BODY_BYTES} bytes.`,
              extensions: { code: ErrorCode.PAYLOAD_TOO_LARGE },
            },
          ],
        });
      }
      let body: unknown;
      if (raw !== null) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          return sendJson(res, 400, {
            errors: [{ message: 'Request body is not valid JSON.', extensions: { code: ErrorCode.BAD_USER_INPUT } }],
          });
        }
      }
      const limit = preflightHttp(schema, body, url, opts);
      if (limit) {
        const { limitCode: _, ...extensions } = limit.extensions;
        return sendJson(res, 400, { errors: [{ message: limit.message, extensions }] });
      }
      const headers = new HeaderMap();
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: async () => createContext(services, principal),
      });
      for (const [k, v] of result.headers) res.setHeader(k, v);
      res.statusCode = result.status ?? 200;
      if (result.body.kind === 'complete') {
        // A backstop behind the cost and point budgets: never send a response of hundreds of MB.
        const text = result.body.string;
        if (text.length > maxResponse / 3 && Buffer.byteLength(text) > maxResponse) {
          return sendJson(res, 400, {
            errors: [
              {
                message: `The response would exceed ${maxResponse} bytes; ask for fewer runs, keys or points.`,
                extensions: { code: ErrorCode.RESPONSE_TOO_LARGE },
              },
            ],
          });
        }
        return void res.end(text);
      }
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (err) {
      const mapped = apiErrorOf(err);
      if (mapped && !res.headersSent) {
        const status = mapped.extensions.code === DATABASE_UNAVAILABLE ? 503 : 400;
        if (status === 503) res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
        const { http: _, ...extensions } = mapped.extensions;
        return sendJson(res, status, { errors: [{ message: mapped.message, extensions }] });
      }
      log(`request failed: ${(err as Error).stack}`);
      if (!res.headersSent)
        sendJson(res, 500, {
          errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        });
      else res.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.PORT, opts.HOST, resolve);
  });
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : opts.PORT;
  const host = opts.HOST.includes(':') ? `[${opts.HOST}]` : opts.HOST;
  return {
    url: `http://${host}:${port}/graphql`,
    wsUrl: `ws://${host}:${port}/graphql`,
    port,
    async stop() {
      stopCrashDetector();
      stopLeaseExpirer();
      for (const client of wss.clients) client.terminate();
      await apollo.stop();
      await queue.stop();
      await listener.stop();
      await db.close();
    },
  };
}
