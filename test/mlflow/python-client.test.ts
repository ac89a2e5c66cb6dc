import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type MlflowClient, mlflowClient } from '@runboard/test-kit/mlflow';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';

/**
 * The requests MLflow's Python client (mlflow 2.x, RestStore over mlflow/protos/service.proto) sends for a
 * typical script, byte for byte the JSON it builds (message_to_json: snake_case proto field names, int64 as
 * numbers, repeated fields omitted when empty, run_uuid beside run_id), and each answer checked field by field.
 *
 *   mlflow.set_experiment("mnist")        GET experiments/get-by-name, POST experiments/create, GET experiments/get
 *   mlflow.start_run(run_name=...)        POST runs/create with the context tags
 *   mlflow.log_param / log_params          POST runs/log-parameter / runs/log-batch {params}
 *   mlflow.log_metric / log_metrics        POST runs/log-metric / runs/log-batch {metrics}
 *   mlflow.set_tag                         POST runs/set-tag
 *   mlflow.log_artifact("notes.txt")       GET runs/get, PUT mlflow-artifacts/artifacts/<exp>/<run>/artifacts/notes.txt
 *   mlflow.end_run()                       POST runs/update {status: FINISHED, end_time}
 *   mlflow.search_runs(...)                POST runs/search
 *   MlflowClient().get_metric_history      GET metrics/get-history
 */
let server: TestServer;
let ml: MlflowClient;

before(async () => {
  server = await startTestServer();
  ml = mlflowClient(server.url);
});
after(() => server.close());

const T0 = 1_765_000_000_000;
let experimentId = '';
let runId = '';

test('set_experiment: get-by-name misses, create, get', async () => {
  const miss = await ml.get('experiments/get-by-name', { experiment_name: 'mnist' });
  assert.equal(miss.status, 404);
  assert.equal(miss.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
  assert.match(miss.body.message, /mnist/);

  const created = await ml.post('experiments/create', { name: 'mnist' });
  assert.equal(created.status, 200);
  assert.deepEqual(Object.keys(created.body), ['experiment_id']);
  experimentId = created.body.experiment_id;
  assert.equal(typeof experimentId, 'string');

  const got = await ml.get('experiments/get', { experiment_id: experimentId });
  assert.equal(got.status, 200);
  const e = got.body.experiment;
  assert.equal(e.experiment_id, experimentId);
  assert.equal(e.name, 'mnist');
  assert.equal(e.artifact_location, `mlflow-artifacts:/${experimentId}`);
  assert.equal(e.lifecycle_stage, 'active');
  assert.equal(typeof e.creation_time, 'number');
  assert.ok(Math.abs(e.creation_time - Date.now()) < 60_000);
  assert.equal(typeof e.last_update_time, 'number');
  assert.deepEqual(e.tags, []);

  const again = await ml.post('experiments/create', { name: 'mnist' });
  assert.equal(again.status, 400);
  assert.equal(again.body.error_code, 'RESOURCE_ALREADY_EXISTS');
  const byName = await ml.get('experiments/get-by-name', { experiment_name: 'mnist' });
  assert.equal(byName.body.experiment.experiment_id, experimentId);
});

test('start_run: runs/create with the context tags', async () => {
  const r = await ml.post('runs/create', {
    experiment_id: experimentId,
    user_id: 'alice',
    start_time: T0,
    tags: [
      { key: 'mlflow.user', value: 'alice' },
      { key: 'mlflow.source.name', value: 'train.py' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
      { key: 'mlflow.source.git.commit', value: 'a25da4d' },
      { key: 'mlflow.runName', value: 'bright-owl-42' },
    ],
    run_name: 'bright-owl-42',
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const { info, data } = r.body.run;
  runId = info.run_id;
  assert.match(runId, /^[0-9a-f-]{36}$/);
  assert.equal(info.run_uuid, runId);
  assert.equal(info.run_name, 'bright-owl-42');
  assert.equal(info.experiment_id, experimentId);
  assert.equal(info.user_id, 'alice');
  assert.equal(info.status, 'RUNNING');
  assert.equal(info.start_time, T0); // the client's clock, as MLflow keeps it
  assert.equal(info.end_time, undefined);
  assert.equal(info.artifact_uri, `mlflow-artifacts:/${experimentId}/${runId}/artifacts`);
  assert.equal(info.lifecycle_stage, 'active');
  assert.deepEqual(data.metrics, []);
  assert.deepEqual(data.params, []);
  assert.deepEqual(
    [...data.tags].sort((a: any, b: any) => a.key.localeCompare(b.key)),
    [
      { key: 'mlflow.runName', value: 'bright-owl-42' },
      { key: 'mlflow.source.git.commit', value: 'a25da4d' },
      { key: 'mlflow.source.name', value: 'train.py' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
      { key: 'mlflow.user', value: 'alice' },
    ],
  );
  // The same run in Runboard's GraphQL: RUNNING, named, in the experiment.
  const g = await server.gql(`query($id: ID!) { run(id: $id) { name status experiment { name } } }`, { id: runId });
  assert.deepEqual(g.run, { name: 'bright-owl-42', status: 'RUNNING', experiment: { name: 'mnist' } });
});

test('log_param, log_params: strings in, write-once, visible as config', async () => {
  const one = await ml.post('runs/log-parameter', { run_id: runId, run_uuid: runId, key: 'lr', value: '0.001' });
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, {});
  const batch = await ml.post('runs/log-batch', {
    run_id: runId,
    params: [
      { key: 'epochs', value: '3' },
      { key: 'optimizer', value: 'adam' },
      { key: 'eps', value: '1e-08' },
    ],
  });
  assert.equal(batch.status, 200);
  // Same value again: a no-op. Another value: MLflow's error, and nothing changes.
  assert.equal(
    (await ml.post('runs/log-parameter', { run_id: runId, run_uuid: runId, key: 'lr', value: '0.001' })).status,
    200,
  );
  const changed = await ml.post('runs/log-parameter', { run_id: runId, run_uuid: runId, key: 'lr', value: '0.01' });
  assert.equal(changed.status, 400);
  assert.equal(changed.body.error_code, 'INVALID_PARAMETER_VALUE');
  assert.match(changed.body.message, /Changing param values is not allowed/);
  const g = await server.gql(`query($id: ID!) { run(id: $id) { config } }`, { id: runId });
  // Numbers that read back identically are stored as numbers (dashboard filters), the rest as strings.
  assert.deepEqual(g.run.config, { lr: 0.001, epochs: 3, optimizer: 'adam', eps: '1e-08' });
});

test('log_metric, log_metrics: points in Runboard, ms timestamps kept', async () => {
  const r = await ml.post('runs/log-metric', {
    run_id: runId,
    run_uuid: runId,
    key: 'loss',
    value: 0.5,
    timestamp: T0 + 1000,
    step: 0,
  });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {});
  const batch = await ml.post('runs/log-batch', {
    run_id: runId,
    metrics: [
      { key: 'acc', value: 0.9, timestamp: T0 + 2000, step: 1 },
      { key: 'loss', value: 0.25, timestamp: T0 + 2000, step: 1 },
    ],
  });
  assert.equal(batch.status, 200);
  const g = await server.gql(
    `query($ids: [ID!]!) { metricSeries(runIds: $ids, keys: ["loss"]) { key points { step value wallTime } } }`,
    { ids: [runId] },
  );
  assert.deepEqual(g.metricSeries[0].points, [
    { step: 0, value: 0.5, wallTime: new Date(T0 + 1000).toISOString() },
    { step: 1, value: 0.25, wallTime: new Date(T0 + 2000).toISOString() },
  ]);
});

test('set_tag: key-value tags, run name and note tags land in their columns', async () => {
  assert.equal(
    (await ml.post('runs/set-tag', { run_id: runId, run_uuid: runId, key: 'team', value: 'vision' })).status,
    200,
  );
  assert.equal(
    (await ml.post('runs/set-tag', { run_id: runId, run_uuid: runId, key: 'mlflow.note.content', value: 'baseline' }))
      .status,
    200,
  );
  const g = await server.gql(`query($id: ID!) { run(id: $id) { notes } }`, { id: runId });
  assert.equal(g.run.notes, 'baseline');
  const del = await ml.post('runs/delete-tag', { run_id: runId, key: 'nope' });
  assert.equal(del.status, 404);
  assert.equal(del.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
});

test('log_artifact: upload through mlflow-artifacts, list and download', async () => {
  const run = await ml.get('runs/get', { run_id: runId });
  const uri: string = run.body.run.info.artifact_uri;
  const location = uri.replace(/^mlflow-artifacts:\//, '');
  const put = await ml.put(`${location}/notes.txt`, 'hello from mlflow\n');
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal((await ml.put(`${location}/plots/loss.png`, Buffer.from([137, 80, 78, 71]))).status, 200);
  const list = await ml.get('artifacts/list', { run_id: runId });
  assert.deepEqual(list.body, {
    root_uri: uri,
    files: [
      { path: 'notes.txt', is_dir: false, file_size: 18 },
      { path: 'plots', is_dir: true },
    ],
  });
  const sub = await ml.get('artifacts/list', { run_id: runId, path: 'plots' });
  assert.deepEqual(sub.body.files, [{ path: 'plots/loss.png', is_dir: false, file_size: 4 }]);
  const proxied = await fetch(
    `${ml.base}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${location}/plots`)}`,
  );
  assert.deepEqual((await proxied.json()).files, [{ path: 'loss.png', is_dir: false, file_size: 4 }]);
  const down = await ml.download(`${location}/notes.txt`);
  assert.equal(down.status, 200);
  assert.equal(await down.text(), 'hello from mlflow\n');
  const g = await server.gql(`query($id: ID!) { run(id: $id) { artifacts { name size } } }`, { id: runId });
  assert.deepEqual(
    g.run.artifacts.map((a: any) => a.name),
    ['notes.txt', 'plots/loss.png'],
  );
});

test('end_run: runs/update FINISHED', async () => {
  const r = await ml.post('runs/update', { run_id: runId, run_uuid: runId, status: 'FINISHED', end_time: T0 + 5000 });
  assert.equal(r.status, 200);
  const info = r.body.run_info;
  assert.equal(info.run_id, runId);
  assert.equal(info.status, 'FINISHED');
  assert.equal(info.start_time, T0);
  assert.equal(info.end_time, T0 + 5000);
  const g = await server.gql(`query($id: ID!) { run(id: $id) { status finishedAt } }`, { id: runId });
  assert.deepEqual(g.run, { status: 'FINISHED', finishedAt: new Date(T0 + 5000).toISOString() });
});

test('search_runs: MLflow filter and order_by through the filter compiler', async () => {
  // A second run with other values, and a Runboard-native run whose config holds numbers.
  const other = await ml.post('runs/create', { experiment_id: experimentId, start_time: T0, run_name: 'other' });
  const otherId = other.body.run.info.run_id;
  await ml.post('runs/log-batch', {
    run_id: otherId,
    metrics: [{ key: 'acc', value: 0.7, timestamp: T0, step: 1 }],
    params: [{ key: 'lr', value: '0.01' }],
    tags: [{ key: 'team', value: 'nlp' }],
  });
  const search = (body: Record<string, unknown>) =>
    ml.post('runs/search', {
      experiment_ids: [experimentId],
      run_view_type: 'ACTIVE_ONLY',
      max_results: 10000,
      ...body,
    });

  const hit = await search({ filter: "metrics.acc > 0.8 and params.lr = '0.001'", order_by: ['metrics.acc DESC'] });
  assert.equal(hit.status, 200, JSON.stringify(hit.body));
  assert.deepEqual(
    hit.body.runs.map((r: any) => r.info.run_id),
    [runId],
  );
  const run = hit.body.runs[0];
  assert.deepEqual(
    [...run.data.metrics].sort((a: any, b: any) => a.key.localeCompare(b.key)),
    [
      { key: 'acc', value: 0.9, timestamp: T0 + 2000, step: 1 },
      { key: 'loss', value: 0.25, timestamp: T0 + 2000, step: 1 },
    ],
  );
  assert.deepEqual(
    [...run.data.params].sort((a: any, b: any) => a.key.localeCompare(b.key)),
    [
      { key: 'epochs', value: '3' },
      { key: 'eps', value: '1e-08' },
      { key: 'lr', value: '0.001' },
      { key: 'optimizer', value: 'adam' },
    ],
  );
  assert.ok(run.data.tags.some((t: any) => t.key === 'team' && t.value === 'vision'));
  assert.equal(hit.body.next_page_token, undefined);

  const ids = async (body: Record<string, unknown>) => (await search(body)).body.runs?.map((r: any) => r.info.run_name);
  assert.deepEqual(await ids({ filter: "tags.team = 'nlp'" }), ['other']);
  assert.deepEqual(await ids({ filter: "attributes.status = 'FINISHED'" }), ['bright-owl-42']);
  assert.deepEqual(await ids({ filter: "attributes.status = 'RUNNING'" }), ['other']);
  assert.deepEqual(await ids({ filter: "params.optimizer != 'adam'" }), []);
  assert.deepEqual(await ids({ filter: "tags.mlflow.runName = 'other'" }), ['other']);
  assert.deepEqual(await ids({ filter: "attributes.run_name ILIKE '%OWL%'" }), ['bright-owl-42']);
  assert.deepEqual(await ids({ filter: "params.lr IN ('0.01', '0.5')" }), ['other']);
  // LIKE is case-sensitive with SQL wildcards; params match as text whether stored as strings or numbers.
  assert.deepEqual(await ids({ filter: "attributes.run_name LIKE 'bright%'" }), ['bright-owl-42']);
  assert.deepEqual(await ids({ filter: "attributes.run_name LIKE 'BRIGHT%'" }), []);
  assert.deepEqual(await ids({ filter: "params.lr LIKE '0.00_'" }), ['bright-owl-42']);
  assert.deepEqual(await ids({ filter: "params.optimizer ILIKE 'AD%'" }), ['bright-owl-42']);
  assert.deepEqual(await ids({ filter: "tags.team LIKE '%l%'" }), ['other']);
  assert.deepEqual(await ids({ filter: 'metrics.acc >= 0.7', order_by: ['metrics.acc ASC'] }), [
    'other',
    'bright-owl-42',
  ]);
  assert.deepEqual(await ids({ filter: `attributes.start_time > ${Date.now() + 60_000}` }), []);

  // Paging: max_results 1 and the token.
  const p1 = await search({ max_results: 1, order_by: ['attributes.run_name ASC'] });
  assert.deepEqual(
    p1.body.runs.map((r: any) => r.info.run_name),
    ['bright-owl-42'],
  );
  assert.equal(typeof p1.body.next_page_token, 'string');
  const p2 = await search({
    max_results: 1,
    order_by: ['attributes.run_name ASC'],
    page_token: p1.body.next_page_token,
  });
  assert.deepEqual(
    p2.body.runs.map((r: any) => r.info.run_name),
    ['other'],
  );

  const bad = await search({ filter: 'metrics.acc > 0.8 or params.lr = 1' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error_code, 'INVALID_PARAMETER_VALUE');
});

test('get_metric_history: every step, paged', async () => {
  const all = await ml.get('metrics/get-history', { run_id: runId, run_uuid: runId, metric_key: 'loss' });
  assert.equal(all.status, 200);
  assert.deepEqual(all.body, {
    metrics: [
      { key: 'loss', value: 0.5, timestamp: T0 + 1000, step: 0 },
      { key: 'loss', value: 0.25, timestamp: T0 + 2000, step: 1 },
    ],
  });
  const first = await ml.get('metrics/get-history', { run_id: runId, metric_key: 'loss', max_results: 1 });
  assert.equal(first.body.metrics.length, 1);
  const second = await ml.get('metrics/get-history', {
    run_id: runId,
    metric_key: 'loss',
    max_results: 1,
    page_token: first.body.next_page_token,
  });
  assert.deepEqual(second.body.metrics, [{ key: 'loss', value: 0.25, timestamp: T0 + 2000, step: 1 }]);
  assert.equal(second.body.next_page_token, undefined);
});

test('what Runboard logs is readable by MLflow clients', async () => {
  const { createRun } = await server.gql(
    `mutation { createRun(input: { experimentName: "native", name: "tfjs", config: { lr: 0.0001, layers: [64, 32] } }) { id experiment { id } } }`,
  );
  await server.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: createRun.id });
  await server.gql(
    `mutation($id: ID!) { logMetrics(runId: $id, points: [{ key: "val_acc", step: 3, value: 0.93 }]) { accepted } }`,
    { id: createRun.id },
  );
  const r = await ml.get('runs/get', { run_id: createRun.id });
  assert.equal(r.body.run.info.experiment_id, createRun.experiment.id);
  assert.deepEqual(r.body.run.data.params, [
    { key: 'lr', value: '0.0001' },
    { key: 'layers', value: '[64,32]' },
  ]);
  assert.equal(r.body.run.data.metrics[0].key, 'val_acc');
  assert.equal(r.body.run.data.metrics[0].value, 0.93);
  assert.equal(r.body.run.data.metrics[0].step, 3);
  const found = await ml.post('runs/search', {
    experiment_ids: [createRun.experiment.id],
    filter: "params.lr = '0.0001' and metrics.val_acc > 0.9",
  });
  assert.deepEqual(
    found.body.runs.map((x: any) => x.info.run_id),
    [createRun.id],
  );
});
