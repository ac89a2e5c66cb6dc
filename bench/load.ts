/**
 * npm run bench:load — a team's day, compressed: BENCH_TRAINERS (50) simulated trainers each logging 10 metrics
 * every 500 ms and BENCH_SUBSCRIBERS (100) live subscribers (each following 5 runs), for BENCH_SECONDS (60), with
 * keys on (trainers use a LOG key, subscribers a READ key, both created through createApiKey).
 * Prints errors, p50/p99 mutation latency and delivery latency (mutation sent -> subscriber received), and checks
 * points in the database = points acknowledged = points delivered to every subscriber that follows the run.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createBenchDatabase } from './lib/db.ts';
import { createRunningRuns, GqlClient, LOG_METRICS_COLUMNS } from './lib/gql.ts';
import { startBenchServer, wsClient } from './lib/server.ts';
import { environment, fmt, percentile, printLoad, sleep, writeResults } from './lib/stats.ts';

const TRAINERS = Number(process.env.BENCH_TRAINERS ?? 50);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RUNS_PER_SUBSCRIBER = 5;
const KEYS = Array.from({ length: 10 }, (_, i) => `m${i}`);

async function createKey(admin: GqlClient, name: string, scopes: string[]): Promise<string> {
  const { createApiKey } = await admin.gql(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key } }`, {
    i: { name, scopes },
  });
  return createApiKey.key as string;
}

async function main() {
  const env = await environment();
  const loadStart = await printLoad('start');
  const db = await createBenchDatabase('load');
  const adminKey = `rb-bench-${randomBytes(16).toString('hex')}`;
  const server = await startBenchServer(db.url, 'load', adminKey);
  try {
    const admin = new GqlClient(server.url, 4, adminKey);
    const logKey = await createKey(admin, 'bench-trainers', ['LOG']);
    const readKey = await createKey(admin, 'bench-dashboards', ['READ']);
    const logger = new GqlClient(server.url, TRAINERS, logKey);
    const runs = await createRunningRuns(logger, 'bench-load', TRAINERS);

    // Subscribers: each follows RUNS_PER_SUBSCRIBER runs; record what each receives, and when.
    const sentAt = new Map<string, number>(); // `${run}:${step}` -> send time
    const deliveryMs: number[] = [];
    const received = new Map<number, Map<string, Set<string>>>(); // subscriber -> run -> key@step
    let subscriptionErrors = 0;
    const clients = Array.from({ length: SUBSCRIBERS }, (_, i) => {
      const client = wsClient(server.wsUrl, readKey);
      const follows = Array.from(
        { length: RUNS_PER_SUBSCRIBER },
        (_, k) => runs[(i * RUNS_PER_SUBSCRIBER + k) % runs.length]!,
      );
      const mine = new Map(follows.map((r) => [r, new Set<string>()]));
      received.set(i, mine);
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
            const t = sentAt.get(`${e.runId}:${e.points[0]?.step}`);
            if (t !== undefined) deliveryMs.push(now - t);
          },
          error: () => subscriptionErrors++,
          complete: () => {},
        },
      );
      return { client, follows };
    });
    await sleep(2000); // subscriptions registered (they replay nothing: no points yet)

    // Trainers: one epoch of 10 metrics every 500 ms each, staggered.
    const mutationMs: number[] = [];
    const acknowledged = new Map<string, number>(runs.map((r) => [r, 0]));
    let errors = 0;
    const until = performance.now() + SECONDS * 1000;
    await Promise.all(
      runs.map(async (runId, t) => {
        await sleep((500 * t) / runs.length);
        for (let step = 0; performance.now() < until; step++) {
          const next = performance.now() + 500;
          const columns = { keys: KEYS, steps: KEYS.map(() => step), values: KEYS.map((_, k) => Math.sin(step + k)) };
          const t0 = performance.now();
          sentAt.set(`${runId}:${step}`, t0);
          try {
            await logger.gql(LOG_METRICS_COLUMNS, { runId, columns });
            mutationMs.push(performance.now() - t0);
            acknowledged.set(runId, acknowledged.get(runId)! + KEYS.length);
          } catch {
            errors++;
          }
          await sleep(Math.max(0, next - performance.now()));
        }
      }),
    );
    await sleep(3000); // the last deliveries
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const { rows } = await pool.query<{ run_id: string; n: number }>(
      `SELECT run_id, count(*)::int AS n FROM metrics GROUP BY run_id`,
    );
    await pool.end();
    const stored = new Map(rows.map((r) => [r.run_id, r.n]));
    const ackTotal = [...acknowledged.values()].reduce((a, b) => a + b, 0);
    const storedTotal = [...stored.values()].reduce((a, b) => a + b, 0);
    const storedMismatch = runs.filter((r) => (stored.get(r) ?? 0) !== acknowledged.get(r)).length;
    // Every subscriber must have received every acknowledged point of each run it follows.
    let missed = 0;
    for (const mine of received.values())
      for (const [runId, points] of mine) missed += acknowledged.get(runId)! - points.size;
    for (const c of clients) await c.client.dispose();
    admin.close();
    logger.close();
    const loadEnd = await printLoad('end');
    const result = {
      env,
      trainers: TRAINERS,
      subscribers: SUBSCRIBERS,
      seconds: SECONDS,
      auth: 'keys on (LOG for trainers, READ for subscribers)',
      errors,
      subscriptionErrors,
      mutations: mutationMs.length,
      mutationP50: percentile(mutationMs, 50),
      mutationP99: percentile(mutationMs, 99),
      deliveryP50: percentile(deliveryMs, 50),
      deliveryP99: percentile(deliveryMs, 99),
      pointsAcknowledged: ackTotal,
      pointsStored: storedTotal,
      runsWhereStoredDiffersFromAcknowledged: storedMismatch,
      deliveriesMissed: missed,
      loadAverage: { start: loadStart, end: loadEnd },
    };
    await writeResults('load', result);
    console.log(
      `${TRAINERS} trainers (10 metrics / 500 ms) + ${SUBSCRIBERS} subscribers for ${SECONDS} s, keys on: ` +
        `${errors} mutation errors, ${subscriptionErrors} subscription errors`,
    );
    console.log(
      `logMetrics p50 ${fmt(result.mutationP50)} ms, p99 ${fmt(result.mutationP99)} ms over ${mutationMs.length} requests; ` +
        `delivery p50 ${fmt(result.deliveryP50)} ms, p99 ${fmt(result.deliveryP99)} ms`,
    );
    console.log(
      `points: acknowledged ${ackTotal}, in the database ${storedTotal} (runs differing: ${storedMismatch}); ` +
        `deliveries missed by subscribers: ${missed}`,
    );
    if (errors || subscriptionErrors || storedMismatch || missed) process.exitCode = 1;
  } finally {
    await server.stop();
    await db.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
