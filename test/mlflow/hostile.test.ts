import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type MlflowClient, mlflowClient } from '@runboard/test-kit/mlflow';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';

/** Bad input gets MLflow's error shape with a stable code, never INTERNAL_ERROR, and writes nothing. */
let server: TestServer;
let ml: MlflowClient;
let exp = '';
let run = '';

before(async () => {
  server = await startTestServer();
  ml = mlflowClient(server.url);
  exp = (await ml.post('experiments/create', { name: 'hostile' })).body.experiment_id;
  run = (await ml.post('runs/create', { experiment_id: exp })).body.run.info.run_id;
});
after(() => server.close());

function invalid(r: { status: number; body: any }, what: string, code = 'INVALID_PARAMETER_VALUE') {
  assert.ok(r.status >= 400 && r.status < 500, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error_code, code, `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(typeof r.body.message, 'string');
}

test('malformed requests', async () => {
  invalid(await ml.post('runs/log-metric', '{not json'), 'bad json', 'BAD_REQUEST');
  invalid(await ml.post('runs/log-metric', '[1,2]'), 'array body', 'BAD_REQUEST');
  invalid(await ml.post('runs/log-metric', { run_id: run, key: 'k', value: 1 }), 'no timestamp');
  invalid(await ml.post('runs/log-metric', { run_id: run, key: 'k', value: 'abc', timestamp: 1 }), 'value text');
  invalid(await ml.post('runs/log-metric', { run_id: run, key: 'k', value: 1, timestamp: 1e300 }), 'huge timestamp');
  invalid(
    await ml.post('runs/log-metric', { run_id: run, key: 'k', value: 1, timestamp: 1, step: -1 }),
    'negative step',
  );
  invalid(await ml.post('runs/log-metric', { run_id: run, key: '../etc', value: 1, timestamp: 1 }), 'key traversal');
  invalid(await ml.post('runs/log-metric', { run_id: run, key: 'a\u0000b', value: 1, timestamp: 1 }), 'NUL key');
  invalid(await ml.post('runs/log-metric', { run_id: run, key: 'x'.repeat(251), value: 1, timestamp: 1 }), 'long key');
  invalid(await ml.post('runs/log-parameter', { run_id: run, key: 'p', value: 'v'.repeat(6001) }), 'long param');
  invalid(await ml.post('runs/set-tag', { run_id: run, key: { $gt: '' }, value: 'v' }), 'object key');
  invalid(await ml.post('experiments/create', { name: 'a\u0000b' }), 'NUL name');
  invalid(await ml.post('experiments/create', {}), 'no name');
  const missingRun = await ml.get('runs/get', { run_id: 'not-a-uuid' });
  assert.equal(missingRun.status, 404);
  assert.equal(missingRun.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
  const unknown = await ml.post('runs/frobnicate', {});
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error_code, 'ENDPOINT_NOT_FOUND');
  invalid(await ml.get('runs/log-metric', { run_id: run }), 'GET on a write', 'BAD_REQUEST');
});

test("log-batch keeps MLflow's limits and writes nothing when any entry is bad", async () => {
  const metrics = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
  invalid(await ml.post('runs/log-batch', { run_id: run, metrics: metrics(1001) }), '1001 metrics');
  const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' }));
  invalid(await ml.post('runs/log-batch', { run_id: run, params }), '101 params');
  const tags = Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: '1' }));
  invalid(await ml.post('runs/log-batch', { run_id: run, tags }), '101 tags');
  invalid(
    await ml.post('runs/log-batch', {
      run_id: run,
      metrics: [...metrics(5), { key: 'bad key!', value: 1, timestamp: 1, step: 0 }],
      params: [{ key: 'ok', value: '1' }],
    }),
    'one bad metric',
  );
  invalid(
    await ml.post('runs/log-batch', {
      run_id: run,
      params: [
        { key: 'same', value: '1' },
        { key: 'same', value: '2' },
      ],
    }),
    'conflicting params',
  );
  const r = (await ml.get('runs/get', { run_id: run })).body.run;
  assert.deepEqual(r.data.metrics, []);
  assert.deepEqual(r.data.params, []);
  assert.equal((await ml.post('runs/log-batch', { run_id: run, metrics: metrics(1000) })).status, 200);
  const big = await fetch(`${ml.base}/api/2.0/mlflow/runs/log-batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ run_id: run, pad: 'x'.repeat(5 * 1024 * 1024) }),
  });
  assert.equal(big.status, 400);
  assert.equal((await big.json()).error_code, 'INVALID_PARAMETER_VALUE');
});

test('hostile filters and page tokens', async () => {
  const search = (body: Record<string, unknown>) => ml.post('runs/search', { experiment_ids: [exp], ...body });
  for (const filter of [
    "metrics.acc > 'x'",
    "params.lr = 1; DROP TABLE runs; --'",
    "attributes.status = 'EXPLODED'",
    'metrics.acc >',
    "attributes.run_id LIKE '%a%'",
    "metrics.acc LIKE '1%'",
    "tags.x = 'unterminated",
    "attributes.artifact_uri = 'x'",
    'metrics.a = 1 and '.repeat(200),
    'x'.repeat(20_000),
  ]) {
    invalid(await search({ filter }), `filter ${filter.slice(0, 40)}`);
  }
  invalid(await search({ page_token: 'garbage' }), 'page token');
  invalid(await search({ max_results: 50_001 }), 'max_results');
  invalid(await search({ order_by: ['datasets.x DESC'] }), 'order by an unknown entity');
  invalid(await search({ order_by: ['tags.x DESC'], page_token: 'WyJ4Il0' }), 'a token of another order');
  invalid(
    await ml.get('metrics/get-history', { run_id: run, metric_key: 'm', page_token: 'garbage' }),
    'history token',
  );
  const ok = await search({ filter: "params.\"weird key\" = 'a''b'" });
  assert.equal(ok.status, 200);
});

test('artifact paths stay inside the run', async () => {
  const base = `${exp}/${run}/artifacts`;
  for (const path of ['../../other/x', '%2e%2e/x', 'a/../../x', '/etc/passwd', 'a//b', 'C:\\x']) {
    const r = await ml.put(`${base}/${path}`, 'x');
    assert.ok(r.status === 400 || r.status === 404, `${path}: ${r.status}`);
    assert.notEqual(r.body?.error_code, 'INTERNAL_ERROR');
  }
  const other = (await ml.post('runs/create', { experiment_id: exp })).body.run.info.run_id;
  // A run id under another experiment's id is not found, whatever the key.
  const exp2 = (await ml.post('experiments/create', { name: 'hostile-2' })).body.experiment_id;
  const wrong = await ml.put(`${exp2}/${other}/artifacts/x.txt`, 'x');
  assert.equal(wrong.status, 404);
  invalid(await ml.get('artifacts/list', { run_id: run, path: '../x' }), 'list traversal');
  const list = await ml.get('artifacts/list', { run_id: run });
  assert.deepEqual(list.body.files, []);
});
