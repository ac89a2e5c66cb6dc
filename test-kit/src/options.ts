/**
 * In-process server options for tests and benchmarks, in one place so a new required setting is added
 * once. Defaults are quiet: no crash sweeps or heartbeat timeouts unless a test asks for them.
 */
import type { ServerOptions } from '@runboard/server';

export interface ServerOptionOverrides {
  port?: number;
  heartbeatTimeoutSeconds?: number;
  leaseSeconds?: number;
  crashSweepIntervalMs?: number;
  apiKey?: string;
  poolSize?: number;
  artifactMaxBytes?: number;
  maxResponseBytes?: number;
  maxQueryCost?: number;
  /** Request bounds other than the defaults (body caps, timeouts, failed-key throttle). */
  bounds?: Partial<ServerOptions>;
  /** Server-Timing headers on every answer (SERVER_TIMING=on). */
  serverTiming?: boolean;
  /** Metric compaction sweep interval; default 0, off (see startServer). */
  metricCompactionIntervalMs?: number;
  log?: (m: string) => void;
}

export function serverOptions(databaseUrl: string, dataName: string, o: ServerOptionOverrides = {}): ServerOptions {
  return {
    databaseUrl,
    HOST: '127.0.0.1',
    PORT: o.port ?? 0,
    DATA_DIR: `.data/${dataName}`,
    ARTIFACT_DIR: undefined,
    HEARTBEAT_TIMEOUT_SECONDS: o.heartbeatTimeoutSeconds ?? 60,
    LEASE_SECONDS: o.leaseSeconds ?? 20,
    CRASH_SWEEP_INTERVAL_MS: o.crashSweepIntervalMs ?? 60_000,
    RUNBOARD_API_KEY: o.apiKey,
    MAX_QUERY_DEPTH: 12,
    MAX_QUERY_COST: o.maxQueryCost ?? 50_000,
    DB_POOL_SIZE: o.poolSize ?? 10,
    ARTIFACT_MAX_BYTES: o.artifactMaxBytes,
    MAX_RESPONSE_BYTES: o.maxResponseBytes,
    SERVER_TIMING: o.serverTiming ? 'on' : 'off',
    METRIC_COMPACTION_INTERVAL_MS: o.metricCompactionIntervalMs,
    log: o.log,
    ...o.bounds,
  };
}
