import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import pg from 'pg';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

const RUN = `id name status seq config tags notes systemInfo startedAt finishedAt exitCode errorMessage lastHeartbeatAt experiment { id name }`;

async function count(table: string): Promise<number> {
  const c = new pg.Client({ connectionString: s.database.url });
  await c.connect();
  const { rows } = await c.query(`SELECT count(*)::int AS n FROM ${table}`);
  await c.end();
  return rows[0].n;
}

test('experiments: create, get by id and name, search, rename, duplicate name rejected', async () => {
  const { createExperiment: e } = await s.gql(
    `mutation { createExperiment(input: { name: "cats-vs-dogs", description: "VGG16 head", tags: ["vision"] }) { id name description tags runCount } }`,
  );
  assert.equal(e.name, 'cats-vs-dogs');
  assert.equal(e.runCount, 0);
  const byName = await s.gql(`query($n: String) { experiment(name: $n) { id } }`, { n: 'cats-vs-dogs' });
  assert.equal(byName.experiment.id, e.id);
  const byId = await s.gql(`query($id: ID) { experiment(id: $id) { name tags } }`, { id: e.id });
  assert.deepEqual(byId.experiment, { name: 'cats-vs-dogs', tags: ['vision'] });
  const dup = await s.request(`mutation { createExperiment(input: { name: "cats-vs-dogs" }) { id } }`);
  assert.equal(dup.errors?.[0].extensions.code, 'ALREADY_EXISTS');
  const found = await s.gql(`{ experiments(search: "VISION") { name } }`);
  assert.deepEqual(
    found.experiments.map((x: any) => x.name),
    ['cats-vs-dogs'],
  );
  const renamed = await s.gql(
    `mutation($id: ID!) { updateExperiment(id: $id, input: { description: "new" }) { description } }`,
    { id: e.id },
  );
  assert.equal(renamed.updateExperiment.description, 'new');
  const missing = await s.gql(`{ experiment(name: "nope") { id } }`);
  assert.equal(missing.experiment, null);
});

test('run lifecycle: create (auto-creates the experiment), start, heartbeat, finish, retries are idempotent', async () => {
  const { createRun: run } = await s.gql(
    `mutation($c: JSON) { createRun(input: { experimentName: "lifecycle", config: $c, tags: ["a"] }) { ${RUN} } }`,
    { c: { lr: 2e-5, optimizer: { name: 'rmsprop' } } },
  );
  assert.equal(run.status, 'QUEUED');
  assert.equal(run.name, 'run-1');
  assert.equal(run.seq, 1);
  assert.deepEqual(run.config, { lr: 2e-5, optimizer: { name: 'rmsprop' } });
  assert.equal(run.experiment.name, 'lifecycle');

  const early = await s.request(`mutation($id: ID!) { heartbeat(runId: $id) { status } }`, { id: run.id });
  assert.equal(early.errors?.[0].extensions.code, 'INVALID_STATE_TRANSITION');

  const { startRun } = await s.gql(
    `mutation($id: ID!) { startRun(id: $id, systemInfo: { host: "gpu-1", engine: "onnx" }) { status seq startedAt systemInfo } }`,
    { id: run.id },
  );
  assert.equal(startRun.status, 'RUNNING');
  assert.equal(startRun.seq, 2);
  assert.deepEqual(startRun.systemInfo, { host: 'gpu-1', engine: 'onnx' });
  const { heartbeat } = await s.gql(`mutation($id: ID!) { heartbeat(runId: $id) { status seq lastHeartbeatAt } }`, {
    id: run.id,
  });
  assert.equal(heartbeat.status, 'RUNNING');
  assert.equal(heartbeat.seq, 2, 'heartbeats are not events');

  const fin = `mutation($id: ID!) { finishRun(id: $id, status: FINISHED, exitCode: 0) { status exitCode finishedAt seq } }`;
  const { finishRun } = await s.gql(fin, { id: run.id });
  assert.equal(finishRun.status, 'FINISHED');
  assert.equal(finishRun.exitCode, 0);
  assert.ok(finishRun.finishedAt);
  const again = await s.gql(fin, { id: run.id });
  assert.equal(again.finishRun.seq, finishRun.seq, 'a retried finishRun changes nothing');

  const fail = await s.request(`mutation($id: ID!) { finishRun(id: $id, status: FAILED, error: "x") { status } }`, {
    id: run.id,
  });
  assert.equal(fail.errors?.[0].extensions.code, 'INVALID_STATE_TRANSITION');
  assert.match(fail.errors![0].message, /FINISHED/);
  const restart = await s.request(`mutation($id: ID!) { startRun(id: $id) { status } }`, { id: run.id });
  assert.equal(restart.errors?.[0].extensions.code, 'INVALID_STATE_TRANSITION');
  // heartbeat on a final run is not an error: it tells the trainer to stop
  const hb = await s.gql(`mutation($id: ID!) { heartbeat(runId: $id) { status } }`, { id: run.id });
  assert.equal(hb.heartbeat.status, 'FINISHED');

  const second = await s.gql(`mutation { createRun(input: { experimentName: "lifecycle" }) { name } }`);
  assert.equal(second.createRun.name, 'run-2');
});

test('tags, notes, rename, failure details and delete', async () => {
  const { createRun: run } = await s.gql(
    `mutation { createRun(input: { experimentName: "edits", name: "r" }) { id } }`,
  );
  const { updateRun } = await s.gql(
    `mutation($id: ID!) { updateRun(id: $id, input: { tags: ["best", "best", "v2"], notes: "**lr** too high", name: "renamed" }) { tags notes name } }`,
    { id: run.id },
  );
  assert.deepEqual(updateRun, { tags: ['best', 'v2'], notes: '**lr** too high', name: 'renamed' });
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: run.id });
  const { finishRun } = await s.gql(
    `mutation($id: ID!) { finishRun(id: $id, status: FAILED, exitCode: 137, error: "OOM in block5_conv3") { status exitCode errorMessage } }`,
    { id: run.id },
  );
  assert.deepEqual(finishRun, { status: 'FAILED', exitCode: 137, errorMessage: 'OOM in block5_conv3' });
  const del = await s.gql(`mutation($id: ID!) { deleteRun(id: $id) }`, { id: run.id });
  assert.equal(del.deleteRun, run.id);
  assert.equal((await s.gql(`query($id: ID!) { run(id: $id) { id } }`, { id: run.id })).run, null);
  const again = await s.request(`mutation($id: ID!) { deleteRun(id: $id) }`, { id: run.id });
  assert.equal(again.errors?.[0].extensions.code, 'NOT_FOUND');
});

test('bad input gets stable codes and writes nothing', async () => {
  const runsBefore = await count('runs');
  const expBefore = await count('experiments');
  const cases: [string, Record<string, unknown>, string][] = [
    [`mutation { createRun(input: { experimentId: "9d3c1a52-0000-4000-8000-000000000000" }) { id } }`, {}, 'NOT_FOUND'],
    [`mutation { createRun(input: { experimentId: "not-a-uuid" }) { id } }`, {}, 'NOT_FOUND'],
    [`mutation { createRun(input: {}) { id } }`, {}, 'BAD_USER_INPUT'],
    [
      `mutation($n: String) { createRun(input: { experimentName: "x", name: $n }) { id } }`,
      { n: 'n'.repeat(201) },
      'BAD_USER_INPUT',
    ],
    [`mutation { createRun(input: { experimentName: "x", config: [1, 2] }) { id } }`, {}, 'BAD_USER_INPUT'],
    [
      `mutation($t: [String!]) { createRun(input: { experimentName: "x", tags: $t }) { id } }`,
      { t: ['ok', 'bad\u0007tag'] },
      'BAD_USER_INPUT',
    ],
    [`mutation { createExperiment(input: { name: "   " }) { id } }`, {}, 'BAD_USER_INPUT'],
    [`mutation { startRun(id: "2f1e8a2c-1111-4111-8111-111111111111") { id } }`, {}, 'NOT_FOUND'],
    [`mutation { updateRun(id: "2f1e8a2c-1111-4111-8111-111111111111", input: {}) { id } }`, {}, 'BAD_USER_INPUT'],
    [`{ experiment(id: "x", name: "y") { id } }`, {}, 'BAD_USER_INPUT'],
    [`{ runs(first: 100000) { totalCount } }`, {}, 'BAD_USER_INPUT'],
    [`{ runs(after: "garbage") { totalCount } }`, {}, 'BAD_USER_INPUT'],
    [`{ runs(filter: { where: "config.lr <" }) { totalCount } }`, {}, 'INVALID_FILTER'],
    [`{ runs(orderBy: [{ field: "nonsense(" }]) { totalCount } }`, {}, 'INVALID_FILTER'],
  ];
  for (const [query, variables, code] of cases) {
    const res = await s.request(query, variables);
    assert.equal(res.errors?.[0]?.extensions?.code, code, `${query} -> ${JSON.stringify(res.errors)}`);
    assert.ok(res.errors![0].message.length > 10, 'a message a person can act on');
  }
  assert.equal(await count('runs'), runsBefore);
  assert.equal(
    await count('experiments'),
    expBefore,
    'a failed createRun must not leave its auto-created experiment... or any experiment',
  );
});

test('malformed JSON bodies, unknown routes and API keys', async () => {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"query": ',
  });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as any).errors[0].extensions.code, 'BAD_USER_INPUT');
  const health = await fetch(s.url.replace('/graphql', '/healthz'));
  assert.deepEqual(await health.json(), { ok: true, database: true, listener: true });
  const locked = await startTestServer({ apiKey: 'secret-key-123' });
  try {
    const denied = await fetch(locked.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ experiments { id } }"}',
    });
    assert.equal(denied.status, 401);
    assert.equal(((await denied.json()) as any).errors[0].extensions.code, 'UNAUTHENTICATED');
    assert.deepEqual(await locked.gql(`{ experiments { id } }`), { experiments: [] });
  } finally {
    await locked.close();
  }
});

test('query depth and cost are bounded', async () => {
  const deep = await s.request(
    `{ runs { nodes { experiment { runs { nodes { experiment { runs { nodes { experiment { runs { nodes { experiment { id } } } } } } } } } } } } }`,
  );
  assert.equal(deep.errors?.[0].extensions.code, 'QUERY_TOO_DEEP');
  const costly = await s.request(
    `{ experiments(first: 1000) { runs(first: 500) { nodes { metrics { key } artifacts { id } } } } }`,
  );
  assert.equal(costly.errors?.[0].extensions.code, 'QUERY_TOO_COMPLEX');
  const fine = await s.request(`{ experiments { runs(first: 20) { nodes { metrics { key } } } } }`);
  assert.equal(fine.errors, undefined);
});
