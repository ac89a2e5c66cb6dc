import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type MlflowClient, mlflowClient } from '@runboard/test-kit/mlflow';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';

/** Experiment tags, rename, MLflow's soft deletes of experiments and runs, the /ajax-api alias. */
let server: TestServer;
let ml: MlflowClient;

before(async () => {
  server = await startTestServer();
  ml = mlflowClient(server.url);
});
after(() => server.close());

test('experiment tags, rename, delete and restore', async () => {
  const id = (await ml.post('experiments/create', { name: 'life', tags: [{ key: 'owner', value: 'ml-team' }] })).body
    .experiment_id;
  assert.equal(
    (await ml.post('experiments/set-experiment-tag', { experiment_id: id, key: 'mlflow.note.content', value: 'notes' }))
      .status,
    200,
  );
  assert.equal((await ml.post('experiments/update', { experiment_id: id, new_name: 'life-2' })).status, 200);
  const got = (await ml.get('experiments/get', { experiment_id: id })).body.experiment;
  assert.equal(got.name, 'life-2');
  assert.deepEqual(got.tags, [
    { key: 'owner', value: 'ml-team' },
    { key: 'mlflow.note.content', value: 'notes' },
  ]);
  const g = await server.gql(`query($id: ID!) { experiment(id: $id) { name description } }`, { id });
  assert.deepEqual(g.experiment, { name: 'life-2', description: 'notes' });

  assert.equal((await ml.post('experiments/delete', { experiment_id: id })).status, 200);
  assert.equal((await ml.get('experiments/get', { experiment_id: id })).body.experiment.lifecycle_stage, 'deleted');
  const names = async (view_type: string) =>
    (await ml.post('experiments/search', { view_type, max_results: 100 })).body.experiments.map((e: any) => e.name);
  assert.ok(!(await names('ACTIVE_ONLY')).includes('life-2'));
  assert.ok((await names('DELETED_ONLY')).includes('life-2'));
  const refused = await ml.post('runs/create', { experiment_id: id });
  assert.equal(refused.body.error_code, 'INVALID_PARAMETER_VALUE');
  assert.equal((await ml.post('experiments/restore', { experiment_id: id })).status, 200);
  assert.ok((await names('ACTIVE_ONLY')).includes('life-2'));
  const byFilter = await ml.post('experiments/search', { filter: "name LIKE 'life%'", order_by: ['name ASC'] });
  assert.deepEqual(
    byFilter.body.experiments.map((e: any) => e.name),
    ['life-2'],
  );
});

test('delete-experiment-tag: as MLflow, RESOURCE_DOES_NOT_EXIST when absent, refused on a deleted experiment', async () => {
  const id = (
    await ml.post('experiments/create', {
      name: 'untag',
      tags: [
        { key: 'owner', value: 'ml-team' },
        { key: 'stage', value: 'dev' },
      ],
    })
  ).body.experiment_id;
  await ml.post('experiments/set-experiment-tag', { experiment_id: id, key: 'mlflow.note.content', value: 'notes' });
  const del = await ml.post('experiments/delete-experiment-tag', { experiment_id: id, key: 'owner' });
  assert.equal(del.status, 200, JSON.stringify(del.body));
  assert.deepEqual(del.body, {});
  const tags = async () => (await ml.get('experiments/get', { experiment_id: id })).body.experiment.tags;
  assert.deepEqual(await tags(), [
    { key: 'stage', value: 'dev' },
    { key: 'mlflow.note.content', value: 'notes' },
  ]);
  const again = await ml.post('experiments/delete-experiment-tag', { experiment_id: id, key: 'owner' });
  assert.equal(again.status, 404);
  assert.equal(again.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
  assert.equal(again.body.message, `No tag with name: owner in experiment with id ${id}`);
  // The note is the experiment's description: deleting it clears the description.
  assert.equal(
    (await ml.post('experiments/delete-experiment-tag', { experiment_id: id, key: 'mlflow.note.content' })).status,
    200,
  );
  const g = await server.gql(`query($id: ID!) { experiment(id: $id) { description } }`, { id });
  assert.equal(g.experiment.description, '');
  assert.deepEqual(await tags(), [{ key: 'stage', value: 'dev' }]);
  // A deleted experiment takes no tag changes, either way.
  await ml.post('experiments/delete', { experiment_id: id });
  for (const [endpoint, body] of [
    ['experiments/delete-experiment-tag', { experiment_id: id, key: 'stage' }],
    ['experiments/set-experiment-tag', { experiment_id: id, key: 'stage', value: 'prod' }],
  ] as const) {
    const r = await ml.post(endpoint, body);
    assert.equal(r.status, 400, endpoint);
    assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE', endpoint);
    assert.match(r.body.message, /must be in the 'active' state/);
  }
  await ml.post('experiments/restore', { experiment_id: id });
  assert.deepEqual(await tags(), [{ key: 'stage', value: 'dev' }]);
});

test('run delete is an archive: hidden from ACTIVE_ONLY and the dashboard list, restorable, no writes meanwhile', async () => {
  const exp = (await ml.post('experiments/create', { name: 'runs-life' })).body.experiment_id;
  const run = (await ml.post('runs/create', { experiment_id: exp })).body.run.info.run_id;
  assert.equal((await ml.post('runs/delete', { run_id: run })).status, 200);
  const search = async (run_view_type: string) =>
    (await ml.post('runs/search', { experiment_ids: [exp], run_view_type })).body.runs?.length ?? 0;
  assert.equal(await search('ACTIVE_ONLY'), 0);
  assert.equal(await search('DELETED_ONLY'), 1);
  assert.equal(await search('ALL'), 1);
  const g = await server.gql(`query($id: ID!) { run(id: $id) { archived } }`, { id: run });
  assert.equal(g.run.archived, true);
  const write = await ml.post('runs/log-metric', { run_id: run, key: 'x', value: 1, timestamp: 1 });
  assert.equal(write.body.error_code, 'INVALID_PARAMETER_VALUE');
  // Nor updates (MLflow's update_run_info checks the run is active): end_run on a deleted run ends nothing.
  for (const body of [{ status: 'FINISHED', end_time: 5_000 }, { run_name: 'renamed' }, { end_time: 5_000 }]) {
    const u = await ml.post('runs/update', { run_id: run, ...body });
    assert.equal(u.status, 400, JSON.stringify(body));
    assert.equal(u.body.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(u.body.message, /must be in the 'active' state\. Current state is deleted/);
  }
  const info = (await ml.get('runs/get', { run_id: run })).body.run.info;
  assert.deepEqual([info.status, info.end_time, info.run_name], ['RUNNING', undefined, 'run-1']);
  assert.equal((await ml.post('runs/restore', { run_id: run })).status, 200);
  assert.equal(await search('ACTIVE_ONLY'), 1);
  // The default experiment "0" is the experiment named Default.
  const d = await ml.post('runs/create', { experiment_id: '0' });
  assert.equal(d.status, 200);
  const def = (await ml.get('experiments/get-by-name', { experiment_name: 'Default' })).body.experiment;
  assert.equal(d.body.run.info.experiment_id, def.experiment_id);
});

test('the /ajax-api alias answers the same', async () => {
  const r = await fetch(`${ml.base}/ajax-api/2.0/mlflow/experiments/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ max_results: 5 }),
  });
  assert.equal(r.status, 200);
  assert.ok(Array.isArray((await r.json()).experiments));
});
