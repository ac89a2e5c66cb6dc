// Launch -> queue -> agent -> the real VGG16 trainer process -> FINISHED, all through GraphQL on the
// real server: the path a user takes from the dashboard's launch form. 32x32 inputs, tiny generated
// folders, random weights: it checks the wiring, the benchmark measures speed.
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, test } from 'node:test';
import { Agent } from '../../trainers/src/agent/agent.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { makeImageFolders, TWO_CLASSES, tempDir } from './helpers.ts';

let s: TestServer;
let agent: Agent;
before(async () => {
  s = await startTestServer();
  agent = new Agent({ server: s.url, concurrency: 1, gpus: ['0'], labels: [], pollMs: 200, log: () => {} }); // GPU 0 is only a label here (no CUDA): it must be recorded on the run
  await agent.start();
});
after(async () => {
  await agent.stop(true);
  await s.close();
});

test('a run launched through GraphQL is trained by an agent and ends FINISHED with per-epoch metrics and logs', async (t) => {
  const root = await tempDir(t);
  const dirs = await makeImageFolders(root, TWO_CLASSES, { train: 8, validation: 4 }, 32, 3);
  await s.gql(`mutation { createExperiment(input: { name: "launched" }) { id } }`);
  const { launchRun } = await s.gql(
    `mutation($c: JSON!) { launchRun(input: { experimentName: "launched", config: $c }) { id } }`,
    {
      c: {
        train: dirs.train,
        val: dirs.validation,
        size: 32,
        batch: 4,
        epochs: 2,
        cacheDir: `${root}/cache`,
        output: `${root}/model`,
      },
    },
  );
  const query = `query($id: ID!) { run(id: $id) { status errorMessage systemInfo metrics { key count lastStep } launch { attempt agent { name } } logs(first: 500) { lines { stream text } } } }`;
  const run = await waitFor(
    async () => {
      const { run } = await s.gql(query, { id: launchRun.id });
      return !['QUEUED', 'RUNNING'].includes(run.status) && run;
    },
    { timeout: 300_000, interval: 500, what: 'the launched run to end' },
  );
  assert.equal(
    run.status,
    'FINISHED',
    `${run.status}: ${run.errorMessage}\n${run.logs.lines.map((l: any) => l.text).join('\n')}`,
  );
  const metrics = Object.fromEntries(run.metrics.map((m: any) => [m.key, m]));
  for (const key of ['loss', 'acc', 'val_loss', 'val_acc'])
    assert.equal(metrics[key]?.count, 2, `${key} once per epoch`);
  assert.equal(run.systemInfo.agent.host, os.hostname(), 'the agent recorded where it ran');
  assert.equal(run.systemInfo.agent.id, agent.id);
  assert.equal(run.systemInfo.gpu, '0', 'and on which GPU');
  assert.match(run.systemInfo.engines.head, /^tfjs 4\.22\.0 /, 'and the trainer its engines');
  assert.equal(typeof run.systemInfo.engines.prefix, 'string');
  assert.ok(
    run.logs.lines.some((l: any) => /epoch 2\/2/.test(l.text)),
    `the trainer output reached the server:\n${run.logs.lines.map((l: any) => l.text).join('\n')}`,
  );
  assert.equal(run.launch.attempt, 0);
});
