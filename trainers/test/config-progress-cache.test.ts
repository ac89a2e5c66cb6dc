import assert from 'node:assert/strict';
import { readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@runboard/test-kit/images';
import { ConfigError, configFromArgs } from '../src/config.ts';
import { FeatureCache, type FeatureKeyParts, featureEngine } from '../src/features/feature-cache.ts';
import { Journal } from '../src/tracking/journal.ts';
import { fmtSeconds, renderBar, TerminalProgress } from '../src/train/progress.ts';

test('config: Keras-example defaults', async () => {
  const c = await configFromArgs(
    ['--experiment', 'cats-vs-dogs', '--train', 'data/train', '--val', 'data/validation'],
    {},
  );
  assert.deepEqual(
    [c.epochs, c.lr, c.size, c.batch, c.preprocessing, c.fineTuneFrom, c.augment],
    [30, 2e-5, 150, 20, 'rescale', undefined, false],
  );
});

test('config: every problem is reported at once', async () => {
  const err = await configFromArgs(
    ['--size', '16', '--epochs', 'x', '--server', 'nope', '--fine-tune-from', 'block9_conv1', '--lr=-1'],
    {},
  ).catch((e) => e);
  assert.ok(err instanceof ConfigError);
  const fields = err.problems.map((p: string) => p.split(':')[0]).sort();
  // (data / train+val are checked once every field parses, so they are not among these.)
  assert.deepEqual(fields, ['epochs', 'experiment', 'fineTuneFrom', 'lr', 'server', 'size']);
  assert.match(err.message, /size: must be >= 32/);
});

test('config: unknown flags are errors; pooling layers cannot start fine-tuning', async () => {
  await assert.rejects(configFromArgs(['--epoch', '3'], {}), /Unknown option '--epoch'/);
  await assert.rejects(
    configFromArgs(['--experiment', 'e', '--train', 't', '--val', 'v', '--fine-tune-from', 'block4_pool'], {}),
    /fineTuneFrom: must name a conv layer/,
  );
});

test('config: --config file with CLI overrides, env supplies the server', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'run.json');
  await writeFile(
    file,
    JSON.stringify({
      experiment: 'from-file',
      train: 'a',
      val: 'b',
      epochs: 5,
      fineTuneFrom: 'block5_conv1',
      augmentation: { rotationRange: 10 },
    }),
  );
  const c = await configFromArgs(['--config', file, '--epochs', '7', '--augment'], {
    RUNBOARD_SERVER: 'http://127.0.0.1:4000',
  });
  assert.equal(c.experiment, 'from-file');
  assert.equal(c.epochs, 7);
  assert.equal(c.fineTuneFrom, 'block5_conv1');
  assert.equal(c.augment, true);
  assert.equal(c.augmentation.rotationRange, 10);
  assert.equal(c.augmentation.zoomRange, 0.2);
  assert.equal(c.server, 'http://127.0.0.1:4000');
  await writeFile(file, '{ nope');
  await assert.rejects(configFromArgs(['--config', file], {}), /--config .*run\.json/);
});

test('progress: bar with ETA on a TTY (redrawn with \\r); plain lines otherwise', () => {
  const bar = renderBar(
    {
      phase: 'head',
      epoch: 2,
      epochs: 30,
      batch: 5,
      batches: 10,
      elapsedSeconds: 10,
      metrics: { loss: 0.5, acc: 0.75 },
    },
    10,
  );
  assert.equal(bar, '[head] epoch 2/30 [=====>    ] 5/10 ETA 10s loss=0.5000 acc=0.7500');
  assert.equal(fmtSeconds(125), '2m05s');
  const tty: string[] = [];
  const p = new TerminalProgress({ write: (s: string) => tty.push(s), isTTY: true, columns: 200 });
  p.batch({ phase: 'head', epoch: 1, epochs: 1, batch: 1, batches: 2, elapsedSeconds: 1, metrics: {} });
  p.epochEnd('done');
  assert.ok(tty[0]!.startsWith('\r[head] epoch 1/1'));
  assert.equal(tty[1], '\r\x1b[Kdone\n');
  const plain: string[] = [];
  const q = new TerminalProgress({ write: (s: string) => plain.push(s), isTTY: false }, 3600);
  for (let b = 1; b <= 5; b++)
    q.batch({ phase: 'head', epoch: 1, epochs: 1, batch: b, batches: 5, elapsedSeconds: b, metrics: {} });
  q.epochEnd('epoch line');
  assert.ok(plain.every((l) => !l.includes('\r') && l.endsWith('\n')));
  assert.equal(plain.length, 2); // one periodic line (throttled), one epoch line
});

const PARTS: FeatureKeyParts = {
  weightsHash: 'w1',
  cut: 'block5_pool',
  preprocessing: 'rescale',
  size: 32,
  interpolation: 'nearest',
  engine: 'onnx/cpu/CPU',
  precision: 'fp32',
};

test('feature cache: key covers weights, cut, preprocessing, size, interpolation, engine, precision and image content', () => {
  const base = new FeatureCache('/x', PARTS, 4).key('img');
  const variants = [
    { ...PARTS, weightsHash: 'w2' },
    { ...PARTS, cut: 'block4_pool' },
    { ...PARTS, preprocessing: 'caffe' },
    { ...PARTS, size: 48 },
    { ...PARTS, interpolation: 'bilinear' },
    { ...PARTS, engine: 'tfjs/wasm/CPU' },
    { ...PARTS, ...featureEngine({ engine: 'onnx', provider: 'cuda', device: 'GPU' }, 'wasm') },
  ].map((p) => new FeatureCache('/x', p, 4).key('img'));
  assert.equal(new Set([base, ...variants]).size, 8);
  assert.notEqual(new FeatureCache('/x', PARTS, 4).key('img2'), base);
  assert.match(base, /^[0-9a-f]{64}$/);
});

test('feature cache: round trip; truncated or missing entries are misses', async (t) => {
  const dir = await tempDir(t);
  const c = new FeatureCache(dir, PARTS, 3);
  assert.equal(await c.get('a'), null);
  await c.put('a', Float32Array.from([1, 2.5, -3]));
  assert.deepEqual([...(await c.get('a'))!], [1, 2.5, -3]);
  assert.deepEqual([c.hits, c.misses], [1, 1]);
  const sub = (await readdir(dir))[0]!;
  const file = (await readdir(join(dir, sub)))[0]!;
  await truncate(join(dir, sub, file), 5);
  assert.equal(await c.get('a'), null);
});

test('journal: survives reopen, keeps order, resolves offline run ids, removes itself when empty', async (t) => {
  const path = join(await tempDir(t), 'j', 'run.jsonl');
  const j = await Journal.open(path);
  await j.append({
    op: 'createRun',
    localId: 'local:1',
    input: { experimentName: 'e', name: 'n', config: {}, tags: [], systemInfo: {} },
  });
  await j.append({
    op: 'logMetrics',
    runId: 'local:1',
    points: [{ key: 'loss', step: 1, value: 'NaN', wallTime: 'w' }],
  });
  const again = await Journal.open(path);
  assert.deepEqual(
    again.all().map((e) => [e.seq, e.call.op]),
    [
      [1, 'createRun'],
      [2, 'logMetrics'],
    ],
  );
  await again.resolveRunId('local:1', 'real-id');
  await again.shift();
  const third = await Journal.open(path);
  assert.deepEqual(
    third.all().map((e) => (e.call as { runId: string }).runId),
    ['real-id'],
  );
  assert.equal((third.peek()!.call as { points: Array<{ value: unknown }> }).points[0]!.value, 'NaN');
  await third.shift();
  assert.deepEqual(await readdir(join(path, '..')), []);
});
