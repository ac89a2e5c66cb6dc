import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  specifiedRules,
  type ValidationRule,
  validate,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { accessPlugin } from '../api/access.ts';
import { type Context, createContext, type Services } from '../api/context.ts';
import { preflight } from '../api/limits.ts';
import { apiErrorOf, DATABASE_UNAVAILABLE } from '../core/db-errors.ts';
import { ErrorCode, wrappedCode } from '../core/errors.ts';
import { currentTiming, serverTimingHeader } from '../core/telemetry.ts';
import type { Principal } from '../modules/auth/scopes.ts';
import type { AuthService } from '../modules/auth/service.ts';
import { hostAllowed, originAllowed, presentedKey } from './exposure.ts';
import { KeySessions } from './key-sessions.ts';
import { subscribeShared } from './shared-execution.ts';
import { readBody, sendJson } from './util.ts';

/** The two GraphQL transports on one port: Apollo Server for HTTP, graphql-ws for subscriptions. */

const MAX_BODY_BYTES = 64 * 1024 * 1024; // a 1M-point logMetrics batch fits
/** What a client is told to wait before retrying while the database is unavailable. */
export const RETRY_AFTER_SECONDS = 2;

/** What both transports check every operation against. */
export interface GraphQLLimits {
  schema: GraphQLSchema;
  validationRules: ValidationRule[];
  maxDepth: number;
  maxCost: number;
}

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

/**
 * graphql-ws on the HTTP server's /graphql path. Browsers always send Origin on WebSocket upgrades and CORS
 * does not apply to them: a page on any site could otherwise drive the API through a visitor's browser.
 * Non-browser clients send none and use keys.
 */
export function startGraphQLWebSocket(
  httpServer: HttpServer,
  limits: GraphQLLimits,
  deps: { services: Services; auth: AuthService; host: string; origins: readonly string[] },
) {
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    // The callback form sets the status: the same 421 / 403 as HTTP (the plain form answers every refusal 401).
    verifyClient: ({ req }: { req: IncomingMessage }, done: (ok: boolean, code?: number, reason?: string) => void) => {
      if (!hostAllowed(deps.host, req.headers.host)) return done(false, 421, 'Host header not allowed');
      if (!originAllowed(deps.origins, req.headers.origin)) return done(false, 403, 'Origin not allowed');
      done(true);
    },
  });
  // Revoking, deleting or narrowing a key closes its sockets at once (LISTEN), on every server.
  const sessions = new KeySessions(deps.auth);
  wss.on('close', () => sessions.close());
  const wsServer = useServer<Record<string, unknown>, { principal?: Principal }>(
    {
      schema: limits.schema,
      subscribe: subscribeShared,
      // graphql-ws takes a validate function rather than a rule list; apply the same bounds as HTTP.
      validate: (sch, doc, rules) => validate(sch, doc, [...(rules ?? specifiedRules), ...limits.validationRules]),
      // The key comes from connectionParams ({ apiKey } or { authorization: 'Bearer ...' }) or, for proxies such
      // as the dashboard's server, the upgrade request's Authorization header. A wrong or missing key (when keys
      // are required) closes the socket with 4403; scopes are checked per subscription when it starts.
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const fromParams =
          (typeof params.apiKey === 'string' && params.apiKey) ||
          String(params.authorization ?? '').replace(/^Bearer /, '') ||
          undefined;
        const mark = sessions.mark();
        const principal = await deps.auth.authenticate(fromParams ?? presentedKey(ctx.extra.request));
        if (!principal || (principal.authRequired && principal.scopes.size === 0)) return false;
        ctx.extra.principal = principal;
        return sessions.add(ctx.extra.socket, principal, mark);
      },
      onSubscribe: (_ctx, _id, payload) => {
        const { schema, maxDepth, maxCost } = limits;
        const limit = preflight(schema, payload.query, payload.operationName, payload.variables, maxDepth, maxCost);
        return limit ? [limit] : undefined;
      },
      context: (ctx) => createContext(deps.services, ctx.extra.principal!),
    },
    wss,
  );
  return { wss, wsServer, sessions };
}

/** Apollo Server for GraphQL over HTTP; stopping it drains the HTTP server and the WebSocket server. */
export function createApollo(
  limits: GraphQLLimits,
  httpServer: HttpServer,
  wsServer: { dispose(): unknown },
  log: (m: string) => void,
): ApolloServer<Context> {
  return new ApolloServer<Context>({
    schema: limits.schema,
    validationRules: limits.validationRules,
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
}

/** The request's document and variables (POST body or GET parameters) against every bound. */
function preflightHttp(limits: GraphQLLimits, body: unknown, url: URL): GraphQLError | null {
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
  return preflight(limits.schema, req.query, req.operationName, vars, limits.maxDepth, limits.maxCost);
}

/** The body of a POST as JSON (undefined for GET); an answer already sent when it is too large or not JSON. */
async function jsonBody(req: IncomingMessage, res: ServerResponse): Promise<{ body: unknown } | null> {
  const raw = req.method === 'POST' ? await readBody(req, MAX_BODY_BYTES) : null;
  if (raw === 'too-large') {
    const message = `Request body over ${MAX_BODY_BYTES} bytes.`;
    sendJson(res, 413, { errors: [{ message, extensions: { code: ErrorCode.PAYLOAD_TOO_LARGE } }] });
    return null;
  }
  if (raw === null) return { body: undefined };
  try {
    return { body: JSON.parse(raw.toString('utf8')) };
  } catch {
    const message = 'Request body is not valid JSON.';
    sendJson(res, 400, { errors: [{ message, extensions: { code: ErrorCode.BAD_USER_INPUT } }] });
    return null;
  }
}

/**
 * One GraphQL request over HTTP: bounded body, preflight against the limits, then Apollo; the response is
 * refused when it would exceed `maxResponse` bytes (a backstop behind the cost and point budgets).
 */
export async function serveGraphQLHttp(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: { apollo: ApolloServer<Context>; limits: GraphQLLimits; services: Services; principal: Principal },
  maxResponse: number,
): Promise<void> {
  const parsed = await jsonBody(req, res);
  if (!parsed) return;
  const { body } = parsed;
  const limit = preflightHttp(deps.limits, body, url);
  if (limit) {
    const { limitCode: _, ...extensions } = limit.extensions;
    return sendJson(res, 400, { errors: [{ message: limit.message, extensions }] });
  }
  const headers = new HeaderMap();
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  const result = await deps.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
    context: async () => createContext(deps.services, deps.principal),
  });
  for (const [k, v] of result.headers) res.setHeader(k, v);
  const timing = currentTiming();
  if (timing) res.setHeader('server-timing', serverTimingHeader(timing));
  res.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
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
}
