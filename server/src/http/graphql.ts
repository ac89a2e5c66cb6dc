import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApolloServer, type ApolloServerPlugin, HeaderMap } from '@apollo/server';
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
import { type WebSocket, WebSocketServer } from 'ws';
import { accessPlugin } from '../api/access.ts';
import { type Context, createContext, type Services } from '../api/context.ts';
import { checkMeasure, measureWithVariables, preflight } from '../api/limits.ts';
import { CostMeter } from '../core/cost-meter.ts';
import { apiErrorOf, DATABASE_UNAVAILABLE } from '../core/db-errors.ts';
import { ErrorCode, wrappedCode } from '../core/errors.ts';
import { currentTiming, serverTimingHeader } from '../core/telemetry.ts';
import type { Principal } from '../modules/auth/scopes.ts';
import type { AuthService } from '../modules/auth/service.ts';
import { type AuthGate, AuthThrottled, clientAddress, OpenCounts } from './bounds.ts';
import { hostAllowed, originAllowed, presentedKey } from './exposure.ts';
import { CLOSE_TOO_MANY_CONNECTIONS, KeySessions } from './key-sessions.ts';
import { subscribeShared } from './shared-execution.ts';
import { readBody, sendAndClose, sendJson } from './util.ts';

/** The two GraphQL transports on one port: Apollo Server for HTTP, graphql-ws for subscriptions. */

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
  deps: {
    services: Services;
    auth: AuthService;
    gate: AuthGate;
    host: string;
    origins: readonly string[];
    maxPayload: number;
    /** Open sockets per client address (upgrade answered 429 past it) and per stored key (closed 4429). */
    perAddress: number;
    perKey: number;
  },
) {
  const byAddress = new OpenCounts(deps.perAddress);
  const byKey = new OpenCounts(deps.perKey);
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    // ws's default is 100 MB per message; subscription documents are a few KB.
    maxPayload: deps.maxPayload,
    // The callback form sets the status: the same 421 / 403 as HTTP (the plain form answers every refusal 401).
    verifyClient: (
      { req }: { req: IncomingMessage },
      done: (ok: boolean, code?: number, reason?: string, headers?: Record<string, string>) => void,
    ) => {
      if (!hostAllowed(deps.host, req.headers.host)) return done(false, 421, 'Host header not allowed');
      if (!originAllowed(deps.origins, req.headers.origin)) return done(false, 403, 'Origin not allowed');
      // An address throttled for wrong keys gets no socket at all (it would present a key in connection_init).
      const wait = deps.gate.throttle.retryAfter(clientAddress(req));
      if (wait) return done(false, 429, 'Too Many Requests', { 'retry-after': String(wait) });
      // Refused before the upgrade, as cheaply as the throttle: the address already holds its share of sockets.
      if (byAddress.full(clientAddress(req)))
        return done(false, 429, 'Too many WebSocket connections from this address', { 'retry-after': '1' });
      done(true);
    },
  });
  wss.on('connection', (socket, req) => {
    // Counted from the upgrade (done synchronously after verifyClient, so no two upgrades pass on one free slot).
    const addr = clientAddress(req);
    byAddress.take(addr);
    socket.once('close', () => byAddress.release(addr));
    quietOversize(socket);
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
        const principal = await deps.gate
          .authenticate(ctx.extra.request, fromParams ?? presentedKey(ctx.extra.request))
          .catch((e) => (e instanceof AuthThrottled ? null : Promise.reject(e)));
        if (!principal || (principal.authRequired && principal.scopes.size === 0)) return false;
        // The environment's admin key (no id) is the operator's own and is not capped.
        const keyId = principal.keyId;
        if (keyId) {
          if (!byKey.take(keyId)) {
            // Closed here with our own code; graphql-ws's 4403 for `false` is not sent on a closing socket.
            ctx.extra.socket.close(CLOSE_TOO_MANY_CONNECTIONS, 'Too many WebSocket connections for this API key');
            return false;
          }
          // A socket that closed while its key was looked up has had its 'close' already.
          if (ctx.extra.socket.readyState === ctx.extra.socket.CLOSED) byKey.release(keyId);
          else ctx.extra.socket.once('close', () => byKey.release(keyId));
        }
        ctx.extra.principal = principal;
        return sessions.add(ctx.extra.socket, principal, mark);
      },
      onSubscribe: (_ctx, _id, payload) => {
        const { schema, maxDepth, maxCost } = limits;
        const limit = preflight(schema, payload.query, payload.operationName, payload.variables, maxDepth, maxCost);
        return limit ? [limit] : undefined;
      },
      context: (ctx) => createContext(deps.services, ctx.extra.principal!, new CostMeter(limits.maxCost, false)),
    },
    wss,
  );
  return { wss, wsServer, sessions };
}

/**
 * ws closes a socket whose message is over maxPayload (1009), having read only the frame's header, and then emits
 * 'error', which graphql-ws logs with a stack trace: one line per hostile message would flood the log, so it is
 * dropped. ws also goes on reading (and discarding) the rest of the message until the client closes: the socket
 * stops reading instead and is cut shortly after, once the client has had time to read the 1009.
 */
function quietOversize(socket: WebSocket): void {
  const emit = socket.emit.bind(socket);
  socket.emit = (event: string | symbol, ...args: unknown[]) => {
    if (event !== 'error' || (args[0] as { code?: string })?.code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
      return emit(event, ...args);
    const raw = (socket as unknown as { _socket?: Duplex })._socket;
    // ws resumes the socket on the next tick; pausing after that leaves the unread bytes in the kernel.
    setImmediate(() => raw?.pause());
    setTimeout(() => socket.terminate(), OVERSIZE_LINGER_MS).unref();
    return true;
  };
}

/** How long a socket closed for an oversized message is kept (not read) so its client sees the 1009 close. */
const OVERSIZE_LINGER_MS = 500;

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
      costPlugin(limits),
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

/**
 * The cost bounds on the document Apollo is about to execute, with the variables it will execute with. The text
 * preflight (preflightHttp) cannot see a persisted query sent as its hash alone, nor does it run for GET
 * `extensions`: this hook sees every document, however it arrived, after parsing and validation.
 */
function costPlugin(limits: GraphQLLimits): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, contextValue }) {
          if (!operation) return;
          const m = measureWithVariables(limits.schema, document, operation, request.variables);
          const err = checkMeasure(m, limits.maxDepth, limits.maxCost);
          if (err) throw new GraphQLError(err.message, { extensions: { ...err.extensions, http: { status: 400 } } });
          contextValue.cost.begin(m.cost, m.dataSized > 0);
        },
        // A refusal while executing (a list sized by the data, core/cost-meter.ts) ends the whole request: the
        // answer is that error alone, as for a refusal before executing, not the fields that ran before it.
        async willSendResponse({ response, contextValue }) {
          const refusal = contextValue.cost.refused;
          if (!refusal || response.body.kind !== 'single') return;
          response.body.singleResult = { errors: [{ message: refusal.message, extensions: refusal.extensions }] };
          response.http.status = 400;
        },
      };
    },
  };
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
async function jsonBody(
  req: IncomingMessage,
  res: ServerResponse,
  cap: number,
  timeoutMs: number,
): Promise<{ body: unknown } | null> {
  const raw = req.method === 'POST' ? await readBody(req, cap, timeoutMs) : null;
  if (raw === 'timeout') {
    const message = `The request body did not arrive within ${timeoutMs} ms.`;
    sendAndClose(res, 408, { errors: [{ message, extensions: { code: ErrorCode.TIMEOUT } }] });
    return null;
  }
  if (raw === 'too-large') {
    // The cap depends on the caller (anonymous a few KB); close rather than read the rest.
    const message = `Request body over ${cap} bytes (the limit for this caller).`;
    sendAndClose(res, 413, { errors: [{ message, extensions: { code: ErrorCode.PAYLOAD_TOO_LARGE, limit: cap } }] });
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
  deps: {
    apollo: ApolloServer<Context>;
    limits: GraphQLLimits;
    services: Services;
    principal: Principal;
    bodyCap: number;
    bodyTimeoutMs: number;
  },
  maxResponse: number,
): Promise<void> {
  const parsed = await jsonBody(req, res, deps.bodyCap, deps.bodyTimeoutMs);
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
    context: async () => createContext(deps.services, deps.principal, new CostMeter(deps.limits.maxCost)),
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
