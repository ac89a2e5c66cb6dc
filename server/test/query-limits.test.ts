// One small request must not be able to stall the server: every attack shape from issue 9 is refused
// during validation with its own code, while /healthz keeps answering. Each refusal and each /healthz probe
// is held to a bound far above what a refusal costs (milliseconds) and far below what running the shape
// costs (seconds, or never finishing): a missing check fails here. Figures come from `npm run bench:attacks`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';

let s: TestServer;
let runIds: string[];
before(async () => {
  s = await startTestServer();
  runIds = [];
  for (let i = 0; i < 3; i++) {
    const { createRun } = await s.gql(`mutation { createRun(input: { experimentName: "limits" }) { id } }`);
    runIds.push(createRun.id);
  }
});
after(() => s.close());

/** Refusal and probe bound: a refused shape costs milliseconds; executed, each costs seconds or more. */
const BOUND_MS = 1000;

/**
 * Sends the attack while probing /healthz back to back; returns the attack's first error. Asserts that the
 * refusal came within BOUND_MS, that every probe was answered 200 within BOUND_MS, and that at least one was.
 */
async function attack(query: string, variables?: Record<string, unknown>) {
  const healthz = s.url.replace('/graphql', '/healthz');
  let done = false;
  const probes: { status: number; ms: number }[] = [];
  const probe = async () => {
    const t = performance.now();
    const r = await fetch(healthz);
    probes.push({ status: r.status, ms: performance.now() - t });
  };
  const poll = (async () => {
    while (!done) await probe();
  })();
  const t0 = performance.now();
  const res = await s.request(query, variables);
  const ms = performance.now() - t0;
  done = true;
  await poll;
  await probe(); // one after the attack, so a refusal faster than any probe still checks the server answers
  assert.ok(ms < BOUND_MS, `refused in ${ms.toFixed(0)} ms (bound ${BOUND_MS} ms)`);
  for (const p of probes) {
    assert.equal(p.status, 200, '/healthz answers during and after the attack');
    assert.ok(p.ms < BOUND_MS, `a /healthz probe took ${p.ms.toFixed(0)} ms during the attack`);
  }
  return { error: res.errors?.[0], data: res.data, ms, healthy: probes.length };
}

function fanOut(n: number): string {
  const frags = [`fragment F0 on Query { experiments(first: 10) { id name runs(first: 10) { nodes { id } } } }`];
  for (let i = 1; i <= n; i++) frags.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`);
  return `query { ...F${n} } ${frags.join(' ')}`;
}

test('exponential fragment fan-out (F0..F24) is measured once per fragment and refused', async () => {
  const { error, ms } = await attack(fanOut(24));
  assert.equal(error?.extensions.code, 'QUERY_TOO_COMPLEX', JSON.stringify(error));
  console.log(`fan-out F0..F24 refused in ${ms.toFixed(1)} ms`);
  // A small fan-out is still a valid query: the memoised cost changes nothing for honest documents.
  const ok = await s.request(fanOut(2));
  assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
});

test('first: $var counts the variable value', async () => {
  const q = `query($n: Int) { runs(first: $n) { nodes { id history(key: "loss", first: $n) { step } } } }`;
  const { error, ms } = await attack(q, { n: 500 });
  assert.equal(error?.extensions.code, 'QUERY_TOO_COMPLEX', JSON.stringify(error));
  console.log(`first: $var refused in ${ms.toFixed(1)} ms`);
  const small = await s.request(q, { n: 2 });
  assert.equal(small.errors, undefined, JSON.stringify(small.errors));
});

test('metricSeries counts runs x keys x maxPoints against the point budget', async () => {
  const aliases = Array.from(
    { length: 6 },
    (_, i) => `s${i}: metricSeries(runIds: $ids, keys: ["loss", "acc"], maxPoints: 100000) { key }`,
  ).join(' ');
  const { error, ms } = await attack(`query($ids: [ID!]!) { ${aliases} }`, { ids: runIds });
  assert.equal(error?.extensions.code, 'QUERY_TOO_COMPLEX', JSON.stringify(error));
  assert.equal(error.extensions.points, 6 * 3 * 2 * 100_000);
  console.log(`6 x metricSeries(maxPoints: 100000) refused in ${ms.toFixed(1)} ms`);
  const literal = await s.request(
    `{ metricSeries(runIds: ${JSON.stringify(runIds)}, keys: ["a", "b", "c", "d"], maxPoints: 100000) { key } }`,
  );
  assert.equal(literal.errors?.[0].extensions.code, 'QUERY_TOO_COMPLEX');
  const fine = await s.request(`query($ids: [ID!]!) { metricSeries(runIds: $ids, keys: ["loss"]) { key } }`, {
    ids: runIds,
  });
  assert.equal(fine.errors, undefined, JSON.stringify(fine.errors));
});

test('5,000 aliases of one field are TOO_MANY_ALIASES; 100 are fine', async () => {
  const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: experiments { id }`).join(' ')} }`;
  const { error, ms } = await attack(aliased(5000));
  assert.equal(error?.extensions.code, 'TOO_MANY_ALIASES', JSON.stringify(error));
  console.log(`5,000 aliases refused in ${ms.toFixed(1)} ms`);
  const spread = `{ ...A ...B } fragment A on Query { ${Array.from({ length: 100 }, (_, i) => `a${i}: queueStatus { queued }`).join(' ')} } ${Array.from({ length: 5 }, (_, j) => `fragment X${j} on Query { ${Array.from({ length: 100 }, (_, i) => `x${j}_${i}: queueStatus { queued }`).join(' ')} }`).join(' ')} fragment B on Query { ${Array.from({ length: 5 }, (_, j) => `...X${j}`).join(' ')} }`;
  assert.equal((await s.request(spread)).errors?.[0].extensions.code, 'TOO_MANY_ALIASES', '600 across fragments');
  const ok = await s.request(aliased(100));
  assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
});

test('the same bounds apply to subscriptions over WebSocket', async () => {
  const client = s.ws();
  const err = await new Promise<any>((resolve) => {
    client.subscribe(
      {
        query: `subscription($ids: [ID!]!) { metricsLogged(runIds: $ids) { runId } }`.replace(
          '{ runId }',
          `{ runId ${Array.from({ length: 150 }, (_, i) => `r${i}: runId`).join(' ')} }`,
        ),
        variables: { ids: runIds },
      },
      { next: () => {}, error: resolve, complete: () => resolve(null) },
    );
  });
  assert.ok(Array.isArray(err), JSON.stringify(err));
  assert.equal(err[0].extensions.code, 'TOO_MANY_ALIASES');
});

test('a response over the size limit is RESPONSE_TOO_LARGE instead of being sent', async () => {
  const small = await startTestServer({ maxResponseBytes: 4096 });
  try {
    for (let i = 0; i < 40; i++)
      await small.gql(`mutation($n: String!) { createExperiment(input: { name: $n }) { id } }`, {
        n: `experiment-${i}-${'x'.repeat(100)}`,
      });
    const res = await small.request(`{ experiments { id name description } }`);
    assert.equal(res.errors?.[0].extensions.code, 'RESPONSE_TOO_LARGE', JSON.stringify(res).slice(0, 200));
    const fine = await small.request(`{ experiments(first: 3) { id } }`);
    assert.equal(fine.errors, undefined);
  } finally {
    await small.close();
  }
});
