/**
 * npm run bench:storage [-- --points 10M] — metric history as rows vs compressed chunks (issue #23), side by
 * side in one run on one fresh database:
 *   1. ingest RUNS x 4 keys x STEPS points through logMetrics (one 4 x STEPS request per run), then end the runs;
 *   2. "rows": bytes per point (pg_total_relation_size of every metric table, after VACUUM FULL, / points) and
 *      the reads: metricSeries (100 runs x 4 keys, maxPoints 500), full-resolution history pages, compareRuns
 *      over 100 runs, the run table sorted by a metric;
 *   3. compact every run (compactRun, the code the server's job runs, BENCH_COMPACT_WORKERS in parallel);
 *   4. "chunks": the same bytes and reads again, and the ratios.
 * Default shape 200 runs x 4 keys x 2,500 steps (2M points, a few minutes); --points 10M is the issue's
 * 1,000-run shape. Prints CPU model and load average; timings on a loaded machine are only comparable within
 * the run (ratios), bytes per point do not depend on load.
 */
import os from 'node:os';
import { compactRun } from '@runboard/server/bench';
import { connectDatabase } from '@runboard/server/testing';
import { CpuMeter, cpuDelta } from './lib/cpu.ts';
import { trainingCurveColumns } from './lib/curves.ts';
import { createBenchDatabase } from './lib/db.ts';
import { createRunningRuns, GqlClient, LOG_METRICS_COLUMNS } from './lib/gql.ts';
import { startBenchServer } from './lib/server.ts';
import { environment, fmt, percentile, printLoad, round, table, writeResults } from './lib/stats.ts';

const KEYS = ['loss', 'acc', 'val_loss', 'val_acc'];
const STEPS = Number(process.env.BENCH_STEPS ?? 2500);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 20);
const SEED_CONCURRENCY = Number(process.env.BENCH_SEED_CONCURRENCY ?? 2);
const COMPACT_WORKERS = Number(process.env.BENCH_COMPACT_WORKERS ?? 2);
const TABLES = ['metrics', 'metric_chunks', 'metric_rollups', 'metric_latest', 'metric_batches'];

function pointsArg(): number {
  const i = process.argv.indexOf('--points');
  if (i < 0) return 200 * KEYS.length * STEPS;
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(process.argv[i + 1] ?? '');
  if (!m) throw new Error('--points takes a count such as 2M, 500k or 10000000');
  return Number(m[1]) * (m[2]?.toLowerCase() === 'm' ? 1e6 : m[2]?.toLowerCase() === 'k' ? 1e3 : 1);
}
const RUNS = Math.max(100, Math.round(pointsArg() / (KEYS.length * STEPS)));

async function inParallel<T>(items: T[], workers: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Wall p50/p99, and server + PostgreSQL CPU ms per request (what load hardly changes). */
async function timed(cpu: CpuMeter, n: number, fn: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 3; i++) await fn(i); // warm-up
  const ms: number[] = [];
  const before = await cpu.sample();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  const used = cpuDelta(before, await cpu.sample());
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), cpuMs: (used.serverMs + used.postgresMs) / n };
}

const SERIES = `query($ids: [ID!]!, $keys: [String!]!) { metricSeries(runIds: $ids, keys: $keys, maxPoints: 500) {
  runId key totalPoints columns { step value min max wallTime } } }`;
const HISTORY = `query($id: ID!) { run(id: $id) { history(key: "val_loss", first: 10000) { step value wallTime } } }`;
const COMPARE = `query($ids: [ID!]!) { compareRuns(runIds: $ids) { metrics { key bestRunId results { final best } } } }`;
const TABLE = `query($e: ID!) { runs(filter: { experimentId: $e }, orderBy: [{ field: "min(metrics.val_loss)" }], first: 50) {
  nodes { id name metrics(keys: ["val_loss", "val_acc"]) { key lastValue min } } } }`;

async function reads(client: GqlClient, cpu: CpuMeter, runIds: string[], experimentId: string) {
  const hundred = runIds.slice(0, 100);
  const series = await timed(cpu, QUERIES, () => client.gql(SERIES, { ids: hundred, keys: KEYS }));
  const history = await timed(cpu, QUERIES, (i) => client.gql(HISTORY, { id: runIds[(i * 7) % runIds.length] }));
  const compare = await timed(cpu, QUERIES, () => client.gql(COMPARE, { ids: hundred }));
  const runTable = await timed(cpu, QUERIES, () => client.gql(TABLE, { e: experimentId }));
  return { series, history, compare, runTable };
}

async function bytes(db: ReturnType<typeof connectDatabase>, full: boolean) {
  for (const t of TABLES) await db.pool.query(full ? `VACUUM FULL ANALYZE ${t}` : `VACUUM ANALYZE ${t}`);
  const { rows } = await db.pool.query<{ t: string; b: string }>(
    `SELECT t, pg_total_relation_size(t::regclass) AS b FROM unnest($1::text[]) AS t`,
    [TABLES],
  );
  const perTable = Object.fromEntries(rows.map((r) => [r.t, Number(r.b)]));
  return { perTable, total: Object.values(perTable).reduce((a, b) => a + b, 0) };
}

async function main() {
  const env = await environment();
  const points = RUNS * KEYS.length * STEPS;
  console.log(`bench:storage — ${RUNS} runs x ${KEYS.length} keys x ${STEPS} steps = ${fmt(points / 1e6, 2)}M points`);
  console.log(`CPU: ${os.cpus()[0]?.model} x ${os.cpus().length}; node ${process.version}`);
  const loads = [await printLoad('start')];
  const database = await createBenchDatabase('storage');
  const server = await startBenchServer(database.url, 'storage');
  const db = connectDatabase(database.url, COMPACT_WORKERS + 2);
  const client = new GqlClient(server.url);
  const cpu = new CpuMeter(server.mode === 'child' ? server.pid : -1, database.name);
  await cpu.start();
  try {
    const runIds = await createRunningRuns(client, 'storage', RUNS);
    const { run } = await client.gql(`query($id: ID!) { run(id: $id) { experiment { id } } }`, { id: runIds[0] });
    const experimentId = run.experiment.id as string;
    const ingestStart = performance.now();
    await inParallel(
      runIds.map((id, i) => ({ id, i })),
      SEED_CONCURRENCY,
      async ({ id, i }) => {
        await client.gql(LOG_METRICS_COLUMNS, { runId: id, columns: trainingCurveColumns(i, KEYS, STEPS) });
      },
    );
    const ingestRate = points / ((performance.now() - ingestStart) / 1000);
    console.log(`ingest: ${fmt(ingestRate, 0)} points/s (${SEED_CONCURRENCY} clients)`);
    for (const id of runIds)
      await client.gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED) { id } }`, { id });
    loads.push(await printLoad('rows: measuring'));
    const rowBytes = await bytes(db, true);
    const rowReads = await reads(client, cpu, runIds, experimentId);

    const compactStart = performance.now();
    const cpu0 = process.cpuUsage();
    let chunks = 0;
    await inParallel(runIds, COMPACT_WORKERS, async (id) => {
      // Await first: `chunks += await ...` reads `chunks` before the await, so parallel workers lost updates.
      const made = await compactRun(db.pool, id);
      chunks += made;
    });
    const compactSeconds = (performance.now() - compactStart) / 1000;
    const compactCpu = process.cpuUsage(cpu0);
    console.log(
      `compaction: ${chunks} chunks, ${fmt(points / compactSeconds, 0)} points/s wall, ` +
        `${fmt((compactCpu.user + compactCpu.system) / 1000 / (points / 1e6), 0)} ms of client CPU per 1M points`,
    );
    const reusable = await bytes(db, false); // deleted rows' space is reused by later ingest, not returned
    loads.push(await printLoad('chunks: measuring'));
    const chunkBytes = await bytes(db, true);
    const chunkReads = await reads(client, cpu, runIds, experimentId);
    loads.push(await printLoad('end'));

    const bpp = (b: number) => fmt(b / points, 1);
    console.log('\nbytes per point (after VACUUM FULL; pg_total_relation_size incl. indexes and TOAST)');
    console.log(
      table(
        ['table', 'rows', 'chunks'],
        [
          ...TABLES.map((t) => [t, bpp(rowBytes.perTable[t]!), bpp(chunkBytes.perTable[t]!)]),
          ['total', bpp(rowBytes.total), bpp(chunkBytes.total)],
          ['total MB', fmt(rowBytes.total / 1e6, 0), fmt(chunkBytes.total / 1e6, 0)],
        ],
      ),
    );
    console.log(
      `(after compaction with plain VACUUM only: ${bpp(reusable.total)} B/pt, dead row space kept for reuse)`,
    );
    console.log('\nreads, ms (p50 / p99 of', QUERIES, 'after 3 warm-ups), rows vs chunks in this run');
    const names: [keyof typeof rowReads, string][] = [
      ['series', 'metricSeries 100 runs x 4 keys, maxPoints 500'],
      ['history', `history page, ${STEPS} points at full resolution`],
      ['compare', 'compareRuns, 100 runs'],
      ['runTable', 'run table sorted by min(val_loss), 50 rows'],
    ];
    console.log(
      table(
        [
          'read',
          'rows p50',
          'rows p99',
          'chunks p50',
          'chunks p99',
          'p50 ratio',
          'CPU ms rows',
          'CPU ms chunks',
          'CPU ratio',
        ],
        names.map(([k, label]) => [
          label,
          fmt(rowReads[k].p50),
          fmt(rowReads[k].p99),
          fmt(chunkReads[k].p50),
          fmt(chunkReads[k].p99),
          `${fmt(chunkReads[k].p50 / rowReads[k].p50, 2)}x`,
          fmt(rowReads[k].cpuMs),
          fmt(chunkReads[k].cpuMs),
          `${fmt(chunkReads[k].cpuMs / rowReads[k].cpuMs, 2)}x`,
        ]),
      ),
    );
    console.log('(CPU ms: server process + its PostgreSQL backends per request, from /proc; load hardly moves it)');
    const file = await writeResults('storage', {
      env,
      shape: { runs: RUNS, keys: KEYS.length, steps: STEPS, points },
      loads,
      ingestPointsPerSecond: round(ingestRate),
      compaction: {
        chunks,
        seconds: round(compactSeconds),
        clientCpuMs: round((compactCpu.user + compactCpu.system) / 1000),
      },
      bytesPerPoint: { rows: round(rowBytes.total / points), chunks: round(chunkBytes.total / points) },
      bytes: { rows: rowBytes, chunks: chunkBytes, chunksBeforeVacuumFull: reusable },
      reads: { rows: rowReads, chunks: chunkReads },
    });
    console.log(`\nresults: ${file}`);
  } finally {
    await cpu.stop();
    client.close();
    await db.close();
    await server.stop();
    await database.drop();
  }
}

await main();
