// Issue 20, part 3: one cost model no request can dodge. A persisted query sent as its hash alone, a variable's
// default, and Run.metrics over a run with many keys are all costed on what will really run, and refused with
// QUERY_TOO_COMPLEX before the work. Small shapes (a lower MAX_QUERY_COST, a 1,000-key run) keep it fast; the
// same shapes at the size, with a concurrent probe, are in `npm run bench:attacks`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { assertOk, runPython } from '../python/helpers.ts';

let s: TestServer;
let big: string;
let small: string;
const COST = 5_000;
const KEYS = 1_000;

before(async () => {
  s = await startTestServer({ maxQueryCost: COST });
  const run = async (n: number) => {
    const { createRun } = await s.gql(`mutation { createRun(input: { experimentName: "big" }) { id } }`);
    await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: createRun.id });
    const keys = Array.from({ length: n }, (_, i) => `k${i}`);
    await s.gql(`mutation($id: ID!, $c: MetricColumnsInput) { logMetrics(runId: $id, columns: $c) { accepted } }`, {
      id: createRun.id,
      c: { keys, steps: keys.map(() => 0), values: keys.map((_, i) => i) },
    });
    return createRun.id as string;
  };
  small = await run(3);
  big = await run(KEYS);
});
after(() => s.close());

async function post(body: unknown) {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { data?: any; errors?: any[] } };
}

const HISTORY = `query($n: Int, $m: Int) { runs(filter: { experimentName: "big" }, first: $n) {
  nodes { history(key: "k1", first: $m) { step value wallTime } } } }`;

test('3(a): a persisted query sent as its hash alone is costed with the variables it runs with', async () => {
  const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(HISTORY).digest('hex') };
  // Registered with small variables: cheap, answered.
  const reg = await post({ query: HISTORY, variables: { n: 2, m: 2 }, extensions: { persistedQuery } });
  assert.equal(reg.json.errors, undefined, JSON.stringify(reg.json.errors));
  // The hash alone with the variables: 20 x 100,000 points is refused before anything runs.
  const hashOnly = await post({ variables: { n: 20, m: 100_000 }, extensions: { persistedQuery } });
  assert.equal(hashOnly.json.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX', JSON.stringify(hashOnly.json));
  assert.equal(hashOnly.json.data, undefined);
  assert.equal(hashOnly.status, 400);
  // The same hash with small variables still runs: persisted queries work, they are just costed.
  const ok = await post({ variables: { n: 2, m: 2 }, extensions: { persistedQuery } });
  assert.equal(ok.json.errors, undefined, JSON.stringify(ok.json.errors));
  assert.equal(ok.json.data.runs.nodes.length, 2);
});

test("3(a): a variable's default counts when the request leaves the variable out", async () => {
  // Costed with the field's own default (50) this is 552; it runs with 500: 5,502, over the limit.
  const q = `query($n: Int = 500) { runs(first: $n) {
    nodes { id name status seq createdAt startedAt finishedAt notes tags exitCode } } }`;
  const res = await post({ query: q });
  assert.equal(res.json.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX', JSON.stringify(res.json));
  const ok = await post({ query: q, variables: { n: 5 } });
  assert.equal(ok.json.errors, undefined, JSON.stringify(ok.json.errors));
});

test("3(b): Run.metrics is charged by the run's real key count, before its summaries are read", async () => {
  const page = (alias: string) => `${alias}: runs(first: 50) { nodes { id metrics { key lastValue min max count } } }`;
  // One page over a 3-key and a 1,000-key run: 1,000 x 6 is over 5,000, refused with the stable code.
  const one = await s.request(`{ ${page('a')} }`);
  assert.equal(one.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX', JSON.stringify(one.errors));
  assert.match(one.errors![0].message, /1000 keys/);
  // The shape: ten aliases of that page; refused, nothing of the big run returned.
  const ten = await s.request(`{ ${Array.from({ length: 10 }, (_, i) => page(`a${i}`)).join(' ')} }`);
  assert.ok(
    ten.errors?.every((e) => e.extensions.code === 'QUERY_TOO_COMPLEX'),
    JSON.stringify(ten.errors),
  );
  assert.ok(!JSON.stringify(ten.data ?? null).includes('"k999"'));
  // A run with few keys answers as before; so do named keys and one key of the big run.
  const { run } = await s.gql(`query($id: ID!) { run(id: $id) { metrics { key lastValue } } }`, { id: small });
  assert.deepEqual(
    run.metrics.map((m: any) => m.key),
    ['k0', 'k1', 'k2'],
  );
  const named = await s.gql(
    `query($id: ID!) { run(id: $id) { metrics(keys: ["k7", "k999"]) { key lastValue } metric(key: "k5") { lastValue } } }`,
    {
      id: big,
    },
  );
  assert.deepEqual(named.run.metrics, [
    { key: 'k7', lastValue: 7 },
    { key: 'k999', lastValue: 999 },
  ]);
  assert.equal(named.run.metric.lastValue, 5);
});

test('3(b): a refusal while executing ends the request: that error alone, HTTP 400', async () => {
  // Runs are listed newest first: the 3-key run's metrics are resolved after the 1,000-key run's refusal. Before,
  // the refused page went on and answered 200 with the small run's summaries beside the error.
  const page = (alias: string) => `${alias}: runs(first: 50) { nodes { id metrics { key lastValue } } }`;
  const { status, json } = await post({ query: `{ ${page('a')} ${page('b')} }` });
  assert.equal(status, 400, JSON.stringify(json).slice(0, 300));
  assert.equal(json.data, undefined, 'no partial result');
  assert.equal(json.errors?.length, 1, JSON.stringify(json.errors));
  assert.equal(json.errors![0].extensions.code, 'QUERY_TOO_COMPLEX');
  assert.match(json.errors![0].message, /1000 keys/);
});

test("the Python Api's run listing halves its page when runs have many keys, and gets every run", async () => {
  const r = assertOk(
    await runPython(
      `import runboard, json
rows = runboard.Api(url=${JSON.stringify(s.url)}).runs(experiment="big", as_frame=False)
print(json.dumps(sorted(len([k for k in row if k.startswith("metrics.")]) for row in rows)))`,
      { timeoutMs: 60_000 },
    ),
  );
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), [3, KEYS]);
});
