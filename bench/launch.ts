/**
 * npm run bench:launch
 * 1. Launch latency: launchRun returning -> the trainer's first heartbeat (startRun), measured on the
 *    server's clock (runs.started_at - runs.created_at). One in-process agent (poll 500 ms) running the
 *    protocol trainer (test/fixtures/protocol-trainer.ts: node + tsx start-up, no model load, which the
 *    target excludes). Target p50/p99 <= 2 s.
 * 2. Queue throughput: 200 queued runs, 4 agents speaking the agent protocol over GraphQL (claimRuns up to
 *    4 at a time, then reportRunExit at once, no trainer process), so the figure is the queue's, not
 *    process start-up's. Reports claims/s and checks that no run was handed out twice.
 */

import { randomUUID } from 'node:crypto';
import { GraphQLClient } from '@runboard/client';
import { Agent } from '@runboard/trainers';
import { AgentApi } from '@runboard/trainers/bench';
import pg from 'pg';
import { createBenchDatabase } from './lib/db.ts';
import { startBenchServer } from './lib/server.ts';
import { environment, printLoad, printTargets, sleep, summary, table, writeResults } from './lib/stats.ts';

const LATENCY_RUNS = Number(process.env.BENCH_LAUNCH_RUNS ?? 20);
const QUEUE_RUNS = 200;
const AGENTS = 4;
const config = { train: 'data/train', val: 'data/validation', epochs: 1, size: 32, batch: 4 };

const db = await createBenchDatabase('launch');
const server = await startBenchServer(db.url, 'launch');
const api = new AgentApi(server.url);
const gql = new GraphQLClient({ url: server.url });
const pool = new pg.Pool({ connectionString: db.url, max: 2 });
try {
  await printLoad('start');
  await gql.request(`mutation { createExperiment(input: { name: "bench-launch" }) { id } }`, {});
  const launch = (name: string) =>
    gql.request<{ launchRun: { id: string } }>(
      `mutation($c: JSON!, $n: String) { launchRun(input: { experimentName: "bench-launch", config: $c, name: $n }) { id } }`,
      { c: config, n: name },
    );

  // 1. latency, one run at a time so each measures an idle queue
  process.env.PROTOCOL_EPOCH_MS = '0';
  const agent = new Agent({
    server: server.url,
    concurrency: 1,
    gpus: [],
    labels: [],
    command: [process.execPath, '--import', 'tsx', 'test/fixtures/protocol-trainer.ts'],
    log: () => {},
  });
  await agent.start();
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const { launchRun } = await launch(`latency-${i}`);
    for (;;) {
      const { rows } = await pool.query(
        `SELECT status, extract(epoch FROM started_at - created_at) * 1000 AS ms FROM runs WHERE id = $1`,
        [launchRun.id],
      );
      if (rows[0].ms !== null && rows[0].status !== 'QUEUED') {
        latencies.push(Number(rows[0].ms));
        break;
      }
      await sleep(20);
    }
    while ((await pool.query(`SELECT status FROM runs WHERE id = $1`, [launchRun.id])).rows[0].status === 'RUNNING')
      await sleep(20);
  }
  await agent.stop(true);
  const lat = summary(latencies);
  console.log(`\nlaunchRun -> first heartbeat over ${LATENCY_RUNS} runs (ms):`);
  console.log(table(['n', 'min', 'p50', 'p90', 'p99', 'max'], [[lat.n, lat.min, lat.p50, lat.p90, lat.p99, lat.max]]));

  // 2. queue throughput
  const ids = new Set<string>();
  for (let i = 0; i < QUEUE_RUNS; i++) ids.add((await launch(`queue-${i}`)).launchRun.id);
  const claimed: string[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: AGENTS }, async (_, a) => {
      const id = randomUUID();
      await api.register({
        id,
        name: `bench-agent-${a}`,
        host: 'bench',
        labels: [],
        gpus: [],
        concurrency: 4,
        info: {},
      });
      for (let idle = 0; idle < 3; ) {
        const got = await api.claim(id, 4);
        if (got.length === 0) {
          idle++;
          await sleep(50);
          continue;
        }
        idle = 0;
        for (const g of got) claimed.push(g.run.id);
        await Promise.all(got.map((g) => api.reportExit(id, g.run.id, 0, null, null)));
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const mine = claimed.filter((id) => ids.has(id));
  const doubles = mine.length - new Set(mine).size;
  const finished = Number(
    (await pool.query(`SELECT count(*) FROM runs WHERE id = ANY($1) AND status = 'FINISHED'`, [[...ids]])).rows[0]
      .count,
  );
  const rate = mine.length / seconds;
  console.log(
    `\nqueue: ${mine.length} claims of ${QUEUE_RUNS} runs by ${AGENTS} agents in ${seconds.toFixed(2)} s = ${rate.toFixed(1)} claims/s (claim + report exit each); double hand-outs: ${doubles}; FINISHED: ${finished}`,
  );

  const targets = [
    {
      name: 'launch -> first heartbeat p50',
      target: '<= 2000 ms',
      measured: lat.p50,
      unit: 'ms',
      pass: lat.p50 <= 2000,
    },
    {
      name: 'launch -> first heartbeat p99',
      target: '<= 2000 ms',
      measured: lat.p99,
      unit: 'ms',
      pass: lat.p99 <= 2000,
    },
    {
      name: 'queue: runs handed out twice',
      target: '0',
      measured: doubles,
      unit: '',
      pass: doubles === 0 && mine.length === QUEUE_RUNS,
    },
    { name: 'queue throughput (4 agents)', target: 'report', measured: rate, unit: 'claims/s', pass: true },
  ];
  printTargets('bench:launch', targets);
  await printLoad('end');
  console.log(
    `results: ${await writeResults('launch', { env: await environment(), latencyMs: lat, queue: { runs: QUEUE_RUNS, agents: AGENTS, seconds, claimsPerSecond: rate, doubles, finished }, targets })}`,
  );
} finally {
  await pool.end();
  await server.stop();
  await db.drop();
}
