// The trainer against the REAL Runboard server (test-kit/src/server.ts: real PostgreSQL), including
// an outage: a TCP pass-through that is cut and restored stands between trainer and server.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeImageFolders, TWO_CLASSES, tempDir } from '@runboard/test-kit/images';
import { cuttableTcp } from '@runboard/test-kit/proxy';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { withTimeout } from '@runboard/test-kit/wait';
import { type TrainConfig, validateConfig } from '../src/config.ts';
import { randomVggWeights } from '../src/model/weights.ts';
import { encodeMetricValue, RunboardClient } from '../src/tracking/graphql-client.ts';
import { Journal } from '../src/tracking/journal.ts';
import { replayJournalFile, ServerTracker } from '../src/tracking/server-tracker.ts';
import { train } from '../src/train/trainer.ts';

const W = randomVggWeights(7);
let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.close();
});

async function folders(t: Parameters<typeof tempDir>[0]) {
  const root = await tempDir(t);
  const dirs = await makeImageFolders(root, TWO_CLASSES, { train: 8, validation: 4 }, 32, 5);
  const cfg = (extra: Partial<TrainConfig> = {}) =>
    validateConfig({
      experiment: 'trainer-e2e',
      train: dirs.train!,
      val: dirs.validation!,
      weights: 'random',
      size: 32,
      batch: 4,
      epochs: 3,
      lr: 1e-3,
      preprocessing: 'caffe',
      cacheDir: join(root, 'cache'),
      output: join(root, 'model'),
      ...extra,
    });
  return { root, cfg };
}

const RUN_QUERY = `query($id: ID!) { run(id: $id) { status exitCode errorMessage systemInfo config
  experiment { name } metrics { key count lastStep lastValue } artifacts { name kind size }
  history(key: "val_acc") { step value } } }`;

test('MetricValue encoding of non-finite numbers', () => {
  assert.deepEqual([1.5, NaN, Infinity, -Infinity].map(encodeMetricValue), [1.5, 'NaN', 'Infinity', '-Infinity']);
});

test('a run is created, started, logs every epoch, uploads its model and finishes on the server', async (t) => {
  const { root, cfg } = await folders(t);
  const tracker = new ServerTracker({
    client: new RunboardClient({ url: server.url }),
    journalPath: join(root, 'journal.jsonl'),
    heartbeatSeconds: 0.2,
    log: () => {},
  });
  const r = await train(cfg({ name: 'e2e-ok' }), { tracker, weights: W });
  await tracker.finish(r.status, 0);
  assert.ok(tracker.runId);
  const { run } = await server.gql(RUN_QUERY, { id: tracker.runId });
  assert.equal(run.status, 'FINISHED');
  assert.equal(run.exitCode, 0);
  assert.equal(run.experiment.name, 'trainer-e2e');
  assert.equal(run.config.lr, 1e-3);
  assert.match(run.systemInfo.engines.prefix, /onnxruntime-node/);
  assert.match(run.systemInfo.engines.head, /tfjs 4\.22\.0/);
  // re-sent once known: the base engine that was really built, and the artifacts' real format
  assert.match(run.systemInfo.engines.prefix_head, /^onnxruntime-node [\d.]+ \(cpu EP, \d+ threads\)$/);
  assert.equal(run.systemInfo.artifacts.format, 'tfjs-layers-model (trained layers only) + base.json');
  const keys = Object.fromEntries(
    run.metrics.map((m: { key: string; count: number; lastStep: number }) => [m.key, [m.count, m.lastStep]]),
  );
  for (const k of ['loss', 'acc', 'val_loss', 'val_acc', 'lr', 'epoch_seconds', 'images_per_second', 'phase'])
    assert.deepEqual(keys[k], [3, 3], k);
  assert.deepEqual(
    run.history.map((p: { step: number }) => p.step),
    [1, 2, 3],
  );
  assert.deepEqual(run.artifacts.map((a: { name: string }) => a.name).sort(), [
    'model/base.json',
    'model/model.json',
    'model/weights.bin',
  ]);
  assert.equal(tracker.pending, 0);
  assert.ok(!existsSync(join(root, 'journal.jsonl')), 'journal left behind after full delivery');
});

test('server unreachable from the start: training goes on, the journal replays in order when it is back', async (t) => {
  const { root, cfg } = await folders(t);
  const proxy = await cuttableTcp(new URL(server.url));
  t.after(() => proxy.cut().catch(() => {}));
  await proxy.cut();
  const logs: string[] = [];
  const journalPath = join(root, 'journal.jsonl');
  const tracker = new ServerTracker({
    client: new RunboardClient({ url: proxy.url, timeoutMs: 2000 }),
    journalPath,
    heartbeatSeconds: 60,
    log: (m) => logs.push(m),
  });
  let restored = false;
  const r = await train(cfg({ name: 'e2e-outage', epochs: 3 }), {
    tracker,
    weights: W,
    progress: {
      phase() {},
      batch() {},
      message() {},
      close() {},
      epochEnd() {
        // after epoch 2 the server comes back; epoch 3's log call replays the backlog first
        if (!restored && tracker.pending >= 4) {
          restored = true;
          void proxy.restore();
        }
      },
    },
  });
  assert.equal(r.status, 'FINISHED');
  assert.equal(r.history.length, 3);
  assert.ok(
    logs.some((l) => l.includes('unreachable')),
    logs.join('\n'),
  );
  await tracker.finish('FINISHED', 0);
  assert.equal(tracker.pending, 0);
  const { run } = await server.gql(RUN_QUERY, { id: tracker.runId });
  assert.equal(run.status, 'FINISHED');
  assert.deepEqual(
    run.history.map((p: { step: number }) => p.step),
    [1, 2, 3],
  );
  assert.deepEqual(
    run.history.map((p: { value: number }) => p.value),
    r.history.map((h) => h.metrics.val_acc),
  );
});

test('a black-holed server never stalls training; what could not be sent stays in the journal for --replay-journal', async (t) => {
  // Accepts connections and never answers: the worst case for a trainer (no fast ECONNREFUSED).
  const sockets: net.Socket[] = [];
  const hole = net.createServer((c) => void sockets.push(c));
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', () => r()));
  t.after(() => {
    for (const c of sockets) c.destroy();
    hole.close();
  });
  const url = `http://127.0.0.1:${(hole.address() as net.AddressInfo).port}/graphql`;
  const root = await tempDir(t);
  const journalPath = join(root, 'j.jsonl');
  const logs: string[] = [];
  // Any call that waited on the network would take at least the HTTP timeout: that, not speed, is the bound.
  const httpTimeoutMs = 4000;
  const tracker = new ServerTracker({
    client: new RunboardClient({ url, timeoutMs: httpTimeoutMs }),
    journalPath,
    heartbeatSeconds: 60,
    finishTimeoutMs: 1500,
    log: (m) => logs.push(m),
  });
  await tracker.start({ experimentName: 'trainer-e2e', name: 'black-hole', config: {}, tags: [], systemInfo: {} });
  const logThree = async () => {
    for (let step = 1; step <= 3; step++)
      await tracker.logMetrics([{ key: 'loss', step, value: 1 / step, wallTime: new Date().toISOString() }]);
  };
  await withTimeout(
    logThree(),
    httpTimeoutMs,
    'three logMetrics calls against a black hole (one waited on the network)',
  );
  await tracker.finish('FINISHED', 0);
  assert.ok(
    logs.some((l) => l.includes('--replay-journal')),
    logs.join('\n'),
  );
  const left = await Journal.open(journalPath);
  assert.deepEqual(
    left.all().map((e) => e.call.op),
    ['createRun', 'startRun', 'logMetrics', 'logMetrics', 'logMetrics', 'finishRun'],
  );
  // later, from another process, against the real server
  assert.deepEqual(await replayJournalFile(new RunboardClient({ url: server.url }), journalPath, () => {}), {
    delivered: 6,
    left: 0,
  });
  const data = await server.gql(
    `{ runs(filter: { experimentName: "trainer-e2e", where: "name = \\"black-hole\\"" }) { nodes { status metric(key: "loss") { count lastStep } } } }`,
  );
  assert.equal(data.runs.nodes[0].status, 'FINISHED');
  assert.deepEqual(data.runs.nodes[0].metric, { count: 3, lastStep: 3 });
});

test('a journal left by a dead process is delivered by replayJournalFile', async (t) => {
  const root = await tempDir(t);
  const path = join(root, 'left.jsonl');
  const j = await Journal.open(path);
  const wallTime = new Date().toISOString();
  await j.append({
    op: 'createRun',
    localId: 'local:x',
    input: {
      experimentName: 'trainer-e2e',
      name: 'from-journal',
      config: { lr: 1 },
      tags: ['replayed'],
      systemInfo: {},
    },
  });
  await j.append({ op: 'startRun', runId: 'local:x', systemInfo: { host: 'gone' } });
  await j.append({ op: 'logMetrics', runId: 'local:x', points: [{ key: 'loss', step: 1, value: 'NaN', wallTime }] });
  await j.append({ op: 'finishRun', runId: 'local:x', status: 'FAILED', exitCode: 1, error: 'boom' });
  // re-read from disk, as a new process would
  const r = await replayJournalFile(new RunboardClient({ url: server.url }), path, () => {});
  assert.deepEqual(r, { delivered: 4, left: 0 });
  const data = await server.gql(
    `{ runs(filter: { experimentName: "trainer-e2e", where: "name ~ \\"from-journal\\"" }) { nodes { id status errorMessage tags metrics { key lastValue } } } }`,
  );
  const run = data.runs.nodes[0];
  assert.equal(run.status, 'FAILED');
  assert.equal(run.errorMessage, 'boom');
  assert.deepEqual(run.metrics, [{ key: 'loss', lastValue: 'NaN' }]);
});

test('--replay-journal: the CLI delivers a journal a dead trainer left and says how many calls', async (t) => {
  const root = await tempDir(t);
  const path = join(root, 'dead.jsonl');
  const j = await Journal.open(path);
  const wallTime = new Date().toISOString();
  const name = `cli-replay-${process.pid}`;
  await j.append({
    op: 'createRun',
    localId: 'local:y',
    input: { experimentName: 'trainer-e2e', name, config: { lr: 2 }, tags: [], systemInfo: {} },
  });
  await j.append({ op: 'startRun', runId: 'local:y', systemInfo: {} });
  await j.append({ op: 'logMetrics', runId: 'local:y', points: [{ key: 'acc', step: 1, value: 0.75, wallTime }] });
  await j.append({ op: 'finishRun', runId: 'local:y', status: 'FINISHED', exitCode: 0 });
  const res = await runCli(['--replay-journal', path, '--server', server.url]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /replayed 4 call\(s\); 0 left/);
  const data = await server.gql(
    `query($w: String!) { runs(filter: { experimentName: "trainer-e2e", where: $w }) { nodes { status config metric(key: "acc") { count lastValue } } } }`,
    { w: `name = "${name}"` },
  );
  assert.deepEqual(data.runs.nodes, [{ status: 'FINISHED', config: { lr: 2 }, metric: { count: 1, lastValue: 0.75 } }]);
  // Delivered calls leave the journal: replaying again sends nothing twice.
  const again = await runCli(['--replay-journal', path, '--server', server.url]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /replayed 0 call\(s\); 0 left/);
});

for (const how of ['cancelRun', 'finishRun(CANCELED)'] as const) {
  test(`${how} on the server stops the trainer after the current batch (seen by the heartbeat)`, async (t) => {
    const { root, cfg } = await folders(t);
    const stop = { requested: false };
    const tracker = new ServerTracker({
      client: new RunboardClient({ url: server.url }),
      journalPath: join(root, 'j.jsonl'),
      heartbeatSeconds: 0.1,
      onCanceled: () => (stop.requested = true),
      log: () => {},
    });
    let canceled = false;
    const r = await train(cfg({ name: `e2e-cancel-${how}`, epochs: 200 }), {
      tracker,
      weights: W,
      stop,
      progress: {
        phase() {},
        batch() {},
        message() {},
        close() {},
        epochEnd() {
          if (!canceled && tracker.runId) {
            canceled = true;
            void server.gql(
              how === 'cancelRun'
                ? `mutation($id: ID!) { cancelRun(id: $id) { status } }`
                : `mutation($id: ID!) { finishRun(id: $id, status: CANCELED, exitCode: 0) { status } }`,
              { id: tracker.runId },
            );
          }
        },
      },
    });
    assert.equal(r.status, 'CANCELED');
    assert.ok(r.history.length < 200);
    await tracker.finish('CANCELED', 0);
    const { run } = await server.gql(RUN_QUERY, { id: tracker.runId });
    assert.equal(run.status, 'CANCELED');
  });
}

test('CLI: an exception after the run started marks it FAILED with the error, exit code 1', async (t) => {
  const { root, cfg } = await folders(t);
  const c = cfg();
  await writeFile(join(c.train!, 'cats', 'zz-broken.png'), 'not a png');
  const res = await runCli([
    '--experiment',
    'trainer-e2e',
    '--name',
    'cli-broken',
    '--train',
    c.train!,
    '--val',
    c.val!,
    '--weights',
    'random',
    '--size',
    '32',
    '--epochs',
    '1',
    '--server',
    server.url,
    '--cache-dir',
    join(root, 'cache'),
    '--output',
    join(root, 'model'),
    '--journal',
    join(root, 'j.jsonl'),
  ]);
  assert.equal(res.code, 1, res.stderr);
  assert.match(res.stderr, /cannot decode .*zz-broken\.png/);
  const data = await server.gql(
    `{ runs(filter: { experimentName: "trainer-e2e", where: "name = \\"cli-broken\\"" }) { nodes { status exitCode errorMessage } } }`,
  );
  const run = data.runs.nodes[0];
  assert.equal(run.status, 'FAILED');
  assert.equal(run.exitCode, 1);
  assert.match(run.errorMessage, /cannot decode/);
});

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`CLI: trainer ${signal} stops after the current batch, logs the partial epoch and marks the run CANCELED (exit ${code})`, async (t) => {
    const { root, cfg } = await folders(t);
    const c = cfg();
    let sent = false;
    const res = await runCli(
      [
        '--experiment',
        'trainer-e2e',
        '--name',
        `cli-${signal}`,
        '--train',
        c.train!,
        '--val',
        c.val!,
        '--weights',
        'random',
        '--size',
        '32',
        '--epochs',
        '100000',
        '--batch',
        '2',
        '--preprocessing',
        'caffe',
        '--server',
        server.url,
        '--cache-dir',
        join(root, 'cache'),
        '--output',
        join(root, 'model'),
        '--journal',
        join(root, 'j.jsonl'),
      ],
      (out, child) => {
        if (!sent && /Epoch 2\/100000/.test(out)) {
          sent = true;
          child.kill(signal);
        }
      },
    );
    assert.equal(res.code, code, res.stderr);
    assert.match(res.stderr, new RegExp(`${signal}: stopping after the current batch`));
    assert.match(res.stderr, /CANCELED/);
    const data = await server.gql(
      `query($w: String!) { runs(filter: { experimentName: "trainer-e2e", where: $w }) { nodes { status exitCode artifacts { name } metric(key: "loss") { lastStep } } } }`,
      { w: `name = "cli-${signal}"` },
    );
    const run = data.runs.nodes[0];
    assert.equal(run.status, 'CANCELED');
    assert.equal(run.exitCode, code);
    assert.ok(run.metric.lastStep >= 2, 'the interrupted epoch was not logged');
    assert.equal(run.artifacts.length, 3, 'the trained layers (and base.json) of the work done are saved and uploaded');
  });
}

/** Runs the real CLI (`npm run train` = tsx trainers/src/cli.ts) as a child process. */
function runCli(
  args: string[],
  onStdout?: (all: string, child: ChildProcess) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'trainers/src/cli.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
