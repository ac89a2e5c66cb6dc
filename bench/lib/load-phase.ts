/**
 * One bench:load phase on a fresh database and server: `trainers` simulated trainers each logging 10 metrics
 * every 500 ms, `subscribers` graphql-ws subscribers following `runsPerSubscriber` runs each, for `seconds`,
 * keys on. Measures latencies (with the server's Server-Timing split), CPU per request by party, PostgreSQL
 * wait events and WAL counters, and checks acknowledged = stored = delivered.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { CpuMeter, cpuDelta } from './cpu.ts';
import { createBenchDatabase } from './db.ts';
import { createRunningRuns, GqlClient, LOG_METRICS_COLUMNS } from './gql.ts';
import {
  clientLoopDelay,
  hotUpdates,
  parseServerTiming,
  serverMetrics,
  WaitSampler,
  walCounters,
  walDelta,
} from './load-probes.ts';
import { startBenchServer, wsClient } from './server.ts';
import { percentile, sleep } from './stats.ts';

export interface Shape {
  trainers: number;
  subscribers: number;
  runsPerSubscriber: number;
  seconds: number;
  /**
   * Seconds before `seconds` whose latencies are printed apart: the trainers have just started, all at once, on a
   * fresh server (code not yet optimised by the JIT, each run's first batch inserting its summary rows).
   */
  warmupSeconds: number;
}

const KEYS = Array.from({ length: 10 }, (_, i) => `m${i}`);

/** One logMetrics request as the client saw it, with the server's split when it sent one. */
interface Sample {
  ms: number;
  /** Wall-clock ms since the epoch when the request was sent and its answer read (compared with the server's). */
  sentWall: number;
  doneWall: number;
  server: Record<string, number> | null;
  /** This batch's step moved its run past a 16-step boundary: it folds the closed bucket into 12 rollup levels. */
  closes: boolean;
  /** The run's first batch. */
  first: boolean;
  /** Sent during the warm-up. */
  warm: boolean;
}

/** Steps per open rollup bucket (OPEN_LEVEL 4 in the server's metric/aggregate.ts). */
const BUCKET_STEPS = 16;

async function createKey(admin: GqlClient, name: string, scopes: string[]): Promise<string> {
  const { createApiKey } = await admin.gql(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key } }`, {
    i: { name, scopes },
  });
  return createApiKey.key as string;
}

type Subscriber = { client: ReturnType<typeof wsClient>; mine: Map<string, Set<string>> };

/** Subscribers, each following its runs; records what each receives and each delivery's latency. */
function subscribe(
  wsUrl: string,
  readKey: string,
  runs: string[],
  shape: Shape,
  sentAt: Map<string, number>,
  ackAt: Map<string, number>,
) {
  const deliveries: { ms: number; afterAckMs: number; sent: number }[] = [];
  let errors = 0;
  const subs: Subscriber[] = Array.from({ length: shape.subscribers }, (_, i) => {
    const client = wsClient(wsUrl, readKey);
    const follows = Array.from(
      { length: shape.runsPerSubscriber },
      (_, k) => runs[(i * shape.runsPerSubscriber + k) % runs.length]!,
    );
    const mine = new Map(follows.map((r) => [r, new Set<string>()]));
    client.subscribe<{ metricsLogged: { runId: string; points: { key: string; step: number }[] } }>(
      {
        query: `subscription($ids: [ID!]!) { metricsLogged(runIds: $ids) { runId points { key step } } }`,
        variables: { ids: follows },
      },
      {
        next: ({ data }) => {
          const e = data?.metricsLogged;
          if (!e) return;
          const now = performance.now();
          for (const p of e.points) mine.get(e.runId)?.add(`${p.key}@${p.step}`);
          const id = `${e.runId}:${e.points[0]?.step}`;
          const t = sentAt.get(id);
          if (t !== undefined) deliveries.push({ ms: now - t, afterAckMs: now - (ackAt.get(id) ?? now), sent: t });
        },
        error: () => errors++,
        complete: () => {},
      },
    );
    return { client, mine };
  });
  return { subs, deliveries, errors: () => errors };
}

/**
 * One logMetrics body, built as text: the bench client shares the 2 cores with the server, so it spends no CPU on
 * serialising what is constant (the document, the keys) and only formats this epoch's numbers (JSON.stringify of a
 * finite number is String(n)).
 */
const BODY_HEAD = `{"query":${JSON.stringify(LOG_METRICS_COLUMNS)},"variables":{"runId":`;
const KEYS_JSON = JSON.stringify(KEYS);
function logBody(runId: string, step: number): string {
  let steps = '';
  let values = '';
  for (let k = 0; k < KEYS.length; k++) {
    steps += k ? `,${step}` : `${step}`;
    values += (k ? ',' : '') + String(Math.sin(step + k));
  }
  return `${BODY_HEAD}"${runId}","columns":{"keys":${KEYS_JSON},"steps":[${steps}],"values":[${values}]}}}`;
}

/**
 * Trainers: one epoch of 10 metrics every 500 ms each, staggered over the first 500 ms. Each trainer has its
 * own client (its own agent and kept-alive socket), as separate trainer processes do: one shared agent hands
 * its sockets out last-in first-out, so the least used ones idle past the idle bound and are reconnected,
 * churn that trainers logging every 500 ms never cause.
 */
async function train(loggers: GqlClient[], runs: string[], shape: Shape, times: Map<string, number>[]) {
  const [sentAt, ackAt] = times as [Map<string, number>, Map<string, number>];
  const samples: Sample[] = [];
  const acknowledged = new Map<string, number>(runs.map((r) => [r, 0]));
  let errors = 0;
  let firstError: string | null = null;
  const warmUntil = performance.now() + shape.warmupSeconds * 1000;
  const until = warmUntil + shape.seconds * 1000;
  await Promise.all(
    runs.map(async (runId, t) => {
      await sleep((500 * t) / runs.length);
      for (let step = 0; performance.now() < until; step++) {
        const next = performance.now() + 500;
        const body = logBody(runId, step);
        const t0 = performance.now();
        sentAt.set(`${runId}:${step}`, t0);
        try {
          const { text, serverTiming } = await loggers[t]!.postTimed(body);
          const now = performance.now();
          if (JSON.parse(text).errors) throw new Error(text);
          ackAt.set(`${runId}:${step}`, now);
          samples.push({
            ms: now - t0,
            sentWall: performance.timeOrigin + t0,
            doneWall: performance.timeOrigin + now,
            server: parseServerTiming(serverTiming),
            closes: step > 0 && step % BUCKET_STEPS === 0,
            first: step === 0,
            warm: t0 < warmUntil,
          });
          acknowledged.set(runId, acknowledged.get(runId)! + KEYS.length);
        } catch (err) {
          errors++;
          firstError ??= String((err as Error).message).slice(0, 300);
        }
        await sleep(Math.max(0, next - performance.now()));
      }
    }),
  );
  return { samples, acknowledged, errors, firstError, warmUntil };
}

/** Each trainer's first request (a `{ __typename }` query), all at once: the time each took, connecting included. */
async function connect(loggers: GqlClient[]): Promise<number[]> {
  return Promise.all(
    loggers.map(async (l) => {
      const t0 = performance.now();
      await l.gql('{ __typename }');
      return performance.now() - t0;
    }),
  );
}

/** Mean of each part over the requests at or above the p99 (and over all requests, to compare). */
function breakdown(samples: Sample[]) {
  const p99 = percentile(
    samples.map((s) => s.ms),
    99,
  );
  const t0 = Math.min(...samples.map((s) => s.sentWall));
  const part = (list: Sample[]) => {
    const timed = list.filter((s) => s.server);
    const mean = (f: (s: Sample) => number) => timed.reduce((a, s) => a + f(s), 0) / Math.max(1, timed.length);
    const total = mean((s) => s.server!.total ?? 0);
    const pool = mean((s) => s.server!.pool ?? 0);
    const db = mean((s) => s.server!.db ?? 0);
    const commit = mean((s) => s.server!.commit ?? 0);
    return {
      n: list.length,
      closingShare: list.filter((s) => s.closes).length / Math.max(1, list.length),
      /** When (s after the first measured request) the first and last of these were sent. */
      sentSpanS: [Math.min(...list.map((s) => s.sentWall)), Math.max(...list.map((s) => s.sentWall))].map(
        (t) => (t - t0) / 1000,
      ),
      clientMs: list.reduce((a, s) => a + s.ms, 0) / Math.max(1, list.length),
      outsideServerMs: timed.length ? mean((s) => s.ms) - total : null,
      // Older servers send no start/end: NaN then, printed as such.
      beforeHandlerMs: timed.length ? mean((s) => (s.server!.start ?? Number.NaN) - s.sentWall) : null,
      afterHandlerMs: timed.length ? mean((s) => s.doneWall - (s.server!.end ?? Number.NaN)) : null,
      serverJsMs: timed.length ? total - pool - db - commit : null,
      poolWaitMs: timed.length ? pool : null,
      statementsMs: timed.length ? db : null,
      commitMs: timed.length ? commit : null,
      statements: timed.length ? mean((s) => s.server!.stmts ?? 0) : null,
    };
  };
  return { p99: part(samples.filter((s) => s.ms >= p99)), all: part(samples) };
}

/** logMetrics and delivery latencies after the warm-up, and the warm-up's own apart. */
function latencies(
  samples: Sample[],
  deliveries: { ms: number; afterAckMs: number; sent: number }[],
  warmUntil: number,
) {
  const measured = samples.filter((s) => !s.warm);
  const warm = samples.filter((s) => s.warm);
  const deliveryMs = deliveries.filter((d) => d.sent >= warmUntil).map((d) => d.ms);
  const p99Delivery = percentile(deliveryMs, 99);
  const slowDeliveries = deliveries.filter((d) => d.sent >= warmUntil && d.ms >= p99Delivery);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const ms = (list: Sample[]) => list.map((s) => s.ms);
  return {
    measuredRequests: measured.length,
    mutationP50: percentile(ms(measured), 50),
    mutationP99: percentile(ms(measured), 99),
    deliveryP50: percentile(deliveryMs, 50),
    deliveryP99: p99Delivery,
    deliveries: deliveryMs.length,
    /** Of the slowest 1% of deliveries: the logMetrics request's part, then from its answer to delivery. */
    deliveryTail: {
      ackMs: mean(slowDeliveries.map((d) => d.ms - d.afterAckMs)),
      afterAckMs: mean(slowDeliveries.map((d) => d.afterAckMs)),
    },
    breakdown: breakdown(measured),
    warmup: {
      requests: warm.length,
      mutationP99: percentile(ms(warm), 99),
      deliveryP99: percentile(
        deliveries.filter((d) => d.sent < warmUntil).map((d) => d.ms),
        99,
      ),
      firstBatchP50: percentile(ms(samples.filter((s) => s.first)), 50),
      firstBatchP99: percentile(ms(samples.filter((s) => s.first)), 99),
    },
  };
}

async function storedPoints(url: string): Promise<Map<string, number>> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const { rows } = await pool.query<{ run_id: string; n: number }>(
      `SELECT run_id, count(*)::int AS n FROM metrics GROUP BY run_id`,
    );
    return new Map(rows.map((r) => [r.run_id, r.n]));
  } finally {
    await pool.end();
  }
}

export async function runPhase(shape: Shape) {
  const db = await createBenchDatabase('load');
  const adminKey = `rb-bench-${randomBytes(16).toString('hex')}`;
  // BENCH_SERVER_TIMING=off: no per-request timing (AsyncLocalStorage), to see what the bookkeeping itself costs.
  const timing = process.env.BENCH_SERVER_TIMING === 'off' ? 'off' : 'on';
  const server = await startBenchServer(db.url, 'load', adminKey, { SERVER_TIMING: timing });
  try {
    const admin = new GqlClient(server.url, 4, adminKey);
    const logKey = await createKey(admin, 'bench-trainers', ['LOG']);
    const readKey = await createKey(admin, 'bench-dashboards', ['READ']);
    const logger = new GqlClient(server.url, 4, logKey);
    const runs = await createRunningRuns(logger, 'bench-load', shape.trainers);
    const sentAt = new Map<string, number>();
    const ackAt = new Map<string, number>();
    const live = subscribe(server.wsUrl, readKey, runs, shape, sentAt, ackAt);
    await sleep(2000); // subscriptions registered (they replay nothing: no points yet)

    // A trainer's client is connected before it logs: it created or started its run on that socket. So is each
    // of these, outside the measured window; what connecting costs is printed apart.
    const loggers = runs.map(() => new GqlClient(server.url, 1, logKey));
    const connectMs = await connect(loggers);

    const cpu = new CpuMeter(server.pid, db.name);
    await cpu.start();
    const waits = new WaitSampler(db.name);
    await waits.start();
    await serverMetrics(server.url, adminKey, true);
    const wal0 = await walCounters(db.name);
    const cpu0 = await cpu.sample();
    const loop = clientLoopDelay();
    const trained = await train(loggers, runs, shape, [sentAt, ackAt]);
    for (const l of loggers) l.close();
    await sleep(3000); // the last deliveries
    const clientLoop = loop.stop();
    const cpu1 = await cpu.sample();
    const wal = walDelta(wal0, await walCounters(db.name));
    const serverStats = await serverMetrics(server.url, adminKey);
    await waits.stop();
    await cpu.stop();

    const stored = await storedPoints(db.url);
    const hot = await hotUpdates(db.url);
    const ackTotal = [...trained.acknowledged.values()].reduce((a, b) => a + b, 0);
    const storedTotal = [...stored.values()].reduce((a, b) => a + b, 0);
    const storedMismatch = runs.filter((r) => (stored.get(r) ?? 0) !== trained.acknowledged.get(r)).length;
    let missed = 0;
    for (const s of live.subs)
      for (const [runId, points] of s.mine) missed += trained.acknowledged.get(runId)! - points.size;
    for (const s of live.subs) await s.client.dispose();
    admin.close();
    logger.close();

    const requests = trained.samples.length;
    const used = cpuDelta(cpu0, cpu1);
    return {
      shape,
      errors: trained.errors,
      firstError: trained.firstError,
      subscriptionErrors: live.errors(),
      requests,
      ...latencies(trained.samples, live.deliveries, trained.warmUntil),
      connectP50: percentile(connectMs, 50),
      connectP99: percentile(connectMs, 99),
      cpuPerRequestMs: {
        server: used.serverMs / Math.max(1, requests),
        postgres: used.postgresMs / Math.max(1, requests),
        client: used.clientMs / Math.max(1, requests),
      },
      wal: { ...wal, perRequest: { commits: wal.commits / Math.max(1, requests), walBytes: wal.walBytes / requests } },
      waitEvents: waits.top(),
      hotUpdates: hot,
      server: serverStats,
      clientLoop,
      pointsAcknowledged: ackTotal,
      pointsStored: storedTotal,
      runsWhereStoredDiffersFromAcknowledged: storedMismatch,
      deliveriesMissed: missed,
    };
  } finally {
    await server.stop();
    await db.drop();
  }
}

export type PhaseResult = Awaited<ReturnType<typeof runPhase>>;

/** Nothing lost and nothing failed. */
export const intact = (r: PhaseResult) =>
  !r.errors && !r.subscriptionErrors && !r.runsWhereStoredDiffersFromAcknowledged && !r.deliveriesMissed;
