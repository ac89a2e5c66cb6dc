// Launch -> queue -> agent -> the real VGG16 trainer process -> FINISHED, all through GraphQL on the
// real server: the path a user takes from the dashboard's launch form. 32x32 inputs, tiny generated
// folders, random weights: it checks the wiring, the benchmark measures speed.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from '../../trainers/src/agent/agent.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeImageFolders, TWO_CLASSES } from './helpers.ts';

let s: TestServer;
let agent: Agent;
let root: string;
before(async () => {
  s = await startTestServer();
  root = await mkdtemp(join(tmpdir(), 'rb-launch-e2e-'));
  // The agent only reads inside its data roots and writes inside its output root.
  agent = new Agent({
    server: s.url,
    concurrency: 1,
    gpus: ['0'], // only a label here (no CUDA): it must be recorded on the run
    labels: [],
    pollMs: 200,
    dataRoots: [root],
    outputRoot: join(root, 'out'),
    log: () => {},
  });
  await agent.start();
});
after(async () => {
  await agent.stop(true);
  await s.close();
  await rm(root, { recursive: true, force: true });
});

test('a run launched through GraphQL is trained by an agent and ends FINISHED with per-epoch metrics and logs', async () => {
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
        cacheDir: 'cache',
        output: 'model',
      },
    },
  );
  let run: any;
  for (const until = Date.now() + 150_000; Date.now() < until; await sleep(500)) {
    ({ run } = await s.gql(
      `query($id: ID!) { run(id: $id) { status errorMessage systemInfo metrics { key count lastStep } launch { attempt agent { name } } logs(first: 500) { lines { stream text } } } }`,
      { id: launchRun.id },
    ));
    if (!['QUEUED', 'RUNNING'].includes(run.status)) break;
  }
  assert.equal(
    run.status,
    'FINISHED',
    `${run.status}: ${run.errorMessage}\n${run.logs.lines.map((l: any) => l.text).join('\n')}`,
  );
  const metrics = Object.fromEntries(run.metrics.map((m: any) => [m.key, m]));
  for (const key of ['loss', 'acc', 'val_loss', 'val_acc'])
    assert.equal(metrics[key]?.count, 2, `${key} once per epoch`);
  assert.ok(run.systemInfo.agent?.host, 'the agent recorded where it ran');
  assert.equal(run.systemInfo.gpu, '0', 'and on which GPU');
  assert.ok(run.systemInfo.engines, 'and the trainer its engines');
  assert.ok(run.logs.lines.length > 0, 'the trainer output reached the server');
  assert.equal(run.launch.attempt, 0);
});
