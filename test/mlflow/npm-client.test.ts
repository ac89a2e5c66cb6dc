import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';

/**
 * An MLflow REST client nobody here wrote: the npm package `mlflow` (2.0.7, Yuhsak Inoue, MIT), a thin Node.js
 * wrapper over MLflow's REST API (fetch via isomorphic-unfetch). It was written against MLflow's own server;
 * here it drives Runboard's, with a scoped key in its `headers` option.
 */
const require = createRequire(import.meta.url);
const MLflow = require('mlflow');

const ADMIN = 'admin-key-for-the-npm-mlflow-client-test-0123';
let server: TestServer;
let client: any;

before(async () => {
  server = await startTestServer({ apiKey: ADMIN });
  client = new MLflow({
    endpoint: server.url.replace(/\/graphql$/, ''),
    headers: { Authorization: `Bearer ${ADMIN}` },
  });
});
after(() => server.close());

test('the npm mlflow client creates, logs, searches and reads back', async () => {
  // The package prints every POST body; keep the test output readable.
  const log = console.log;
  console.log = () => {};
  try {
    const { experiment_id } = await client.Experiments.create({ name: 'npm-client' });
    assert.equal(typeof experiment_id, 'string');
    const { experiment } = await client.Experiments.get({ experiment_id });
    assert.equal(experiment.name, 'npm-client');

    const { run } = await client.Runs.create({
      experiment_id,
      user_id: 'bob',
      start_time: Date.now(),
      tags: [{ key: 'mlflow.runName', value: 'from-npm' }],
    });
    const run_id = run.info.run_id;
    assert.equal(run.info.run_name, 'from-npm');
    await client.Runs.logParameter({ run_id, key: 'batch_size', value: '32' });
    for (let step = 0; step < 3; step++)
      await client.Runs.logMetric({ run_id, key: 'loss', value: 1 / (step + 1), timestamp: Date.now(), step });
    await client.Runs.logBatch({
      run_id,
      metrics: [{ key: 'acc', value: 0.8, timestamp: Date.now(), step: 2 }],
      params: [{ key: 'model', value: 'vgg16' }],
      tags: [{ key: 'source', value: 'npm' }],
    });
    await client.Runs.setTag({ run_id, key: 'stage', value: 'dev' });
    await client.Runs.update({ run_id, status: 'FINISHED', end_time: Date.now() });

    const history = await client.Metrics.getHistory({ run_id, metric_key: 'loss' });
    assert.deepEqual(
      history.metrics.map((m: any) => [m.step, m.value]),
      [
        [0, 1],
        [1, 0.5],
        [2, 1 / 3],
      ],
    );
    const { runs } = await client.Runs.search({
      experiment_ids: [experiment_id],
      filter: "params.batch_size = '32' and metrics.acc > 0.5 and tags.source = 'npm'",
      run_view_type: 'ACTIVE_ONLY',
    });
    assert.equal(runs.length, 1);
    assert.equal(runs[0].info.status, 'FINISHED');
    const got = (await client.Runs.get({ run_id })).run;
    assert.deepEqual(got.data.params.map((p: any) => `${p.key}=${p.value}`).sort(), ['batch_size=32', 'model=vgg16']);
    assert.ok(got.data.tags.some((t: any) => t.key === 'stage' && t.value === 'dev'));
    // Its errors carry MLflow's shape through.
    await assert.rejects(
      client.Runs.get({ run_id: '00000000-0000-0000-0000-000000000000' }),
      /RESOURCE_DOES_NOT_EXIST/,
    );
    // Soft delete and restore.
    await client.Runs.delete({ run_id });
    assert.equal((await client.Runs.get({ run_id })).run.info.lifecycle_stage, 'deleted');
    await client.Runs.restore({ run_id });
    assert.equal((await client.Runs.get({ run_id })).run.info.lifecycle_stage, 'active');
  } finally {
    console.log = log;
  }
  // The run is Runboard's: GraphQL sees it.
  const g = await server.request(
    `query { runs(filter: { experimentName: "npm-client" }) { nodes { name status config } } }`,
  );
  assert.equal(g.errors, undefined, JSON.stringify(g.errors));
  assert.deepEqual(g.data.runs.nodes, [
    { name: 'from-npm', status: 'FINISHED', config: { batch_size: 32, model: 'vgg16' } },
  ]);
});
