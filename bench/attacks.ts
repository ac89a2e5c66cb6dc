/**
 * `npm run bench:attacks`: every hostile shape of issues 9 and 20 against a live server (its own process, keys
 * on), while a probe (in its own thread) sends `{ __typename }` back to back. For each shape: how it was
 * answered, the time to that answer (p50/p99), server + PostgreSQL CPU per attack request, and the probe's
 * p50/p99 during it next to the probe's baseline (no attack), as a ratio. Prints the CPU model and load average:
 * on a busy machine compare ratios and CPU ms, not absolute times.
 *
 * BENCH_ATTACKS (default 10) requests per shape; BENCH_KEYS (20000) metric keys on the big run (the issue: 200000);
 * BENCH_BODY_MB (57) for the anonymous body; BENCH_SOCKETS (100) slow connections; BENCH_SERVER_ROOT=<checkout>
 * runs another checkout's server (before/after); BENCH_SHAPE=<part of a shape's name> runs only the shapes
 * whose name contains it (e.g. BENCH_SHAPE='{ metrics }'); BENCH_SERVER_START_S (120) for a slow boot on a loaded
 * machine. The "wrong keys" shape sends X-Forwarded-For (believed from loopback) so it stands for a remote
 * attacker while the probe keeps its own address.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Answer, APQ_QUERY, apqHash, shapes, type Target } from './lib/attacks.ts';
import { CpuMeter, cpuDelta } from './lib/cpu.ts';
import { createBenchDatabase } from './lib/db.ts';
import { createRunningRuns, GqlClient } from './lib/gql.ts';
import { startBenchServer } from './lib/server.ts';
import { fmt, printLoad, sleep, summary, table } from './lib/stats.ts';

const REPEAT = Number(process.env.BENCH_ATTACKS ?? 10);
const KEY_COUNT = Number(process.env.BENCH_KEYS ?? 20_000);
const BODY_BYTES = Number(process.env.BENCH_BODY_MB ?? 57) * 1e6;
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 100);
/** BENCH_SHAPE=<text>: only the shapes whose name contains it (one shape, profiled or compared side by side). */
const ONLY = process.env.BENCH_SHAPE ?? '';
const ADMIN = `bench-attacks-admin-${'0'.repeat(24)}`;

/**
 * Sends `{ __typename }` back to back with the admin key, from a worker thread: the attacks' own client work (a 2 MB
 * WebSocket message is built and masked here, 5,000 aliases serialised) would otherwise delay the probe in this
 * event loop and be counted as the server's. Each latency goes to the phase current when it was measured.
 */
class Probe {
  readonly samples = new Map<string, number[]>();
  private readonly worker: Worker;
  private current = 'baseline';

  constructor(url: string) {
    this.worker = new Worker(PROBE_WORKER, { eval: true, workerData: { url, key: ADMIN } });
    this.worker.on('message', (m: { phase: string; ms: number }) => {
      const list = this.samples.get(m.phase) ?? [];
      list.push(m.ms);
      this.samples.set(m.phase, list);
    });
  }

  get phase() {
    return this.current;
  }

  set phase(p: string) {
    this.current = p;
    this.worker.postMessage(p);
  }

  start() {
    this.worker.postMessage(this.current);
  }

  async stop() {
    this.worker.postMessage(null);
    await new Promise((r) => this.worker.once('exit', r));
  }
}

/** The probe loop (plain JS, run by a Worker): phase names arrive as messages, null stops it. */
const PROBE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
let phase = null;
let stopped = false;
parentPort.on('message', (p) => { if (p === null) stopped = true; else phase = p; });
(async () => {
  while (phase === null && !stopped) await new Promise((r) => setTimeout(r, 5));
  while (!stopped) {
    const at = phase;
    const t = performance.now();
    await fetch(workerData.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + workerData.key },
      body: '{"query":"{ __typename }"}',
    }).then((r) => r.text());
    parentPort.postMessage({ phase: at, ms: performance.now() - t });
    await new Promise((r) => setTimeout(r, 5));
  }
  parentPort.close();
})();
`;

async function setUp(url: string, wsUrl: string): Promise<Target> {
  const admin = new GqlClient(url, 4, ADMIN);
  const key = async (scope: string) =>
    (
      await admin.gql(`mutation($s: [ApiKeyScope!]!) { createApiKey(input: { name: "bench", scopes: $s }) { key } }`, {
        s: [scope],
      })
    ).createApiKey.key as string;
  const [readKey, logKey] = [await key('READ'), await key('LOG')];
  const runs = await createRunningRuns(admin, 'big', 20);
  const steps = Array.from({ length: 2000 }, (_, i) => i);
  for (const runId of runs.slice(1))
    await admin.gql(`mutation($r: ID!, $c: MetricColumnsInput) { logMetrics(runId: $r, columns: $c) { accepted } }`, {
      r: runId,
      c: { keys: steps.map(() => 'loss'), steps, values: steps.map((i) => 1 / (i + 1)) },
    });
  // At most 10,000 distinct keys per logMetrics request.
  for (let from = 0; from < KEY_COUNT; from += 10_000) {
    const keys = Array.from({ length: Math.min(10_000, KEY_COUNT - from) }, (_, i) => `k${from + i}`);
    await admin.gql(`mutation($r: ID!, $c: MetricColumnsInput) { logMetrics(runId: $r, columns: $c) { accepted } }`, {
      r: runs[0],
      c: { keys, steps: keys.map(() => 0), values: keys.map((_, i) => from + i) },
    });
  }
  // The persisted query of attack 3(a), registered with harmless variables.
  const reg = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${readKey}` },
    body: JSON.stringify({ query: APQ_QUERY, variables: { n: 2, m: 2 }, extensions: { persistedQuery: apqHash } }),
  });
  if (reg.status !== 200) throw new Error(`registering the persisted query: HTTP ${reg.status} ${await reg.text()}`);
  admin.close();
  return { url, wsUrl, readKey, logKey, bigRunId: runs[0]!, seriesRunIds: runs.slice(1, 4) };
}

/** Runs `count` x `parallel` attacks; returns the answers seen and each one's time to its answer. */
async function attack(t: Target, count: number, parallel: number, send: (t: Target) => Promise<Answer>) {
  const times: number[] = [];
  const answers = new Map<string, number>();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        const { answer } = await send(t).catch((e: Error) => ({ answer: `error ${e.message.slice(0, 40)}` }));
        times.push(performance.now() - t0);
        answers.set(answer, (answers.get(answer) ?? 0) + 1);
      }
    }),
  );
  return { times, answers: [...answers].map(([a, n]) => `${a} x${n}`).join(', ') };
}

const db = await createBenchDatabase('attacks');
const server = await startBenchServer(db.url, 'attacks', ADMIN);
const cpu = new CpuMeter(server.pid, db.name);
try {
  console.log(`CPU: ${os.cpus()[0]?.model} x ${os.cpus().length}; node ${process.version}; server ${server.mode}`);
  const target = await setUp(server.url, server.wsUrl);
  await cpu.start();
  const probe = new Probe(server.url);
  probe.start();
  const load = [await printLoad('before')];
  // The worker may take seconds to start on a loaded machine: the baseline is 2 s of samples once it answers.
  for (let i = 0; i < 600 && !probe.samples.get('baseline')?.length; i++) await sleep(50);
  await sleep(2000);
  const base = summary(probe.samples.get('baseline') ?? [0]);
  const rows: (string | number)[][] = [['(no attack)', '', '', '', '', base.n, fmt(base.p50), fmt(base.p99), '1.0']];
  const chosen = shapes({ repeat: REPEAT, bodyBytes: BODY_BYTES, sockets: SOCKETS }).filter((s) =>
    s.name.includes(ONLY),
  );
  for (const shape of chosen) {
    probe.phase = shape.name;
    const before = await cpu.sample();
    const { times, answers } = await attack(target, shape.count, shape.parallel, shape.send);
    const used = cpuDelta(before, await cpu.sample());
    const s = summary(times);
    const p = summary(probe.samples.get(shape.name) ?? [Number.NaN]);
    const cpuPer = (used.serverMs + used.postgresMs) / times.length;
    rows.push([
      shape.name,
      answers,
      fmt(s.p50),
      fmt(s.p99),
      fmt(cpuPer),
      p.n,
      fmt(p.p50),
      fmt(p.p99),
      fmt(p.p99 / base.p99),
    ]);
    probe.phase = 'between';
    await sleep(300);
  }
  await probe.stop();
  load.push(await printLoad('after'));
  console.log(
    table(
      [
        'attack',
        'answers',
        'answer p50 ms',
        'p99 ms',
        'server+pg CPU ms/req',
        'probes',
        'probe p50 ms',
        'probe p99 ms',
        'probe p99 / baseline',
      ],
      rows,
    ),
  );
} finally {
  await cpu.stop();
  await server.stop();
  await db.drop();
}
