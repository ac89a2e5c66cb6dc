/**
 * What bench:load watches besides latencies, to say where a slow request spent its time: PostgreSQL wait events
 * of the benchmark database's backends (pg_stat_activity sampled every 200 ms), WAL and commit counters
 * (pg_stat_wal is server-wide: other databases on a shared server add to it), the server's own figures
 * (/metrics: event-loop delay, GC, pool waits, COMMIT times) and this client's event-loop delay.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { ADMIN_URL } from './db.ts';

/** Counts (state, wait event) over samples of the database's non-idle backends. */
export class WaitSampler {
  private readonly client = new pg.Client({ connectionString: ADMIN_URL });
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  readonly counts = new Map<string, number>();
  samples = 0;

  constructor(private readonly database: string) {}

  async start(everyMs = 200): Promise<void> {
    await this.client.connect();
    this.timer = setInterval(() => void this.sample(), everyMs);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const { rows } = await this.client.query<{ what: string }>(
        `SELECT CASE WHEN state = 'active' THEN coalesce(wait_event_type || ':' || wait_event, 'CPU (running)')
                     ELSE state || coalesce(' ' || wait_event_type || ':' || wait_event, '') END AS what
           FROM pg_stat_activity
          WHERE datname = $1 AND state IS NOT NULL AND state <> 'idle' AND backend_type = 'client backend'`,
        [this.database],
      );
      this.samples++;
      for (const r of rows) this.counts.set(r.what, (this.counts.get(r.what) ?? 0) + 1);
    } catch {
      // a sample lost to a busy server is just one sample fewer
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    await this.client.end();
  }

  /** Mean number of backends in each state per sample, largest first. */
  top(n = 6): { what: string; backends: number }[] {
    return [...this.counts]
      .map(([what, c]) => ({ what, backends: c / Math.max(1, this.samples) }))
      .sort((a, b) => b.backends - a.backends)
      .slice(0, n);
  }
}

export interface WalCounters {
  walRecords: number;
  walFpi: number;
  walBytes: number;
  walWrite: number;
  walSync: number;
  commits: number;
}

/** pg_stat_wal (server-wide) and this database's commit count. */
export async function walCounters(database: string): Promise<WalCounters> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    const { rows } = await c.query(
      `SELECT w.wal_records::float8 AS "walRecords", w.wal_fpi::float8 AS "walFpi", w.wal_bytes::float8 AS "walBytes",
              w.wal_write::float8 AS "walWrite", w.wal_sync::float8 AS "walSync",
              (SELECT xact_commit::float8 FROM pg_stat_database WHERE datname = $1) AS commits
         FROM pg_stat_wal w`,
      [database],
    );
    return rows[0] as WalCounters;
  } finally {
    await c.end();
  }
}

export function walDelta(a: WalCounters, b: WalCounters): WalCounters {
  const out = {} as WalCounters;
  for (const k of Object.keys(a) as (keyof WalCounters)[]) out[k] = b[k] - a[k];
  return out;
}

/** The server's /metrics (null for a server without it, e.g. an older checkout under BENCH_SERVER_ROOT). */
export async function serverMetrics(graphqlUrl: string, adminKey: string, reset = false): Promise<any | null> {
  const url = graphqlUrl.replace(/\/graphql$/, `/metrics${reset ? '?reset=1' : ''}`);
  const res = await fetch(url, { method: reset ? 'POST' : 'GET', headers: { authorization: `Bearer ${adminKey}` } });
  if (res.status !== 200) {
    await res.body?.cancel();
    return null;
  }
  return res.json();
}

/** This process's event-loop delay (the client's own queueing inflates the latencies it measures). */
export function clientLoopDelay(): { stop(): { p50Ms: number; p99Ms: number; maxMs: number } } {
  const h: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return {
    stop() {
      h.disable();
      const ms = (v: number) => Math.round(v / 1e4) / 100;
      return { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
    },
  };
}

/** A Server-Timing header as { name: ms } (`stmts` as its count). */
export function parseServerTiming(header: string | null): Record<string, number> | null {
  if (!header) return null;
  const out: Record<string, number> = {};
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().split(';');
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k === 'dur' || k === 'desc') out[name!] = Number(v);
    }
  }
  return out;
}

/**
 * Updates and how many of them were HOT (heap-only: the new row version on the same page, no index entry
 * written) per table the ingest updates, from this database's statistics: a load-independent count of what a
 * batch costs PostgreSQL. A non-HOT update writes a new entry into every index of the table.
 */
export async function hotUpdates(url: string): Promise<{ table: string; updates: number; hot: number }[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await c.query<{ table: string; updates: number; hot: number }>(
      `SELECT relname AS table, n_tup_upd::float8 AS updates, n_tup_hot_upd::float8 AS hot FROM pg_stat_user_tables
        WHERE relname IN ('runs', 'metric_latest', 'metric_rollups') ORDER BY relname`,
    );
    return rows;
  } finally {
    await c.end();
  }
}
