import { z } from 'zod';

/** Defaults of the request bounds (also used by servers started in-process without an environment). */
export const BOUNDS = {
  maxBodyBytes: 64 * 1024 * 1024,
  anonymousMaxBodyBytes: 16 * 1024,
  bodyTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  /** An idle kept-alive connection is closed after this; announced as `Keep-Alive: timeout=30`. */
  keepAliveTimeoutMs: 30_000,
  statementTimeoutMs: 30_000,
  authFailuresPerMinute: 20,
  // The largest subscription a client sends is metricsLogged with `runIds` and `since` for every run it follows:
  // ~100 bytes a run, so 256 KiB holds ~2,500 runs (the dashboard's workspace follows at most 1,000).
  wsMaxPayloadBytes: 256 * 1024,
  wsConnectionsPerAddress: 256,
  wsConnectionsPerKey: 256,
  artifactUploadsPerCaller: 4,
} as const;

/** An admin key guards everything: 32 characters at least (`openssl rand -base64 32` gives 44). */
const adminKey = z
  .string()
  .min(32, 'must be at least 32 characters (the admin key guards everything); generate one: openssl rand -base64 32');

/**
 * Every setting the server reads from the environment, validated once at boot.
 * All problems are reported together so a misconfigured deployment is fixed in one go.
 */
const EnvSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** PostgreSQL to use. Unset: an embedded PostgreSQL is started with its data under DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  /** Where uploaded artifact files are stored; default DATA_DIR/artifacts. */
  ARTIFACT_DIR: z.string().min(1).optional(),
  /** Largest artifact upload accepted (bytes); larger ones are refused with 413 before anything is kept. */
  ARTIFACT_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 ** 3),
  /** A RUNNING run whose last heartbeat is older than this becomes CRASHED. */
  HEARTBEAT_TIMEOUT_SECONDS: z.coerce.number().positive().default(60),
  /** A launched run whose agent has not renewed its lease for this long is requeued or CRASHED (within ~1 s). */
  LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(20),
  /** How often each server instance looks for runs that went silent. */
  CRASH_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(5000),
  /**
   * The bootstrap ADMIN key: when set, every request must carry `Authorization: Bearer <key>` (or another key made
   * with createApiKey / `npm run keys`). Required when HOST is not loopback. Generate one: `openssl rand -base64 32`.
   */
  RUNBOARD_ADMIN_KEY: adminKey.optional(),
  /** Older name of RUNBOARD_ADMIN_KEY, still accepted (RUNBOARD_ADMIN_KEY wins when both are set). */
  RUNBOARD_API_KEY: adminKey.optional(),
  /**
   * Browser origins allowed to call the API (CORS and WebSocket Origin), comma-separated, e.g.
   * `https://runboard.example.com`. Default: the dashboard's own origin (http://localhost:WEB_PORT on loopback).
   */
  /** The dashboard's port (served by `npm start`), for the default CORS origin. */
  WEB_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  RUNBOARD_CORS_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim().toLowerCase().replace(/\/$/, ''))
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^(\*|https?:\/\/[^/\s]+)$/, 'each origin is scheme://host[:port], or *')))
    .optional(),
  /**
   * How often each server queues runs whose metric history is not yet compacted (ended runs with rows, long
   * active runs); runs are also queued the moment they end. 0 switches compaction off on this server.
   */
  METRIC_COMPACTION_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  MAX_QUERY_DEPTH: z.coerce.number().int().positive().default(12),
  MAX_QUERY_COST: z.coerce.number().int().positive().default(50_000),
  DB_POOL_SIZE: z.coerce.number().int().positive().default(10),
  /** Largest GraphQL request body of a key that may log metrics (bytes); a 1M-point logMetrics batch fits. */
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(BOUNDS.maxBodyBytes),
  /** Largest GraphQL request body without a key when keys are required (bytes): enough for any query. */
  ANONYMOUS_MAX_BODY_BYTES: z.coerce.number().int().positive().default(BOUNDS.anonymousMaxBodyBytes),
  /** A GraphQL or MLflow request body must arrive within this long, else 408 and the connection is closed. */
  BODY_TIMEOUT_MS: z.coerce.number().int().positive().default(BOUNDS.bodyTimeoutMs),
  /** The request line and headers must arrive within this long (Node's headersTimeout). */
  HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(BOUNDS.headersTimeoutMs),
  /** Every SQL statement of a request is cancelled after this long (PostgreSQL statement_timeout). */
  STATEMENT_TIMEOUT_MS: z.coerce.number().int().positive().default(BOUNDS.statementTimeoutMs),
  /** Wrong keys one client address may present per minute before it is answered 429 with Retry-After. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().positive().default(BOUNDS.authFailuresPerMinute),
  /** Largest WebSocket message (bytes); subscriptions are small documents. */
  WS_MAX_PAYLOAD_BYTES: z.coerce.number().int().positive().default(BOUNDS.wsMaxPayloadBytes),
  /** Open WebSockets per client address; past it the upgrade is answered 429. */
  WS_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().positive().default(BOUNDS.wsConnectionsPerAddress),
  /** Open WebSockets per stored API key; past it the socket is closed with 4429. */
  WS_CONNECTIONS_PER_KEY: z.coerce.number().int().positive().default(BOUNDS.wsConnectionsPerKey),
  /** Artifact uploads one caller (key, else address) may stream at once; past it 429 RATE_LIMITED. */
  ARTIFACT_UPLOADS_PER_CALLER: z.coerce.number().int().positive().default(BOUNDS.artifactUploadsPerCaller),
  LOG_LEVEL: z.enum(['silent', 'error', 'info', 'debug']).default('info'),
  /**
   * `on`: every HTTP answer carries a Server-Timing header (pool wait, database, COMMIT, statements) for
   * benchmarks to split a slow request by; off by default, as it tells callers how the server spends its time.
   */
  SERVER_TIMING: z.enum(['on', 'off']).default('off'),
});

export type Env = z.infer<typeof EnvSchema>;
export const ENV_KEYS = Object.keys(EnvSchema.shape);

export class EnvError extends Error {}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // Empty strings mean "unset" (docker-compose and shells often pass VAR= ).
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new EnvError(`Invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
