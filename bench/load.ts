/**
 * npm run bench:load — a team's day, compressed: 50 simulated trainers each logging 10 metrics every 500 ms and
 * 100 live subscribers (each following 5 runs), for 60 s, keys on (LOG key for trainers, READ for subscribers).
 * Prints p50/p99 of logMetrics and of delivery (mutation sent -> subscriber received), where a p99 request
 * spent its time (the server's Server-Timing split, PostgreSQL wait events, event-loop delay, GC), CPU per
 * request by party, and checks points stored = acknowledged = delivered to every subscriber of the run.
 *
 *   --runs N            N phases back to back (fresh database and server each)
 *   --ramp              raise trainers (2 subscribers per run) until a p99 passes 50 ms or a point is lost
 *   --trainers/--subscribers/--seconds   the shape (env BENCH_TRAINERS, BENCH_SUBSCRIBERS, BENCH_SECONDS)
 *   --step-seconds S    seconds per ramp step (20); --start T, --step T: the ramp's trainers (50, +50)
 *   --warmup S          seconds before each phase's measured window (2): trainers start at once on a fresh
 *                       server; their latencies are printed apart, their points checked like the rest
 * BENCH_SERVER_ROOT=<checkout> runs that checkout's server (it may not send Server-Timing or have /metrics).
 */
import { parseArgs } from 'node:util';
import { intact, type PhaseResult, runPhase, type Shape } from './lib/load-phase.ts';
import { environment, fmt, printLoad, writeResults } from './lib/stats.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    ramp: { type: 'boolean', default: false },
    trainers: { type: 'string', default: process.env.BENCH_TRAINERS ?? '50' },
    subscribers: { type: 'string', default: process.env.BENCH_SUBSCRIBERS ?? '100' },
    seconds: { type: 'string', default: process.env.BENCH_SECONDS ?? '60' },
    'step-seconds': { type: 'string', default: '20' },
    warmup: { type: 'string', default: '2' },
    start: { type: 'string', default: '50' },
    step: { type: 'string', default: '50' },
    'max-trainers': { type: 'string', default: '1000' },
  },
});

const LIMIT_MS = 50;
const f1 = (v: number | null) => (v === null ? '-' : fmt(v, 1));
const f2 = (v: number | null) => (v === null ? '-' : fmt(v, 2));

function printPhase(r: PhaseResult, load: number[]): void {
  const s = r.shape;
  console.log(
    `${s.trainers} trainers (10 metrics / 500 ms) + ${s.subscribers} subscribers x ${s.runsPerSubscriber} runs for ` +
      `${s.seconds} s, keys on: ${r.errors} mutation errors, ${r.subscriptionErrors} subscription errors`,
  );
  if (r.firstError) console.log(`first mutation error: ${r.firstError}`);
  console.log(
    `logMetrics p50 ${fmt(r.mutationP50)} ms, p99 ${fmt(r.mutationP99)} ms over ${r.measuredRequests} requests; ` +
      `delivery p50 ${fmt(r.deliveryP50)} ms, p99 ${fmt(r.deliveryP99)} ms over ${r.deliveries} (after the warm-up)`,
  );
  const w = r.warmup;
  console.log(
    `warm-up (first ${s.warmupSeconds} s, all trainers starting at once on a fresh server): logMetrics p99 ` +
      `${fmt(w.mutationP99)} ms over ${w.requests} requests, delivery p99 ${fmt(w.deliveryP99)} ms; each run's ` +
      `first batch p50 ${fmt(w.firstBatchP50)} / p99 ${fmt(w.firstBatchP99)} ms`,
  );
  console.log(
    `before the clock, each trainer's client connected at once (one \`{ __typename }\` each): ` +
      `p50 ${fmt(r.connectP50)} ms, p99 ${fmt(r.connectP99)} ms`,
  );
  console.log(
    `points: acknowledged ${r.pointsAcknowledged}, in the database ${r.pointsStored} ` +
      `(runs differing: ${r.runsWhereStoredDiffersFromAcknowledged}); deliveries missed: ${r.deliveriesMissed}`,
  );
  const c = r.cpuPerRequestMs;
  console.log(
    `CPU per logMetrics request (incl. its fan-out): server ${f2(c.server)} ms, PostgreSQL ${f2(c.postgres)} ms, ` +
      `client ${f2(c.client)} ms; load average at end ${load.join(' / ')}`,
  );
  const b = r.breakdown;
  console.log('where a logMetrics request spends its time (ms; means over the slowest 1% and over all):');
  for (const [name, p] of [
    ['p99+', b.p99],
    ['all', b.all],
  ] as const)
    console.log(
      `  ${name.padEnd(4)} n=${p.n}: client ${f1(p.clientMs)} = outside the server ${f1(p.outsideServerMs)} ` +
        `(before the handler ${f1(p.beforeHandlerMs)}, after it ${f1(p.afterHandlerMs)}) + ` +
        `server JS ${f1(p.serverJsMs)} + pool wait ${f1(p.poolWaitMs)} + statements ${f1(p.statementsMs)} ` +
        `(${f1(p.statements)} of them; a grouped batch's wait for its group's commit included) + ` +
        `COMMIT ${f1(p.commitMs)}; ${fmt(100 * p.closingShare, 0)}% closed a 16-step bucket, ` +
        `sent ${f1(p.sentSpanS[0]!)}-${f1(p.sentSpanS[1]!)} s into the measured window`,
    );
  console.log(
    `  slowest 1% of deliveries: ${f1(r.deliveryTail.ackMs)} ms until logMetrics answered, then ` +
      `${f1(r.deliveryTail.afterAckMs)} ms to the subscriber`,
  );
  const srv = r.server;
  if (srv) {
    const h = (x: { p50Ms: number; p99Ms: number; maxMs: number }) =>
      `p50 ${f1(x.p50Ms)} / p99 ${f1(x.p99Ms)} / max ${f1(x.maxMs)}`;
    console.log(
      `  server: event-loop delay ${h(srv.eventLoopDelay)} ms; GC ${srv.gc.count} pauses, ${f1(srv.gc.totalMs)} ms ` +
        `in all, max ${f1(srv.gc.maxMs)}; pool wait ${h(srv.poolWait)}; COMMIT ${h(srv.commit)}; ` +
        `${f1(srv.statements / Math.max(1, r.requests))} statements per request (all traffic); ` +
        `${srv.forwardBatches ?? 0} forward batches in ${srv.forwardStatements ?? 0} statements`,
    );
  } else console.log('  server: no /metrics (older server)');
  console.log(`  client event-loop delay ${h2(r.clientLoop)} ms`);
  console.log(
    `  PostgreSQL backends (mean per sample): ${r.waitEvents.map((w) => `${w.what} ${fmt(w.backends, 2)}`).join(', ')}`,
  );
  console.log(
    `  updates per request (HOT ones write no index entry): ${r.hotUpdates
      .map(
        (u) =>
          `${u.table} ${f1(u.updates / Math.max(1, r.requests))} (${fmt((100 * u.hot) / Math.max(1, u.updates), 0)}% HOT)`,
      )
      .join(', ')}`,
  );
  console.log(
    `  WAL (server-wide): ${fmt(r.wal.walBytes / 1024, 0)} kB, ${r.wal.walSync} syncs, ` +
      `${f2(r.wal.perRequest.commits)} commits and ${fmt(r.wal.perRequest.walBytes, 0)} WAL bytes per request`,
  );
}

const h2 = (x: { p50Ms: number; p99Ms: number; maxMs: number }) =>
  `p50 ${f1(x.p50Ms)} / p99 ${f1(x.p99Ms)} / max ${f1(x.maxMs)}`;

async function phases(shape: Shape, runs: number) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    if (runs > 1) console.log(`\n--- run ${i + 1} of ${runs} ---`);
    const start = await printLoad('start');
    const r = await runPhase(shape);
    const end = await printLoad('end');
    printPhase(r, end);
    results.push({ ...r, loadAverage: { start, end } });
  }
  if (runs > 1) {
    console.log('\nrun  logMetrics p50 / p99   delivery p50 / p99   load at start');
    results.forEach((r, i) =>
      console.log(
        `${i + 1}    ${fmt(r.mutationP50)} / ${fmt(r.mutationP99)} ms        ${fmt(r.deliveryP50)} / ` +
          `${fmt(r.deliveryP99)} ms       ${r.loadAverage.start[0]}`,
      ),
    );
  }
  return results;
}

/** Raises trainers until logMetrics or delivery p99 passes 50 ms (or a point is lost): the largest load held. */
type Step = PhaseResult & { loadAverage: { start: number[]; end: number[] }; held: boolean };

async function ramp() {
  const results: Step[] = [];
  let held: Step | null = null;
  for (let trainers = Number(args.start); trainers <= Number(args['max-trainers']); trainers += Number(args.step)) {
    const shape = { trainers, subscribers: Math.ceil((2 * trainers) / 5), runsPerSubscriber: 5 };
    console.log(`\n--- ${trainers} trainers, ${shape.subscribers} subscribers (2 per run) ---`);
    const start = await printLoad('start');
    const r = await runPhase({ ...shape, seconds: Number(args['step-seconds']), warmupSeconds: Number(args.warmup) });
    const end = await printLoad('end');
    printPhase(r, end);
    const ok = intact(r) && r.mutationP99 <= LIMIT_MS && r.deliveryP99 <= LIMIT_MS;
    results.push({ ...r, loadAverage: { start, end }, held: ok });
    if (!ok) break;
    held = results.at(-1)!;
  }
  console.log('\ntrainers  logMetrics p99  delivery p99  lost  CPU ms/request server + PostgreSQL + client  load');
  for (const r of results)
    console.log(
      `${String(r.shape.trainers).padEnd(9)} ${fmt(r.mutationP99).padEnd(15)} ${fmt(r.deliveryP99).padEnd(13)} ` +
        `${String(r.runsWhereStoredDiffersFromAcknowledged + r.deliveriesMissed + r.errors).padEnd(5)} ` +
        `${f2(r.cpuPerRequestMs.server)} + ${f2(r.cpuPerRequestMs.postgres)} + ${f2(r.cpuPerRequestMs.client)}` +
        `${' '.repeat(20)}${r.loadAverage.start[0]}`,
    );
  console.log(
    held
      ? `largest load held at p99 <= ${LIMIT_MS} ms with nothing lost: ${held.shape.trainers} trainers ` +
          `(${held.shape.subscribers} subscribers, ${held.measuredRequests / held.shape.seconds} requests/s)`
      : `no step held p99 <= ${LIMIT_MS} ms`,
  );
  return { results, held: held?.shape.trainers ?? 0 };
}

async function main() {
  const env = await environment();
  console.log(`${env.cpuModel}, ${env.cpus} cores, node ${env.node}`);
  if (process.env.BENCH_SERVER_ROOT) console.log(`server from ${process.env.BENCH_SERVER_ROOT}`);
  if (args.ramp) {
    const r = await ramp();
    await writeResults('load-ramp', { env, ...r });
    return;
  }
  const shape = {
    trainers: Number(args.trainers),
    subscribers: Number(args.subscribers),
    runsPerSubscriber: 5,
    seconds: Number(args.seconds),
    warmupSeconds: Number(args.warmup),
  };
  const results = await phases(shape, Number(args.runs));
  await writeResults('load', { env, results });
  if (results.some((r) => !intact(r))) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
