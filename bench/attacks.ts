/**
 * `npx tsx bench/attacks.ts` (a `bench:attacks` script for the lead to add): the request shapes of issue 9
 * that used to stall the server, each sent BENCH_ATTACKS times (default 15) to a server in its own process,
 * with /healthz polled meanwhile. Prints the median and p99 time to the refusal, its code, and /healthz
 * latency during the attacks. Before the fix: fan-out 42 s, 6 x metricSeries 97 s (527 MB).
 */
import { createBenchDatabase } from './lib/db.ts';
import { startBenchServer } from './lib/server.ts';
import { fmt, printLoad, summary, table } from './lib/stats.ts';

const N = Number(process.env.BENCH_ATTACKS ?? 15);

function fanOut(n: number): string {
  const frags = [`fragment F0 on Query { experiments { id name runs { nodes { id } } } }`];
  for (let i = 1; i <= n; i++) frags.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`);
  return `query { ...F${n} } ${frags.join(' ')}`;
}

const db = await createBenchDatabase('attacks');
const server = await startBenchServer(db.url, 'attacks');
const post = async (query: string, variables?: unknown) => {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
};
try {
  const runIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = (await post(`mutation { createRun(input: { experimentName: "bench" }) { id } }`)) as any;
    runIds.push(r.data.createRun.id);
  }
  const series = Array.from(
    { length: 6 },
    (_, i) => `s${i}: metricSeries(runIds: $ids, keys: ["loss", "acc"], maxPoints: 100000) { key }`,
  ).join(' ');
  const attacks: [string, string, unknown][] = [
    ['fragment fan-out F0..F24', fanOut(24), undefined],
    [
      'first: $var (500 x 500)',
      `query($n: Int) { runs(first: $n) { nodes { id history(key: "loss", first: $n) { step } } } }`,
      { n: 500 },
    ],
    ['6 x metricSeries(maxPoints: 100000)', `query($ids: [ID!]!) { ${series} }`, { ids: runIds }],
    [
      '5,000 aliases of one field',
      `{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: experiments { id }`).join(' ')} }`,
      undefined,
    ],
  ];
  await printLoad('before');
  const healthz = server.url.replace('/graphql', '/healthz');
  const health: number[] = [];
  let stop = false;
  const poller = (async () => {
    while (!stop) {
      const t = performance.now();
      await fetch(healthz);
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const rows: (string | number)[][] = [];
  for (const [name, query, variables] of attacks) {
    const times: number[] = [];
    let code = '';
    for (let i = 0; i < N; i++) {
      const t = performance.now();
      const res = await post(query, variables);
      times.push(performance.now() - t);
      code = String(res.errors?.[0]?.extensions?.code ?? 'ok');
    }
    const s = summary(times);
    rows.push([name, code, fmt(s.p50), fmt(s.p99)]);
  }
  stop = true;
  await poller;
  const h = summary(health);
  console.log(table(['attack', 'answer', 'p50 ms', 'p99 ms'], rows));
  console.log(`/healthz during the attacks: ${health.length} probes, p50 ${fmt(h.p50)} ms, p99 ${fmt(h.p99)} ms`);
  await printLoad('after');
} finally {
  await server.stop();
  await db.drop();
}
