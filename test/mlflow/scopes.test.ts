import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gqlRequest } from '@runboard/test-kit/gql';
import { type MlflowClient, mlflowClient } from '@runboard/test-kit/mlflow';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';

/** The MLflow routes enforce the same scopes and experiment limits as GraphQL (modules/mlflow/access.ts). */
const ADMIN = 'admin-key-for-mlflow-scope-tests-0123456789';
let server: TestServer;
let admin: MlflowClient;
let mine = '';
let theirs = '';
let theirRun = '';
let myRun = '';

async function createKey(scopes: string[], experiments?: string[]): Promise<string> {
  const r = await gqlRequest(
    server.url,
    `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }`,
    { input: { name: `k-${scopes.join('-')}`, scopes, experiments } },
    ADMIN,
  );
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data.createApiKey.key;
}

before(async () => {
  server = await startTestServer({ apiKey: ADMIN });
  admin = mlflowClient(server.url, ADMIN);
  mine = (await admin.post('experiments/create', { name: 'mine' })).body.experiment_id;
  theirs = (await admin.post('experiments/create', { name: 'theirs' })).body.experiment_id;
  myRun = (await admin.post('runs/create', { experiment_id: mine })).body.run.info.run_id;
  theirRun = (await admin.post('runs/create', { experiment_id: theirs })).body.run.info.run_id;
  await admin.post('runs/log-metric', { run_id: theirRun, key: 'secret', value: 1, timestamp: 1, step: 0 });
  const loc = `${theirs}/${theirRun}/artifacts`;
  assert.equal((await admin.put(`${loc}/model.bin`, 'weights')).status, 200);
});
after(() => server.close());

test('no key or a wrong key: UNAUTHENTICATED 401', async () => {
  const none = await mlflowClient(server.url).get('experiments/get', { experiment_id: mine });
  assert.equal(none.status, 401);
  assert.equal(none.body.error_code, 'UNAUTHENTICATED');
  const wrong = await mlflowClient(server.url, 'rb_000000000000_wrong').get('experiments/get', { experiment_id: mine });
  assert.equal(wrong.status, 401);
  const put = await mlflowClient(server.url).put(`${mine}/${myRun}/artifacts/x.txt`, 'x');
  assert.equal(put.status, 401);
});

test('keys as Bearer (MLFLOW_TRACKING_TOKEN) and as the Basic password (MLFLOW_TRACKING_PASSWORD)', async () => {
  const read = await createKey(['READ']);
  const bearer = await mlflowClient(server.url, read).get('experiments/get', { experiment_id: mine });
  assert.equal(bearer.status, 200);
  const basic = await mlflowClient(server.url, undefined, { user: 'anyone', password: read }).get('experiments/get', {
    experiment_id: mine,
  });
  assert.equal(basic.status, 200);
  assert.equal(basic.body.experiment.name, 'mine');
  const badBasic = await mlflowClient(server.url, undefined, { user: 'anyone', password: 'nope' }).get(
    'experiments/get',
    { experiment_id: mine },
  );
  assert.equal(badBasic.status, 401);
});

test('a READ key reads but every write is PERMISSION_DENIED, and nothing is written', async () => {
  const ml = mlflowClient(server.url, await createKey(['READ']));
  assert.equal((await ml.get('runs/get', { run_id: myRun })).status, 200);
  const writes: [string, Record<string, unknown>][] = [
    ['experiments/create', { name: 'x' }],
    ['experiments/delete', { experiment_id: mine }],
    ['experiments/set-experiment-tag', { experiment_id: mine, key: 'k', value: 'v' }],
    ['runs/create', { experiment_id: mine }],
    ['runs/update', { run_id: myRun, status: 'FINISHED' }],
    ['runs/delete', { run_id: myRun }],
    ['runs/log-metric', { run_id: myRun, key: 'loss', value: 1, timestamp: 1, step: 0 }],
    ['runs/log-parameter', { run_id: myRun, key: 'lr', value: '1' }],
    ['runs/log-batch', { run_id: myRun, metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 0 }] }],
    ['runs/set-tag', { run_id: myRun, key: 'k', value: 'v' }],
    [
      'runs/log-inputs',
      { run_id: myRun, datasets: [{ dataset: { name: 'd', digest: '1', source_type: 's', source: '' } }] },
    ],
    ['runs/log-model', { run_id: myRun, model_json: '{}' }],
  ];
  for (const [endpoint, body] of writes) {
    const r = await ml.post(endpoint, body);
    assert.equal(r.status, 403, endpoint);
    assert.equal(r.body.error_code, 'PERMISSION_DENIED', endpoint);
  }
  const put = await ml.put(`${mine}/${myRun}/artifacts/x.txt`, 'x');
  assert.equal(put.body.error_code, 'PERMISSION_DENIED');
  const run = (await admin.get('runs/get', { run_id: myRun })).body.run;
  assert.equal(run.info.status, 'RUNNING');
  assert.deepEqual(run.data.metrics, []);
  assert.deepEqual(run.data.params, []);
});

test('an experiment-limited key cannot see, search, read history or artifacts of, or log into another experiment', async () => {
  const limitedKey = await createKey(['READ', 'LOG'], ['mine']);
  const ml = mlflowClient(server.url, limitedKey);
  const denied = (r: { status: number; body: any }, what: string) => {
    assert.equal(r.status, 403, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error_code, 'PERMISSION_DENIED', what);
  };
  denied(await ml.get('experiments/get', { experiment_id: theirs }), 'get');
  denied(await ml.get('experiments/get-by-name', { experiment_name: 'theirs' }), 'get-by-name');
  denied(await ml.get('runs/get', { run_id: theirRun }), 'runs/get');
  denied(await ml.post('runs/search', { experiment_ids: [theirs] }), 'search theirs');
  denied(await ml.post('runs/search', { experiment_ids: [mine, theirs] }), 'search both');
  denied(await ml.get('metrics/get-history', { run_id: theirRun, metric_key: 'secret' }), 'history');
  denied(await ml.get('artifacts/list', { run_id: theirRun }), 'artifacts/list');
  denied(await ml.post('runs/log-metric', { run_id: theirRun, key: 'x', value: 1, timestamp: 1 }), 'log-metric');
  denied(await ml.post('runs/create', { experiment_id: theirs }), 'create in theirs');
  denied(await ml.post('runs/create', { experiment_id: '0' }), 'create in Default');
  denied(await ml.post('experiments/update', { experiment_id: mine, new_name: 'renamed' }), 'rename away');
  const dl = await ml.download(`${theirs}/${theirRun}/artifacts/model.bin`);
  assert.equal(dl.status, 403);
  denied(await ml.put(`${theirs}/${theirRun}/artifacts/evil.bin`, 'x'), 'upload');
  const listed = await fetch(
    `${ml.base}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${theirs}/${theirRun}/artifacts`)}`,
    { headers: { authorization: `Bearer ${limitedKey}` } },
  );
  assert.equal(listed.status, 403);
  // Searching experiments lists only its own.
  const all = await ml.post('experiments/search', { max_results: 100 });
  assert.deepEqual(
    all.body.experiments.map((e: any) => e.name),
    ['mine'],
  );
  // Its own experiment works end to end.
  assert.equal((await ml.post('runs/log-metric', { run_id: myRun, key: 'x', value: 1, timestamp: 1 })).status, 200);
  assert.equal((await ml.post('runs/search', { experiment_ids: [mine] })).body.runs.length, 1);
  // Nothing reached the other experiment.
  const history = await admin.get('metrics/get-history', { run_id: theirRun, metric_key: 'x' });
  assert.deepEqual(history.body.metrics, []);
});
