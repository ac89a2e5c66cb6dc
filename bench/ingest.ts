/**
 * npm run bench:ingest — points/s through the logMetrics mutation over real HTTP.
 * Batches of 1, 100 and 10,000 points (4 keys, increasing steps, ISO wallTime like the trainers send),
 * each at concurrency 1 and BENCH_CONCURRENCY (default 4) clients (one run per client: a run's batches
 * serialise on its row lock), plus "one epoch" (10 keys, one point each) latency at concurrency 1,
 * MLflow's runs/log-batch with 1,000 metrics per request (MLflow's own limit), as MLflow's Python client sends it,
 * and the Python client (python/, run by /usr/bin/python3): points/s through runboard.init/log/finish, and
 * what its background thread adds to a PyTorch training loop logging every step (bench/python-client.py).
 * Figures are medians over BENCH_TRIALS (default 5) trials. Env: BENCH_INPROC=1 runs the server in-process;
 * BENCH_ONLY=graphql,mlflow,python (any of them, comma-separated) runs only those parts.
 */

import { CpuMeter, cpuDelta } from './lib/cpu.ts';
import { createBenchDatabase, pgSettings } from './lib/db.ts';
import { createRunningRuns, GqlClient, KEYS, LOG_METRICS, LOG_METRICS_COLUMNS, makePoints, parse } from './lib/gql.ts';
import { benchPythonClient, type PythonClientResult } from './lib/python-client.ts';
import { startBenchServer } from './lib/server.ts';
import {
  environment,
  fmt,
  median,
  percentile,
  printLoad,
  printTargets,
  round,
  type Target,
  table,
  writeResults,
} from './lib/stats.ts';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const FOUR_KEYS = KEYS.slice(0, 4);
/** Requests per client per trial, by batch size: enough to time, bounded in total. */
const REQUESTS: Record<number, number> = { 1: 300, 100: 150, 10000: 8 };
/** BENCH_ONLY=mlflow (or python, graphql, comma-separated): only those parts (GraphQL takes minutes on a busy box). */
const PARTS = new Set((process.env.BENCH_ONLY ?? 'graphql,mlflow,python').split(',').map((x) => x.trim()));
const GRAPHQL = PARTS.has('graphql');
const MLFLOW = PARTS.has('mlflow');
const PYTHON_PART = PARTS.has('python');

interface TrialResult {
  pointsPerSec: number;
  p50: number;
  p99: number;
  latencies: number[];
}

interface CaseResult {
  case: string;
  batch: number;
  concurrency: number;
  trials: number;
  requestsPerTrial: number;
  pointsPerSec: number; // median over trials
  p50Ms: number; // median over trials of the trial's p50
  p99Ms: number; // median over trials of the trial's p99
  pooledP99Ms: number; // p99 over every request of every trial
  trialPointsPerSec: number[];
  /** CPU ms per 1,000 points over all trials, by party, and the throughput that CPU allows on 2 idle cores. */
  cpuMsPer1kPoints: { server: number; postgres: number; client: number; total: number };
  idleTwoCorePointsPerSec: number;
}

type Mode = 'points' | 'columns' | 'mlflow';
const MLFLOW_LOG_BATCH = '/api/2.0/mlflow/runs/log-batch';

/** MLflow's LogBatch as its Python client serialises it: ms timestamps, int64 steps, one object per metric. */
function mlflowBody(runId: string, points: ReturnType<typeof makePoints>['points']): string {
  return JSON.stringify({
    run_id: runId,
    metrics: points.map((p) => ({ key: p.key, value: p.value, timestamp: Date.parse(p.wallTime), step: p.step })),
  });
}

/** One client logging `requests` batches of `batch` points to its own run; returns each request's latency. */
async function client(
  http: GqlClient,
  runId: string,
  batch: number,
  keys: string[],
  requests: number,
  state: { step: number },
  mode: Mode = 'points',
) {
  const latencies: number[] = [];
  for (let i = 0; i < requests; i++) {
    const { points, nextStep } = makePoints(batch, keys, state.step);
    state.step = nextStep;
    if (mode === 'mlflow') {
      const t0 = performance.now();
      const text = await http.post(mlflowBody(runId, points), MLFLOW_LOG_BATCH);
      latencies.push(performance.now() - t0);
      if (text !== '{}') throw new Error(`log-batch failed: ${text.slice(0, 200)}`);
      continue;
    }
    const body =
      mode === 'columns'
        ? JSON.stringify({
            query: LOG_METRICS_COLUMNS,
            variables: {
              runId,
              columns: {
                keys: points.map((p) => p.key),
                steps: points.map((p) => p.step),
                values: points.map((p) => p.value),
                wallTimes: points.map((p) => p.wallTime),
              },
            },
          })
        : JSON.stringify({ query: LOG_METRICS, variables: { runId, points } });
    const t0 = performance.now();
    const text = await http.post(body);
    latencies.push(performance.now() - t0);
    const data = parse<{ logMetrics: { accepted: number } }>(text);
    if (data.logMetrics.accepted !== batch) throw new Error(`accepted ${data.logMetrics.accepted} of ${batch}`);
  }
  return latencies;
}

async function runCase(
  http: GqlClient,
  cpu: CpuMeter,
  name: string,
  runIds: string[],
  batch: number,
  keys: string[],
  requests: number,
  mode: Mode = 'points',
): Promise<CaseResult> {
  const states = runIds.map(() => ({ step: 0 }));
  // warm-up: JIT, plan caches, pool connections
  await Promise.all(runIds.map((id, i) => client(http, id, batch, keys, Math.min(3, requests), states[i]!, mode)));
  const trials: TrialResult[] = [];
  const cpu0 = await cpu.sample();
  for (let t = 0; t < TRIALS; t++) {
    const t0 = performance.now();
    const per = await Promise.all(runIds.map((id, i) => client(http, id, batch, keys, requests, states[i]!, mode)));
    const seconds = (performance.now() - t0) / 1000;
    const latencies = per.flat();
    trials.push({
      pointsPerSec: (latencies.length * batch) / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      latencies,
    });
  }
  const all = trials.flatMap((t) => t.latencies);
  const used = cpuDelta(cpu0, await cpu.sample());
  const per1k = (ms: number) => round((ms / (all.length * batch)) * 1000, 2);
  const totalMs = used.serverMs + used.postgresMs + used.clientMs;
  const r: CaseResult = {
    case: name,
    batch,
    concurrency: runIds.length,
    trials: TRIALS,
    requestsPerTrial: requests * runIds.length,
    pointsPerSec: round(median(trials.map((t) => t.pointsPerSec)), 0),
    p50Ms: round(median(trials.map((t) => t.p50))),
    p99Ms: round(median(trials.map((t) => t.p99))),
    pooledP99Ms: round(percentile(all, 99)),
    trialPointsPerSec: trials.map((t) => round(t.pointsPerSec, 0)),
    cpuMsPer1kPoints: {
      server: per1k(used.serverMs),
      postgres: per1k(used.postgresMs),
      client: per1k(used.clientMs),
      total: per1k(totalMs),
    },
    idleTwoCorePointsPerSec: round((2 * all.length * batch) / (totalMs / 1000), 0),
  };
  console.log(
    `${name.padEnd(14)} batch=${String(batch).padStart(5)} c=${r.concurrency}: ${fmt(r.pointsPerSec, 0).padStart(9)} points/s, ` +
      `p50 ${fmt(r.p50Ms, 2)} ms, p99 ${fmt(r.p99Ms, 2)} ms (trials: ${r.trialPointsPerSec.map((x) => fmt(x, 0)).join(', ')}); ` +
      `CPU ms/1k points server ${r.cpuMsPer1kPoints.server} + postgres ${r.cpuMsPer1kPoints.postgres} + client ${r.cpuMsPer1kPoints.client}`,
  );
  return r;
}

async function main() {
  const db = await createBenchDatabase('ingest');
  const server = await startBenchServer(db.url, 'ingest').catch(async (err) => {
    await db.drop();
    throw err;
  });
  const http = new GqlClient(server.url, 64);
  const cpu = new CpuMeter(server.mode === 'child' ? server.pid : -1, db.name);
  await cpu.start();
  console.log(
    `bench:ingest — server ${server.mode} pid ${server.pid} at ${server.url}, db ${db.name}, ${TRIALS} trials per case, NODE_ENV=${process.env.NODE_ENV ?? ''}`,
  );
  console.log(`CPU: ${(await environment()).cpuModel}`);
  const loadBefore = await printLoad('start');
  try {
    const results: CaseResult[] = [];
    for (const batch of GRAPHQL ? [1, 100, 10_000] : []) {
      for (const c of [...new Set([1, CONCURRENCY])]) {
        const runs = await createRunningRuns(http, `ingest-${batch}-c${c}`, c);
        results.push(await runCase(http, cpu, `batch-${batch}`, runs, batch, FOUR_KEYS, REQUESTS[batch]!));
      }
    }
    // The same 10k batches as parallel columns (logMetrics(columns:)): what a trainer flushing a backlog sends.
    for (const c of GRAPHQL ? [...new Set([1, CONCURRENCY])] : []) {
      const runs = await createRunningRuns(http, `ingest-columns-c${c}`, c);
      results.push(await runCase(http, cpu, 'columns-10000', runs, 10_000, FOUR_KEYS, REQUESTS[10_000]!, 'columns'));
    }
    // MLflow clients (mlflow.log_metrics, autologging) through runs/log-batch: 1,000 metrics per request.
    const mlflowCases: CaseResult[] = [];
    for (const c of MLFLOW ? [...new Set([1, CONCURRENCY])] : []) {
      const runs = await createRunningRuns(http, `ingest-mlflow-c${c}`, c);
      mlflowCases.push(await runCase(http, cpu, 'mlflow-1000', runs, 1000, FOUR_KEYS, 80, 'mlflow'));
    }
    results.push(...mlflowCases);
    const [epochRun] = GRAPHQL ? await createRunningRuns(http, 'ingest-epoch', 1) : [];
    const epoch = epochRun ? await runCase(http, cpu, 'one-epoch', [epochRun], KEYS.length, KEYS, 200) : null;
    if (epoch) results.push(epoch);
    const python = PYTHON_PART ? await benchPythonClient(server.url, TRIALS) : null;

    console.log(
      '\n' +
        table(
          [
            'case',
            'batch',
            'clients',
            'points/s (median)',
            'p50 ms',
            'p99 ms',
            'pooled p99 ms',
            'CPU ms/1k pts srv+pg+cli',
            'points/s on 2 idle cores*',
          ],
          [
            ...results.map((r) => [
              r.case,
              r.batch,
              r.concurrency,
              fmt(r.pointsPerSec, 0),
              r.p50Ms,
              r.p99Ms,
              r.pooledP99Ms,
              `${r.cpuMsPer1kPoints.server}+${r.cpuMsPer1kPoints.postgres}+${r.cpuMsPer1kPoints.client}`,
              fmt(r.idleTwoCorePointsPerSec, 0),
            ]),
            // run.log() of 4 keys per call, batched by the client's thread; end to end (log -> finish returned)
            ...(python
              ? [
                  [
                    'python-client',
                    `${python.ingest.keys}/call`,
                    1,
                    fmt(python.ingest.points_per_s, 0),
                    '-',
                    '-',
                    '-',
                    '-',
                    '-',
                  ],
                ]
              : []),
          ],
        ),
    );
    console.log(
      '* 2 cores / CPU per point (server + its PostgreSQL backends + this client): what the work needs, whatever else runs on the box.',
    );
    const big = results.filter((r) => r.batch >= 1000).sort((a, b) => b.pointsPerSec - a.pointsPerSec)[0];
    const bestMlflow = Math.max(...mlflowCases.map((r) => r.pointsPerSec));
    printMlflowRatios(results);
    const targets: Target[] = [
      ...(GRAPHQL && big
        ? [
            {
              name: `10k-point batches, best of c=1/c=${CONCURRENCY} (${big.case}, c=${big.concurrency})`,
              target: '>= 100,000 points/s',
              measured: big.pointsPerSec,
              unit: 'points/s',
              pass: big.pointsPerSec >= 100_000,
            },
          ]
        : []),
      ...(mlflowCases.length
        ? [
            {
              name: `MLflow runs/log-batch, 1,000 metrics per request, best of c=1/c=${CONCURRENCY}`,
              target: '>= 50,000 points/s',
              measured: bestMlflow,
              unit: 'points/s',
              pass: bestMlflow >= 50_000,
            },
          ]
        : []),
      ...(epoch
        ? [
            {
              name: 'one epoch (10 points) p99',
              target: '<= 20 ms',
              measured: epoch.p99Ms,
              unit: 'ms',
              pass: epoch.p99Ms <= 20,
            },
          ]
        : []),
    ];
    if (python) {
      printPython(python);
      targets.push({
        name: 'Python client: training loop time added (median of paired wall-time ratios)',
        target: '< 5%',
        measured: round(python.overhead.overhead_pct, 1),
        unit: '%',
        pass: python.overhead.overhead_pct < 5,
      });
    }
    const loadAfter = await printLoad('end');
    printTargets('bench:ingest', targets);
    if (big)
      console.log(
        `(${big.case}, c=${big.concurrency}: CPU ${big.cpuMsPer1kPoints.total} ms per 1k points = server ${big.cpuMsPer1kPoints.server} + PostgreSQL ` +
          `${big.cpuMsPer1kPoints.postgres} + client ${big.cpuMsPer1kPoints.client}; on 2 otherwise idle cores that is ~${fmt(big.idleTwoCorePointsPerSec, 0)} points/s.)`,
      );
    console.log(`Load average during the run: ${loadBefore.join(' ')} -> ${loadAfter.join(' ')} (1, 5, 15 min).`);
    const file = await writeResults('ingest', {
      bench: 'ingest',
      environment: {
        ...(await environment()),
        serverMode: server.mode,
        postgres: await pgSettings(db.url),
        loadBefore,
        loadAfter,
      },
      config: {
        trials: TRIALS,
        concurrency: CONCURRENCY,
        requestsPerClientPerTrial: REQUESTS,
        keys: FOUR_KEYS,
        epochKeys: KEYS,
      },
      results,
      python,
      targets,
    });
    console.log(`\nresults written to ${file}`);
  } finally {
    await cpu.stop();
    http.close();
    await server.stop();
    await db.drop();
  }
}

/** MLflow log-batch beside the GraphQL paths measured in the same run, at the same client count. */
function printMlflowRatios(results: CaseResult[]) {
  for (const m of results.filter((r) => r.case === 'mlflow-1000')) {
    const peers = results.filter((r) => r.concurrency === m.concurrency && r.batch >= 1000 && r !== m);
    if (!peers.length) continue;
    const parts = peers.map(
      (p) =>
        `${p.case} ${fmt(p.pointsPerSec, 0)} (x${round(m.pointsPerSec / p.pointsPerSec, 2)}; CPU/pt x${round(m.cpuMsPer1kPoints.total / p.cpuMsPer1kPoints.total, 2)})`,
    );
    console.log(`mlflow-1000 at c=${m.concurrency}: ${fmt(m.pointsPerSec, 0)} points/s vs ${parts.join(', ')}`);
  }
}

/** The Python client: ingest, then the training loop without and with it, pair by pair, side by side. */
function printPython(python: PythonClientResult) {
  const o = python.overhead;
  console.log(
    `python-client: ${fmt(python.ingest.points_per_s, 0)} points/s end to end (trials ${python.ingest.trial_points_per_s.map((x) => fmt(x, 0)).join(', ')}), ` +
      `run.log() ${round(python.ingest.log_us_per_call)} us per call of ${python.ingest.keys} keys.`,
  );
  console.log(
    `python overhead on a training loop (${o.loop}, ${o.steps} steps, 2 points logged per step, client flushing every ${o.flush_s} s, ` +
      `${o.pinned_cpu === null ? 'not pinned' : `pinned to core ${o.pinned_cpu}`}), ${o.pairs} interleaved pairs:`,
  );
  const perStep = (s: number) => ((s / o.steps) * 1000).toFixed(3);
  console.log(
    table(
      ['pair', 'without ms/step', 'with ms/step', 'with / without'],
      o.trials_without_s.map((w, i) => [i + 1, perStep(w), perStep(o.trials_with_s[i]!), o.pair_ratios[i]!.toFixed(3)]),
    ),
  );
  console.log(
    `median of pair ratios ${round(o.overhead_pct, 1)}% | ratio of medians ${round(o.median_ratio_pct, 1)}% (${round(o.without_s)} s -> ${round(o.with_s)} s) | ` +
      `CPU with/without per pair (training + sender thread), median ${round(o.cpu_overhead_pct, 1)}% | ` +
      `training thread inside run.log() ${round(o.in_log_pct, 2)}% of the loop, sender thread CPU ${round(o.sender_cpu_pct, 2)}% of the loop's CPU.`,
  );
  console.log(
    `per step: wall ${round(o.wall_us_per_step_without, 1)} -> ${round(o.wall_us_per_step_with, 1)} us, ` +
      `process CPU (training + sender thread) ${round(o.proc_cpu_us_per_step_without, 1)} -> ${round(o.proc_cpu_us_per_step_with, 1)} us ` +
      `(median of pair ratios +${round(o.proc_cpu_overhead_pct, 1)}%), inside run.log() ${round(o.log_us_per_step, 2)} us; ` +
      `run.finish() after the loop ${round(o.finish_s * 1000, 1)} ms.`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
