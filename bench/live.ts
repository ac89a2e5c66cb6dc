/**
 * npm run bench:live — latency from a logMetrics mutation returning (HTTP response read by the client)
 * to each of 100 graphql-ws subscribers (one WebSocket each) receiving its metricsLogged event.
 * Each mutation is one epoch (10 keys, one point each); the next one is sent once every subscriber got the
 * previous event (plus BENCH_LIVE_GAP_MS, default 5 ms). BENCH_TRIALS (default 3) x 200 mutations.
 * Latency can be negative when the event is read before the mutation's response.
 */
import type { Client } from 'graphql-ws';
import { CpuMeter, cpuDelta } from './lib/cpu.ts';
import { createBenchDatabase, pgSettings } from './lib/db.ts';
import { createRunningRuns, GqlClient, KEYS, LOG_METRICS, makePoints, parse } from './lib/gql.ts';
import { startBenchServer, wsClient } from './lib/server.ts';
import {
  environment,
  fmt,
  median,
  percentile,
  printLoad,
  printTargets,
  round,
  sleep,
  summary,
  type Target,
  table,
  writeResults,
} from './lib/stats.ts';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100);
const MUTATIONS = Number(process.env.BENCH_MUTATIONS ?? 200);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
const GAP_MS = Number(process.env.BENCH_LIVE_GAP_MS ?? 5);
const SUBSCRIPTION = `subscription Live($runIds: [ID!]!) {
  metricsLogged(runIds: $runIds) { runId seq points { key step value wallTime } }
}`;

interface Sent {
  sentAt: number;
  returnedAt: number;
  received: number[]; // receive times, one per subscriber
  done: () => void;
}

async function main() {
  const db = await createBenchDatabase('live');
  const server = await startBenchServer(db.url, 'live').catch(async (err) => {
    await db.drop();
    throw err;
  });
  const http = new GqlClient(server.url);
  const clients: Client[] = [];
  const disposers: (() => void)[] = [];
  console.log(
    `bench:live — server ${server.mode} pid ${server.pid}, ${SUBSCRIBERS} subscribers, ${TRIALS} x ${MUTATIONS} mutations`,
  );
  const loadBefore = await printLoad('start');
  try {
    const [runId] = await createRunningRuns(http, 'live', 1);
    const bySeq = new Map<number, Sent>();
    const early = new Map<number, number[]>(); // events that beat the mutation response
    let errors = 0;
    const firstSeen = new Set<number>();
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const client = wsClient(server.wsUrl);
      clients.push(client);
      disposers.push(
        client.subscribe<{ metricsLogged: { seq: number; points: unknown[] } }>(
          { query: SUBSCRIPTION, variables: { runIds: [runId] } },
          {
            next: (msg) => {
              const now = performance.now();
              if (msg.errors?.length || !msg.data) return void errors++;
              firstSeen.add(i);
              const seq = msg.data.metricsLogged.seq;
              const sent = bySeq.get(seq);
              if (!sent) return void (early.get(seq) ?? early.set(seq, []).get(seq)!).push(now);
              sent.received.push(now);
              if (sent.received.length === SUBSCRIBERS) sent.done();
            },
            error: (e) => {
              errors++;
              console.error('subscription error', e);
            },
            complete: () => {},
          },
        ),
      );
    }
    let step = 0;
    const log = async () => {
      const { points, nextStep } = makePoints(KEYS.length, KEYS, step);
      step = nextStep;
      const body = JSON.stringify({ query: LOG_METRICS, variables: { runId, points } });
      const sentAt = performance.now();
      const text = await http.post(body);
      const returnedAt = performance.now();
      return { seq: parse<{ logMetrics: { seq: number } }>(text).logMetrics.seq, sentAt, returnedAt };
    };
    // warm-up: until every subscriber is live (subscriptions start asynchronously)
    const warmupStart = performance.now();
    while (firstSeen.size < SUBSCRIBERS) {
      if (performance.now() - warmupStart > 30_000)
        throw new Error(`only ${firstSeen.size} subscribers live after 30 s`);
      await log();
      await sleep(50);
    }
    await sleep(200);
    const cpu = new CpuMeter(server.mode === 'child' ? server.pid : -1, db.name);
    await cpu.start();
    const cpu0 = await cpu.sample();
    const trials: {
      p50: number;
      p99: number;
      lastP99: number;
      samples: number[];
      lastPerMutation: number[];
      fromSend: number[];
    }[] = [];
    const mutationMs: number[] = []; // the logging client's own round trip while the subscribers listen
    let timeouts = 0;
    for (let t = 0; t < TRIALS; t++) {
      const samples: number[] = [];
      const lastPerMutation: number[] = [];
      const fromSend: number[] = [];
      for (let m = 0; m < MUTATIONS; m++) {
        const { seq, sentAt, returnedAt } = await log();
        mutationMs.push(returnedAt - sentAt);
        let done!: () => void;
        const all = new Promise<void>((r) => (done = r));
        const sent: Sent = { sentAt, returnedAt, received: early.get(seq) ?? [], done };
        early.delete(seq);
        bySeq.set(seq, sent);
        if (sent.received.length === SUBSCRIBERS) done();
        const timer = sleep(5000).then(() => 'timeout');
        if ((await Promise.race([all, timer])) === 'timeout') timeouts++;
        bySeq.delete(seq);
        for (const r of sent.received) {
          samples.push(r - returnedAt);
          fromSend.push(r - sentAt);
        }
        lastPerMutation.push(Math.max(...sent.received) - returnedAt);
        if (GAP_MS) await sleep(GAP_MS);
      }
      trials.push({
        p50: percentile(samples, 50),
        p99: percentile(samples, 99),
        lastP99: percentile(lastPerMutation, 99),
        samples,
        lastPerMutation,
        fromSend,
      });
      console.log(
        `trial ${t + 1}: ${samples.length} deliveries, p50 ${fmt(percentile(samples, 50), 2)} ms, p99 ${fmt(percentile(samples, 99), 2)} ms, ` +
          `slowest subscriber per mutation p99 ${fmt(percentile(lastPerMutation, 99), 2)} ms`,
      );
    }
    const used = cpuDelta(cpu0, await cpu.sample());
    await cpu.stop();
    const n = TRIALS * MUTATIONS;
    const cpuPerMutation = {
      serverMs: round(used.serverMs / n),
      postgresMs: round(used.postgresMs / n),
      clientMs: round(used.clientMs / n),
    };
    console.log(
      `CPU per mutation + fan-out to ${SUBSCRIBERS}: server ${cpuPerMutation.serverMs} ms, PostgreSQL ${cpuPerMutation.postgresMs} ms, client (all subscribers) ${cpuPerMutation.clientMs} ms`,
    );
    const pooled = summary(trials.flatMap((t) => t.samples));
    const fromSend = summary(trials.flatMap((t) => t.fromSend));
    const last = summary(trials.flatMap((t) => t.lastPerMutation));
    const mutation = summary(mutationMs);
    const result = {
      subscribers: SUBSCRIBERS,
      mutationsPerTrial: MUTATIONS,
      trials: TRIALS,
      p50Ms: round(median(trials.map((t) => t.p50))),
      p99Ms: round(median(trials.map((t) => t.p99))),
      slowestSubscriberP99Ms: round(median(trials.map((t) => t.lastP99))),
      pooledFromResponseMs: pooled,
      pooledFromSendMs: fromSend,
      slowestPerMutationMs: last,
      mutationRoundTripMs: mutation,
      missedDeliveries: TRIALS * MUTATIONS * SUBSCRIBERS - trials.reduce((a, t) => a + t.samples.length, 0),
      timeouts,
      errors,
      cpuPerMutation,
    };
    console.log(
      '\n' +
        table(
          ['measure (ms)', 'n', 'min', 'p50', 'p90', 'p99', 'max'],
          [
            ['response -> subscriber', pooled.n, pooled.min, pooled.p50, pooled.p90, pooled.p99, pooled.max],
            ['send -> subscriber', fromSend.n, fromSend.min, fromSend.p50, fromSend.p90, fromSend.p99, fromSend.max],
            ['response -> last of 100', last.n, last.min, last.p50, last.p90, last.p99, last.max],
            ['logMetrics round trip', mutation.n, mutation.min, mutation.p50, mutation.p90, mutation.p99, mutation.max],
          ],
        ),
    );
    console.log(`missed deliveries ${result.missedDeliveries}, timeouts ${timeouts}, errors ${errors}`);
    const targets: Target[] = [
      {
        name: `delivery to ${SUBSCRIBERS} subscribers p99 (median of trials)`,
        target: '<= 50 ms',
        measured: result.p99Ms,
        unit: 'ms',
        pass: result.p99Ms <= 50 && result.missedDeliveries === 0,
      },
    ];
    const loadAfter = await printLoad('end');
    printTargets('bench:live', targets);
    const file = await writeResults('live', {
      bench: 'live',
      environment: {
        ...(await environment()),
        serverMode: server.mode,
        postgres: await pgSettings(db.url),
        loadBefore,
        loadAfter,
      },
      config: {
        subscribers: SUBSCRIBERS,
        mutations: MUTATIONS,
        trials: TRIALS,
        gapMs: GAP_MS,
        pointsPerMutation: KEYS.length,
      },
      result,
      targets,
    });
    console.log(`\nresults written to ${file}`);
  } finally {
    disposers.forEach((d) => d());
    await Promise.all(clients.map((c) => c.dispose()));
    http.close();
    await server.stop();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
