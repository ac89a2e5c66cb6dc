/**
 * Where metricSeries spends its time, rows vs chunks (issue #23: 1.57x at 10M points): RUNS (100) runs x 4 keys x
 * 2,500 steps, then metricSeries for 100 runs x 4 keys, maxPoints 500 (the bench:storage read) called N times in
 * this process straight from the metric module (no HTTP, no GraphQL), before and after compacting every run.
 * Prints per call: wall ms, this process's CPU, the database's backends' CPU, pool queries; and whether both
 * forms gave identical series. `node --cpu-prof --import tsx bench/series-profile.ts` profiles the reads.
 */
import { compactRun, metricSeries } from '@runboard/server/bench';
import { connectDatabase } from '@runboard/server/testing';
import { CpuMeter, cpuDelta } from './lib/cpu.ts';
import { trainingCurveColumns } from './lib/curves.ts';
import { createBenchDatabase } from './lib/db.ts';
import { createRunningRuns, GqlClient, LOG_METRICS_COLUMNS } from './lib/gql.ts';
import { startBenchServer } from './lib/server.ts';

const KEYS = ['loss', 'acc', 'val_loss', 'val_acc'];
const RUNS = Number(process.env.RUNS ?? 100);
const N = Number(process.env.N ?? 30);
const STEPS = 2500;

const database = await createBenchDatabase('seriesprof');
const server = await startBenchServer(database.url, 'seriesprof');
const db = connectDatabase(database.url, 10);
const client = new GqlClient(server.url);
const meter = new CpuMeter(process.pid, database.name);
await meter.start();
let queries = 0;
// Counts the pool's queries (metricSeries uses only pool.query): what a change of plan adds or saves.
const poolQuery = db.pool.query.bind(db.pool) as (...args: unknown[]) => unknown;
Object.assign(db.pool, {
  query: (...args: unknown[]) => {
    queries++;
    return poolQuery(...args);
  },
});
try {
  const runIds = await createRunningRuns(client, 'prof', RUNS);
  for (const [i, id] of runIds.entries())
    await client.gql(LOG_METRICS_COLUMNS, { runId: id, columns: trainingCurveColumns(i, KEYS, STEPS) });
  for (const id of runIds)
    await client.gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED) { id } }`, { id });
  const hundred = runIds.slice(0, 100);
  const loop = async (label: string) => {
    for (let i = 0; i < 3; i++) await metricSeries(db.pool, hundred, KEYS, 500);
    queries = 0;
    const p0 = await meter.sample();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let out: unknown;
    for (let i = 0; i < N; i++) out = await metricSeries(db.pool, hundred, KEYS, 500);
    const ms = (performance.now() - t0) / N;
    const cpu = process.cpuUsage(c0);
    const pgMs = cpuDelta(p0, await meter.sample()).postgresMs / N;
    console.log(
      `${label}: ${ms.toFixed(1)} ms/call wall, ${((cpu.user + cpu.system) / 1000 / N).toFixed(1)} ms/call node CPU, ${pgMs.toFixed(1)} ms/call PostgreSQL CPU, ${queries / N} pool queries/call`,
    );
    return out;
  };
  // The same read through the server's GraphQL endpoint, as bench:storage makes it: server process + backends CPU.
  const SERIES = `query($ids: [ID!]!, $keys: [String!]!) { metricSeries(runIds: $ids, keys: $keys, maxPoints: 500) {
    runId key totalPoints columns { step value min max wallTime } } }`;
  const serverMeter = new CpuMeter(server.pid, database.name);
  await serverMeter.start();
  const viaServer = async (label: string) => {
    for (let i = 0; i < 3; i++) await client.gql(SERIES, { ids: hundred, keys: KEYS });
    const p0 = await serverMeter.sample();
    for (let i = 0; i < N; i++) await client.gql(SERIES, { ids: hundred, keys: KEYS });
    const d = cpuDelta(p0, await serverMeter.sample());
    console.log(
      `${label} via GraphQL: ${(d.serverMs / N).toFixed(1)} ms server CPU, ${(d.postgresMs / N).toFixed(1)} ms PostgreSQL CPU per request`,
    );
  };
  await viaServer('rows');
  const rows = await loop('rows');
  for (const id of runIds) await compactRun(db.pool, id);
  await db.pool.query('VACUUM FULL ANALYZE metrics');
  await db.pool.query('VACUUM FULL ANALYZE metric_chunks');
  await db.pool.query('VACUUM FULL ANALYZE metric_rollups');
  await viaServer('chunks');
  const chunks = await loop('chunks');
  await serverMeter.stop();
  console.log('identical:', JSON.stringify(rows) === JSON.stringify(chunks));
} finally {
  client.close();
  await meter.stop();
  await db.close();
  await server.stop();
  await database.drop();
}
