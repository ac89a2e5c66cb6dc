import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type MlflowClient, mlflowClient } from '@runboard/test-kit/mlflow';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import pg from 'pg';

/**
 * MLflow writes are all or nothing, and runs keep the client's start_time / end_time.
 *
 * The faults are real PostgreSQL errors raised part-way through a request: triggers on this test's own database
 * refuse the LAST statement of each write (the run's tags in runs/create, the metric batch row in log-batch),
 * after every earlier part (run row, start, params, name, tags, points) already ran in the same request.
 */
let server: TestServer;
let ml: MlflowClient;
let db: pg.Client;
let experimentId = '';

const T0 = 1_765_000_000_000;

before(async () => {
  server = await startTestServer();
  ml = mlflowClient(server.url);
  db = new pg.Client({ connectionString: server.database.url });
  await db.connect();
  await db.query(`
    CREATE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected fault in %', TG_TABLE_NAME; END $$;
    CREATE TRIGGER fault_on_tag BEFORE INSERT ON run_tags FOR EACH ROW
      WHEN (NEW.key = 'fault') EXECUTE FUNCTION injected_fault();
    CREATE TRIGGER fault_on_batch BEFORE INSERT ON metric_batches FOR EACH ROW
      WHEN ('fault' = ANY (NEW.keys)) EXECUTE FUNCTION injected_fault();`);
  experimentId = (await ml.post('experiments/create', { name: 'writes' })).body.experiment_id;
});
after(async () => {
  await db.end();
  await server.close();
});

const runsNamed = async (name: string) =>
  (await db.query('SELECT id FROM runs WHERE name = $1', [name])).rows.map((r) => r.id as string);

test('runs/create is one transaction: a fault in its last part leaves no run', async () => {
  const failed = await ml.post('runs/create', {
    experiment_id: experimentId,
    start_time: T0,
    run_name: 'half-created',
    tags: [
      { key: 'team', value: 'vision' },
      { key: 'fault', value: 'x' },
    ],
  });
  assert.equal(failed.status, 500, JSON.stringify(failed.body));
  assert.equal(failed.body.error_code, 'INTERNAL_ERROR');
  assert.deepEqual(await runsNamed('half-created'), []);
  const tags = await db.query(`SELECT count(*)::int AS n FROM run_tags WHERE key = 'team'`);
  assert.equal(tags.rows[0].n, 0);
  const search = await ml.post('runs/search', { experiment_ids: [experimentId] });
  assert.deepEqual(search.body.runs ?? [], []);

  const ok = await ml.post('runs/create', {
    experiment_id: experimentId,
    run_name: 'created',
    tags: [{ key: 'team', value: 'vision' }],
  });
  assert.equal(ok.status, 200);
  const tagsOf = (r: any) => [...r.data.tags].sort((x: any, y: any) => x.key.localeCompare(y.key));
  assert.deepEqual(tagsOf(ok.body.run), [
    { key: 'mlflow.runName', value: 'created' },
    { key: 'team', value: 'vision' },
  ]);
});

test('log-batch is one transaction: params, name, tags and earlier points roll back with a failing metric batch', async () => {
  const run = (await ml.post('runs/create', { experiment_id: experimentId, run_name: 'batch-before' })).body.run.info;
  const seqBefore = (await db.query('SELECT seq FROM runs WHERE id = $1', [run.run_id])).rows[0].seq;
  const failed = await ml.post('runs/log-batch', {
    run_id: run.run_id,
    params: [{ key: 'lr', value: '0.001' }],
    tags: [
      { key: 'mlflow.runName', value: 'batch-renamed' },
      { key: 'team', value: 'nlp' },
    ],
    metrics: [
      { key: 'loss', value: 0.5, timestamp: T0, step: 0 },
      { key: 'fault', value: 1, timestamp: T0, step: 0 },
    ],
  });
  assert.equal(failed.status, 500, JSON.stringify(failed.body));
  const row = (await db.query('SELECT name, config, seq FROM runs WHERE id = $1', [run.run_id])).rows[0];
  assert.deepEqual(row, { name: 'batch-before', config: {}, seq: seqBefore });
  assert.equal(
    (await db.query('SELECT count(*)::int AS n FROM run_tags WHERE run_id = $1', [run.run_id])).rows[0].n,
    0,
  );
  const history = await ml.get('metrics/get-history', { run_id: run.run_id, metric_key: 'loss' });
  assert.deepEqual(history.body.metrics ?? [], []);
  const g = await server.gql(`query($id: ID!) { run(id: $id) { name config metrics { key } } }`, {
    id: run.run_id,
  });
  assert.deepEqual(g.run, { name: 'batch-before', config: {}, metrics: [] });

  // The same batch without the fault writes every part.
  const ok = await ml.post('runs/log-batch', {
    run_id: run.run_id,
    params: [{ key: 'lr', value: '0.001' }],
    tags: [
      { key: 'mlflow.runName', value: 'batch-renamed' },
      { key: 'team', value: 'nlp' },
    ],
    metrics: [{ key: 'loss', value: 0.5, timestamp: T0, step: 0 }],
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const after = (await ml.get('runs/get', { run_id: run.run_id })).body.run;
  assert.equal(after.info.run_name, 'batch-renamed');
  assert.deepEqual(after.data.params, [{ key: 'lr', value: '0.001' }]);
  assert.deepEqual(after.data.metrics, [{ key: 'loss', value: 0.5, timestamp: T0, step: 0 }]);
});

test('a tags-only log-batch is one transaction: a failing tag does not rename the run', async () => {
  const run = (await ml.post('runs/create', { experiment_id: experimentId, run_name: 'tag-before' })).body.run.info;
  const failed = await ml.post('runs/log-batch', {
    run_id: run.run_id,
    tags: [
      { key: 'mlflow.runName', value: 'tag-renamed' },
      { key: 'fault', value: 'x' },
    ],
  });
  assert.equal(failed.status, 500);
  assert.deepEqual(await runsNamed('tag-renamed'), []);
});

test('start_time and end_time are the client clock, as MLflow keeps them', async () => {
  const created = await ml.post('runs/create', { experiment_id: experimentId, start_time: T0, run_name: 'timed' });
  assert.equal(created.status, 200);
  const id = created.body.run.info.run_id;
  assert.equal(created.body.run.info.start_time, T0);
  assert.equal(created.body.run.info.end_time, undefined);
  // protobuf JSON may carry int64 as a string
  const ended = await ml.post('runs/update', { run_id: id, status: 'FINISHED', end_time: String(T0 + 90_000) });
  assert.equal(ended.status, 200, JSON.stringify(ended.body));
  assert.equal(ended.body.run_info.start_time, T0);
  assert.equal(ended.body.run_info.end_time, T0 + 90_000);
  assert.equal(ended.body.run_info.status, 'FINISHED');
  const g = await server.gql(`query($id: ID!) { run(id: $id) { startedAt finishedAt status } }`, { id });
  assert.deepEqual(g.run, {
    startedAt: new Date(T0).toISOString(),
    finishedAt: new Date(T0 + 90_000).toISOString(),
    status: 'FINISHED',
  });
  // A repeated end_run (a retry after a lost answer) keeps the first end.
  const again = await ml.post('runs/update', { run_id: id, status: 'FINISHED', end_time: T0 + 99_000 });
  assert.equal(again.body.run_info.end_time, T0 + 90_000);
  // search on the client's times
  const hits = await ml.post('runs/search', {
    experiment_ids: [experimentId],
    filter: `attributes.start_time = ${T0} and attributes.end_time <= ${T0 + 90_000}`,
  });
  assert.deepEqual(
    hits.body.runs.map((r: any) => r.info.run_id),
    [id],
  );

  // Without them, the server's clock.
  const before = Date.now();
  const plain = (await ml.post('runs/create', { experiment_id: experimentId })).body.run.info;
  assert.ok(plain.start_time >= before - 1000 && plain.start_time <= Date.now() + 1000);
  const done = (await ml.post('runs/update', { run_id: plain.run_id, status: 'KILLED' })).body.run_info;
  assert.ok(done.end_time >= plain.start_time);
});

test('end_time alone moves the end of an ended run, as MLflow stores it; on an active run it is ignored', async () => {
  const id = (await ml.post('runs/create', { experiment_id: experimentId, start_time: T0 })).body.run.info.run_id;
  const seqOf = async () => Number((await db.query('SELECT seq FROM runs WHERE id = $1', [id])).rows[0].seq) as number;
  // Still running: no end yet, and the request does not invent one.
  const early = await ml.post('runs/update', { run_id: id, end_time: T0 + 5_000 });
  assert.equal(early.status, 200, JSON.stringify(early.body));
  assert.equal(early.body.run_info.status, 'RUNNING');
  assert.equal(early.body.run_info.end_time, undefined);

  await ml.post('runs/update', { run_id: id, status: 'FAILED', end_time: T0 + 90_000 });
  const seq = await seqOf();
  const moved = await ml.post('runs/update', { run_id: id, end_time: String(T0 + 120_000) });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(moved.body.run_info.end_time, T0 + 120_000);
  assert.equal(moved.body.run_info.status, 'FAILED');
  assert.equal((await ml.get('runs/get', { run_id: id })).body.run.info.end_time, T0 + 120_000);
  const g = await server.gql(`query($id: ID!) { run(id: $id) { finishedAt status } }`, { id });
  assert.deepEqual(g.run, { finishedAt: new Date(T0 + 120_000).toISOString(), status: 'FAILED' });
  // One change through RunState (seq bumped once); the same end again changes nothing.
  assert.equal(await seqOf(), seq + 1);
  assert.equal((await ml.post('runs/update', { run_id: id, end_time: T0 + 120_000 })).status, 200);
  assert.equal(await seqOf(), seq + 1);
  // With a rename in the same request, both land.
  const both = await ml.post('runs/update', { run_id: id, end_time: T0 + 130_000, run_name: 'moved' });
  assert.equal(both.body.run_info.end_time, T0 + 130_000);
  assert.equal(both.body.run_info.run_name, 'moved');
});

test('bad start_time / end_time: INVALID_PARAMETER_VALUE and nothing written', async () => {
  for (const start_time of ['soon', -1, 1.5, 1e20, true]) {
    const r = await ml.post('runs/create', { experiment_id: experimentId, start_time, run_name: 'bad-start' });
    assert.equal(r.status, 400, `start_time ${start_time}`);
    assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(r.body.message, /start_time/);
  }
  assert.deepEqual(await runsNamed('bad-start'), []);
  const run = (await ml.post('runs/create', { experiment_id: experimentId })).body.run.info;
  for (const end_time of ['later', -5, 253_402_300_800_000]) {
    const r = await ml.post('runs/update', { run_id: run.run_id, status: 'FINISHED', end_time, run_name: 'renamed' });
    assert.equal(r.status, 400, `end_time ${end_time}`);
    assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(r.body.message, /end_time/);
  }
  const still = (await ml.get('runs/get', { run_id: run.run_id })).body.run.info;
  assert.equal(still.status, 'RUNNING');
  assert.notEqual(still.run_name, 'renamed');
});

test('order_by tags.<key> and params.<key> sort their strings, runs without the key last', async () => {
  const exp = (await ml.post('experiments/create', { name: 'order' })).body.experiment_id;
  const make = async (name: string, team: string | null, lr: string | null) => {
    const id = (await ml.post('runs/create', { experiment_id: exp, run_name: name })).body.run.info.run_id;
    await ml.post('runs/log-batch', {
      run_id: id,
      tags: team ? [{ key: 'team', value: team }] : [],
      params: lr ? [{ key: 'lr', value: lr }] : [],
    });
  };
  await make('b', 'nlp', '0.01');
  await make('a', 'audio', '1e-4');
  await make('none', null, null);
  await make('c', 'vision', '0.001');
  const names = async (order_by: string[], max_results = 100, page_token?: string) => {
    const r = await ml.post('runs/search', { experiment_ids: [exp], order_by, max_results, page_token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const order = async (order_by: string[]) => (await names(order_by)).runs.map((r: any) => r.info.run_name);
  assert.deepEqual(await order(['tags.team ASC']), ['a', 'b', 'c', 'none']);
  assert.deepEqual(await order(['tags.team DESC']), ['c', 'b', 'a', 'none']);
  assert.deepEqual(await order(['tags.`team`']), ['a', 'b', 'c', 'none']);
  // Strings, as MLflow's store compares its param values: '0.001' < '0.01' < '1e-4'.
  assert.deepEqual(await order(['params.lr ASC']), ['c', 'b', 'a', 'none']);
  assert.deepEqual(await order(['params.lr DESC']), ['a', 'b', 'c', 'none']);
  // Pages follow the same order.
  const seen: string[] = [];
  let token: string | undefined;
  do {
    const page = await names(['tags.team DESC'], 1, token);
    seen.push(...page.runs.map((r: any) => r.info.run_name));
    token = page.next_page_token;
  } while (token);
  assert.deepEqual(seen, ['c', 'b', 'a', 'none']);

  for (const bad of ['datasets.x ASC', 'attributes.artifact_uri', 'tags.team SIDEWAYS', 'metrics.']) {
    const r = await ml.post('runs/search', { experiment_ids: [exp], order_by: [bad] });
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE', bad);
  }
});
