/**
 * npm run bench:query — metricSeries over 100 runs x 4 keys x 10,000 steps with maxPoints 500, requesting
 * `columns`, over HTTP. Seeds the 4M points through logMetrics (one 40,000-point request per run,
 * BENCH_SEED_CONCURRENCY clients, default 2) and reports that ingest rate too. Then BENCH_QUERIES
 * (default 30) timed queries after 3 warm-ups, plus a breakdown: the two SQL statements metricSeries
 * runs, timed directly (and EXPLAIN ANALYZE of the rollup read), vs the whole HTTP request.
 * Then the chart shapes over BENCH_CHART_RUNS (default 100) more runs of 2,500 steps: series between maxPoints
 * and 8x maxPoints long (the shape that was bucketed from raw history and took ~800 ms), each timed BENCH_QUERIES/3 times.
 */

import { ROLLUP_SQL } from '@runboard/server/bench';
import pg from 'pg';
import { CpuMeter, cpuDelta } from './lib/cpu.ts';
import { createBenchDatabase, pgSettings } from './lib/db.ts';
import { createRunningRuns, GqlClient, LOG_METRICS, makePoints, parse } from './lib/gql.ts';
import { startBenchServer } from './lib/server.ts';
import {
  environment,
  fmt,
  printLoad,
  printTargets,
  round,
  summary,
  type Target,
  table,
  writeResults,
} from './lib/stats.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const STEPS = Number(process.env.BENCH_STEPS ?? 10_000);
const KEYS4 = ['loss', 'acc', 'val_loss', 'val_acc'];
const MAX_POINTS = 500;
const QUERIES = Number(process.env.BENCH_QUERIES ?? 30);
const SEED_CONCURRENCY = Number(process.env.BENCH_SEED_CONCURRENCY ?? 2);
const SERIES = `query Series($runIds: [ID!]!, $keys: [String!]!, $maxPoints: Int) {
  metricSeries(runIds: $runIds, keys: $keys, maxPoints: $maxPoints) {
    runId key downsampled bucketSize totalPoints
    columns { step value min max wallTime }
  }
}`;

const CHART_RUNS = Number(process.env.BENCH_CHART_RUNS ?? 100);
const CHART_STEPS = 2500;
/** What the dashboard asks for: [keys, maxPoints]. Compare overlays ask ~100 points per line at 100 runs. */
const CHART_SHAPES: [string[], number][] = [
  [['loss', 'val_acc'], 500],
  [KEYS4, 100],
  [KEYS4, 500],
  [KEYS4, 1000],
];

async function seed(http: GqlClient, runIds: string[], steps = STEPS) {
  const queue = [...runIds];
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        const { points } = makePoints(steps * KEYS4.length, KEYS4, 0);
        const body = JSON.stringify({ query: LOG_METRICS, variables: { runId: id, points } });
        const t = performance.now();
        const res = parse<{ logMetrics: { accepted: number } }>(await http.post(body));
        latencies.push(performance.now() - t);
        if (res.logMetrics.accepted !== points.length) throw new Error('seed: points not accepted');
        const done = runIds.length - queue.length;
        if (done % 20 === 0)
          console.log(
            `  seeded ${done}/${runIds.length} runs (${fmt(((done * points.length) / (performance.now() - t0)) * 1000, 0)} points/s)`,
          );
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    seconds: round(seconds),
    points: runIds.length * steps * KEYS4.length,
    pointsPerSec: round((runIds.length * steps * KEYS4.length) / seconds, 0),
    requestMs: summary(latencies),
  };
}

/** The rollup read before the LATERAL rewrite (GROUP BY + ORDER BY inside json_agg), kept for comparison. */
const PREVIOUS_ROLLUP_SQL = `SELECT m.run_id AS "runId", m.key, json_agg(m.last_step ORDER BY m.bucket) AS s,
    json_agg(m.last_value ORDER BY m.bucket) AS v, json_agg(m.min_value ORDER BY m.bucket) AS mn,
    json_agg(m.max_value ORDER BY m.bucket) AS mx,
    json_agg(round(extract(epoch FROM m.last_wall_time) * 1000) ORDER BY m.bucket) AS w
  FROM unnest($1::uuid[], $2::text[], $3::int2[]) AS q(run_id, key, level)
  JOIN metric_rollups m ON m.run_id = q.run_id AND m.key = q.key AND m.level = q.level
  GROUP BY m.run_id, m.key`;

/** Times metricSeries' statements directly (results parsed by pg as in the server). */
async function timeSql(pool: pg.Pool, runIds: string[]) {
  const { rows: pairs } = await pool.query<{ run_id: string; key: string }>(
    `SELECT run_id, key FROM metric_latest WHERE run_id = ANY($1::uuid[]) AND key = ANY($2::text[])`,
    [runIds, KEYS4],
  );
  // chooseLevel for steps 0..STEPS-1 and maxPoints 500: the finest level with <= 500 buckets
  const level = [4, 5, 6, 7, 8, 9, 10].find((l) => Math.floor((STEPS - 1) / 2 ** l) + 1 <= MAX_POINTS)!;
  const params = (ps: typeof pairs) => [ps.map((r) => r.run_id), ps.map((r) => r.key), ps.map(() => level)];
  const plan: number[] = [];
  const current: number[] = [];
  const split: number[] = [];
  const previous: number[] = [];
  for (let i = 0; i < 7; i++) {
    let t = performance.now();
    await pool.query(
      `SELECT run_id, key, count, first_step, last_step FROM metric_latest WHERE run_id = ANY($1::uuid[]) AND key = ANY($2::text[])`,
      [runIds, KEYS4],
    );
    plan.push(performance.now() - t);
    t = performance.now();
    await pool.query(ROLLUP_SQL, params(pairs));
    current.push(performance.now() - t);
    t = performance.now();
    const half = Math.ceil(pairs.length / 2);
    await Promise.all([
      pool.query(ROLLUP_SQL, params(pairs.slice(0, half))),
      pool.query(ROLLUP_SQL, params(pairs.slice(half))),
    ]);
    split.push(performance.now() - t);
    t = performance.now();
    await pool.query(PREVIOUS_ROLLUP_SQL, params(pairs));
    previous.push(performance.now() - t);
  }
  const explain = async (sql: string) =>
    (await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params(pairs))).rows.map((r) => r['QUERY PLAN'] as string);
  return {
    level,
    planQueryMs: summary(plan),
    rollupQueryMs: summary(current),
    rollupSplitInTwoMs: summary(split),
    previousRollupQueryMs: summary(previous),
    rollupExplain: await explain(ROLLUP_SQL),
    previousRollupExplain: await explain(PREVIOUS_ROLLUP_SQL),
  };
}

/** metricSeries over HTTP for each chart shape on the 2,500-step runs. */
async function timeChartShapes(http: GqlClient, runIds: string[]) {
  const out: { shape: string; points: number; ms: ReturnType<typeof summary> }[] = [];
  for (const [keys, maxPoints] of CHART_SHAPES) {
    const body = JSON.stringify({ query: SERIES, variables: { runIds, keys, maxPoints } });
    let points = 0;
    for (let i = 0; i < 2; i++) {
      const series = parse<{ metricSeries: { columns: { step: number[] } }[] }>(await http.post(body)).metricSeries;
      if (series.length !== runIds.length * keys.length) throw new Error(`chart shape: got ${series.length} series`);
      points = series[0]!.columns.step.length;
    }
    const ms: number[] = [];
    for (let i = 0; i < Math.max(5, Math.round(QUERIES / 3)); i++) {
      const t = performance.now();
      await http.post(body);
      ms.push(performance.now() - t);
    }
    out.push({
      shape: `${runIds.length} runs x ${keys.length} keys x ${CHART_STEPS} steps, maxPoints ${maxPoints}`,
      points,
      ms: summary(ms),
    });
  }
  return out;
}

async function main() {
  const db = await createBenchDatabase('query');
  const server = await startBenchServer(db.url, 'query').catch(async (err) => {
    await db.drop();
    throw err;
  });
  const http = new GqlClient(server.url);
  const pool = new pg.Pool({ connectionString: db.url, max: 2 }); // two: the split read runs halves in parallel
  console.log(
    `bench:query — server ${server.mode} pid ${server.pid}; ${RUNS} runs x ${KEYS4.length} keys x ${STEPS} steps`,
  );
  try {
    const runIds = await createRunningRuns(http, 'query', RUNS);
    const loadBefore = await printLoad('seed start');
    const seeded = await seed(http, runIds);
    console.log(
      `seeded ${fmt(seeded.points, 0)} points in ${seeded.seconds} s: ${fmt(seeded.pointsPerSec, 0)} points/s (40k-point requests, c=${SEED_CONCURRENCY}; request p50 ${seeded.requestMs.p50} ms)`,
    );
    await pool.query('VACUUM ANALYZE');
    const body = JSON.stringify({ query: SERIES, variables: { runIds, keys: KEYS4, maxPoints: MAX_POINTS } });
    let bytes = 0;
    let check = '';
    for (let i = 0; i < 3; i++) {
      const text = await http.post(body);
      bytes = Buffer.byteLength(text);
      const series = parse<{
        metricSeries: { downsampled: boolean; bucketSize: number; totalPoints: number; columns: { step: number[] } }[];
      }>(text).metricSeries;
      check = `${series.length} series, bucketSize ${series[0]?.bucketSize}, ${series[0]?.columns.step.length} points each, totalPoints ${series[0]?.totalPoints}`;
      if (series.length !== RUNS * KEYS4.length)
        throw new Error(`expected ${RUNS * KEYS4.length} series, got ${series.length}`);
    }
    console.log(`response: ${check}; ${fmt(bytes / 1024, 0)} KiB`);
    await printLoad('queries start');
    const cpu = new CpuMeter(server.mode === 'child' ? server.pid : -1, db.name);
    await cpu.start();
    const latencies: number[] = [];
    const cpu0 = await cpu.sample();
    for (let i = 0; i < QUERIES; i++) {
      const t = performance.now();
      await http.post(body);
      latencies.push(performance.now() - t);
    }
    const used = cpuDelta(cpu0, await cpu.sample());
    await cpu.stop();
    const cpuPerQuery = {
      serverMs: round(used.serverMs / QUERIES, 1),
      postgresMs: round(used.postgresMs / QUERIES, 1),
      clientMs: round(used.clientMs / QUERIES, 1),
    };
    const q = summary(latencies);
    console.log(
      `metricSeries over HTTP x${QUERIES}: p50 ${q.p50} ms, p90 ${q.p90} ms, p99 ${q.p99} ms (min ${q.min}, max ${q.max})`,
    );
    console.log(
      `CPU per query: server ${cpuPerQuery.serverMs} ms, PostgreSQL ${cpuPerQuery.postgresMs} ms, client ${cpuPerQuery.clientMs} ms`,
    );
    const sql = await timeSql(pool, runIds);
    const chartRunIds = await createRunningRuns(http, 'query-charts', CHART_RUNS);
    await seed(http, chartRunIds, CHART_STEPS);
    await pool.query('VACUUM ANALYZE');
    await printLoad('chart shapes start');
    const shapes = await timeChartShapes(http, chartRunIds);
    console.log(
      `\nchart shapes (metricSeries over HTTP):\n${table(
        ['shape', 'points per series', 'p50 ms', 'p99 ms'],
        shapes.map((r) => [r.shape, r.points, r.ms.p50, r.ms.p99]),
      )}`,
    );
    console.log(
      '\nbreakdown (ms):\n' +
        table(
          ['part', 'p50 ms', 'p99 ms'],
          [
            ['whole request over HTTP', q.p50, q.p99],
            ['SQL: plan from metric_latest', sql.planQueryMs.p50, sql.planQueryMs.p99],
            [
              `SQL: rollup read, level ${sql.level}, all pairs in one query`,
              sql.rollupQueryMs.p50,
              sql.rollupQueryMs.p99,
            ],
            [
              'SQL: same in two halves in parallel (what the server does)',
              sql.rollupSplitInTwoMs.p50,
              sql.rollupSplitInTwoMs.p99,
            ],
            [
              'SQL: previous rollup read (GROUP BY, ORDER BY in json_agg)',
              sql.previousRollupQueryMs.p50,
              sql.previousRollupQueryMs.p99,
            ],
            [
              'rest: GraphQL execution, JSON serialisation, HTTP',
              round(q.p50 - sql.planQueryMs.p50 - sql.rollupSplitInTwoMs.p50),
              '',
            ],
          ],
        ),
    );
    console.log(`EXPLAIN ANALYZE of the rollup read:\n  ${sql.rollupExplain.join('\n  ')}`);
    console.log(`EXPLAIN ANALYZE of the previous rollup read:\n  ${sql.previousRollupExplain.join('\n  ')}`);
    const loadAfter = await printLoad('end');
    const targets: Target[] = [
      {
        name: `metricSeries ${RUNS}x${KEYS4.length} series, maxPoints ${MAX_POINTS}, p50`,
        target: '<= 300 ms',
        measured: q.p50,
        unit: 'ms',
        pass: q.p50 <= 300,
      },
    ];
    targets.push({ name: 'same, p99', target: '<= 300 ms', measured: q.p99, unit: 'ms', pass: q.p99 <= 300 });
    for (const r of shapes)
      targets.push({
        name: `${r.shape}, p50`,
        target: '< 300 ms',
        measured: r.ms.p50,
        unit: 'ms',
        pass: r.ms.p50 < 300,
      });
    printTargets('bench:query', targets);
    const file = await writeResults('query', {
      bench: 'query',
      environment: {
        ...(await environment()),
        serverMode: server.mode,
        postgres: await pgSettings(db.url),
        loadBefore,
        loadAfter,
      },
      config: {
        runs: RUNS,
        keys: KEYS4,
        steps: STEPS,
        chartRuns: CHART_RUNS,
        chartSteps: CHART_STEPS,
        maxPoints: MAX_POINTS,
        queries: QUERIES,
        seedConcurrency: SEED_CONCURRENCY,
      },
      seed: seeded,
      response: { bytes, check },
      queryMs: q,
      cpuPerQuery,
      breakdown: sql,
      chartShapes: shapes,
      targets,
    });
    console.log(`\nresults written to ${file}`);
  } finally {
    http.close();
    await pool.end();
    await server.stop();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
