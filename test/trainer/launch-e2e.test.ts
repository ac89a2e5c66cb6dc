// Launch -> queue -> agent -> the real VGG16 trainer process -> FINISHED, all through GraphQL on the
// real server: the path a user takes from the dashboard's launch form. 32x32 inputs, tiny generated
// folders, random weights: it checks the wiring, the benchmark measures speed.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeImageFolders, TWO_CLASSES, tempDir } from '@runboard/test-kit/images';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';
import { Agent } from '@runboard/trainers';

let s: TestServer;
let agent: Agent;
let dataRoot: string;
before(async () => {
  s = await startTestServer();
  dataRoot = await mkdtemp(join(tmpdir(), 'rb-data-root-'));
  // GPU 0 is only a label here (no CUDA): it must be recorded on the run
  agent = new Agent({
    server: s.url,
    concurrency: 1,
    gpus: ['0'],
    labels: [],
    pollMs: 200,
    log: () => {},
    name: 'gpu-1',
    dataRoots: [dataRoot],
    outputRoot: join(dataRoot, 'out'),
  });
  await agent.start();
});
after(async () => {
  await agent.stop(true);
  await s.close();
  await rm(dataRoot, { recursive: true, force: true });
});

test('a run launched through GraphQL is trained by an agent and ends FINISHED with per-epoch metrics and logs', async () => {
  const dirs = await makeImageFolders(dataRoot, TWO_CLASSES, { train: 8, validation: 4 }, 32, 3);
  await s.gql(`mutation { createExperiment(input: { name: "launched" }) { id } }`);
  const { launchRun } = await s.gql(
    `mutation($c: JSON!) { launchRun(input: { experimentName: "launched", config: $c }) { id } }`,
    {
      c: {
        train: dirs.train,
        val: dirs.validation,
        weights: 'random',
        size: 32,
        batch: 4,
        epochs: 2,
        cacheDir: 'cache',
        output: 'model',
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
  // The agent runs its bundled trainer (trainer-bundle.ts), with the ORT kernel worker beside it.
  assert.match(run.systemInfo.trainerModule, /[/\\]trainers[/\\]dist[/\\]cli\.mjs$/);
  assert.ok(
    run.systemInfo.engines.tfjsBackendNotes.some((n: string) => n.includes('onnxruntime-node in a worker')),
    run.systemInfo.engines.tfjsBackendNotes.join('; '),
  );
  assert.ok(
    run.logs.lines.some((l: any) => /epoch 2\/2/i.test(l.text)),
    `the trainer output reached the server:\n${run.logs.lines.map((l: any) => l.text).join('\n')}`,
  );
  assert.equal(run.launch.attempt, 0);
});

test('a launch with a missing folder, into a new experiment name, is FAILED within 2 s with the cause first', async () => {
  // No createExperiment: launchRun creates "fresh-experiment" as createRun would.
  const { launchRun } = await s.gql(
    `mutation($c: JSON!) { launchRun(input: { experimentName: "fresh-experiment", config: $c }) { id experiment { name } } }`,
    { c: { train: 'data/train', val: 'data/validation', weights: 'random', size: 32 } },
  );
  assert.equal(launchRun.experiment.name, 'fresh-experiment');
  let run: any;
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(100)) {
    ({ run } = await s.gql(
      `query($id: ID!) { run(id: $id) { status errorMessage createdAt startedAt finishedAt logs(first: 50) { lines { stream text } } } }`,
      { id: launchRun.id },
    ));
    if (!['QUEUED', 'RUNNING'].includes(run.status)) break;
  }
  assert.equal(run.status, 'FAILED');
  assert.ok(
    run.errorMessage.startsWith(`train folder data/train not found under data root ${dataRoot} on agent gpu-1`),
    run.errorMessage,
  );
  assert.doesNotMatch(run.errorMessage, /\bat .*\.ts:\d+/, 'no stack frames in errorMessage');
  assert.equal(run.startedAt, null, 'it never reported RUNNING');
  const took = Date.parse(run.finishedAt) - Date.parse(run.createdAt);
  assert.ok(took < 2000, `FAILED ${took} ms after the launch`);
  assert.ok(run.logs.lines.some((l: any) => l.text.startsWith('error: train folder data/train not found')));
});

test('the agent advertises its data roots and named data sets', async () => {
  const { agents } = await s.gql(`{ agents { name info } }`);
  const me = agents.find((a: any) => a.name === 'gpu-1');
  assert.deepEqual(me.info.dataRoots, [dataRoot]);
  assert.deepEqual(
    me.info.datasets.map((d: any) => d.name),
    ['cats_vs_dogs', 'fashion_mnist:A,B'],
  );
});

test('an agent without GPUs hands runs to a trainer started ahead of time (imports done), which trains them', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'rb-warm-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const cpuAgent = new Agent({
    server: s.url,
    concurrency: 1,
    gpus: [],
    labels: ['cpu'],
    pollMs: 200,
    log: () => {},
    dataRoots: [root],
    outputRoot: join(root, 'out'),
  });
  await cpuAgent.start();
  t.after(() => cpuAgent.stop(true));
  const dirs = await makeImageFolders(root, TWO_CLASSES, { train: 4, validation: 2 }, 32, 4);
  const ids: string[] = [];
  for (const name of ['warm-1', 'warm-2']) {
    const { launchRun } = await s.gql(
      `mutation($c: JSON!, $n: String) { launchRun(input: { experimentName: "launched", name: $n, labels: ["cpu"], config: $c }) { id } }`,
      {
        n: name,
        c: {
          train: dirs.train,
          val: dirs.validation,
          weights: 'random',
          size: 32,
          batch: 4,
          epochs: 1,
          cacheDir: 'cache',
        },
      },
    );
    ids.push(launchRun.id);
  }
  for (const id of ids) {
    let run: any;
    for (const until = Date.now() + 150_000; Date.now() < until; await sleep(300)) {
      ({ run } = await s.gql(
        `query($id: ID!) { run(id: $id) { name status errorMessage logs(first: 500) { lines { text } } } }`,
        { id },
      ));
      if (!['QUEUED', 'RUNNING'].includes(run.status)) break;
    }
    const text = run.logs.lines.map((l: any) => l.text).join('\n');
    assert.equal(run.status, 'FINISHED', `${run.errorMessage}\n${text}`);
    assert.match(text, /warm trainer \(pid \d+\): modules and tfjs backend were ready/);
    assert.match(text, new RegExp(`run ${run.name} \\(id ${id}\\)`), "the trainer uses the launch's run name");
  }
});
