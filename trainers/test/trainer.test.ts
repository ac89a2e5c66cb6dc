// The training core end to end, offline (NullTracker), on tiny generated 32x32 images.

import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeImageFolders, THREE_CLASSES, TWO_CLASSES, tempDir } from '@runboard/test-kit/images';
import * as tf from '@tensorflow/tfjs';
import { type TrainConfig, validateConfig } from '../src/config.ts';
import { loadModelDir } from '../src/model/tfjs-io.ts';
import { VGG16_CONV_LAYERS } from '../src/model/vgg16-spec.ts';
import { hashWeights, randomVggWeights } from '../src/model/weights.ts';
import { NullTracker } from '../src/tracking/tracker.ts';
import { TerminalProgress } from '../src/train/progress.ts';
import { train } from '../src/train/trainer.ts';

const W = randomVggWeights(7);

async function setup(
  t: Parameters<typeof tempDir>[0],
  classes = TWO_CLASSES,
  per: Record<string, number> = { train: 12, validation: 6, test: 4 },
) {
  const root = await tempDir(t);
  const dirs = await makeImageFolders(root, classes, per, 32, 3);
  const base = (extra: Partial<TrainConfig> = {}): TrainConfig =>
    validateConfig({
      experiment: 'unit',
      name: 'run-1',
      train: dirs.train!,
      val: dirs.validation!,
      test: dirs.test,
      size: 32,
      batch: 8,
      epochs: 4,
      lr: 1e-3,
      // caffe keeps inputs at pixel scale, so random-init features are large enough to learn from
      preprocessing: 'caffe',
      cacheDir: join(root, 'cache'),
      output: join(root, 'model'),
      offline: true,
      ...extra,
    });
  return { root, base };
}

const EPOCH_KEYS = ['acc', 'epoch_seconds', 'images_per_second', 'loss', 'lr', 'phase', 'val_acc', 'val_loss'];

test('binary run: per-epoch metrics, learning, frozen base untouched, model saved and reloadable', async (t) => {
  const { base } = await setup(t);
  const tracker = new NullTracker();
  const r = await train(base({ exportFullModel: true }), { tracker, weights: W });
  assert.equal(r.status, 'FINISHED');
  assert.equal(r.task, 'binary');
  assert.deepEqual(r.classes, ['cats', 'dogs']);
  assert.deepEqual(
    r.history.map((h) => h.step),
    [1, 2, 3, 4],
  );
  for (const h of r.history) assert.deepEqual(Object.keys(h.metrics).sort(), EPOCH_KEYS);
  const last = r.history.at(-1)!.metrics;
  assert.ok(last.val_acc! >= 0.9, `val_acc ${last.val_acc}`);
  assert.ok(last.loss! < r.history[0]!.metrics.loss!, 'loss did not decrease');
  assert.equal(last.lr, 1e-3);
  assert.ok(r.test && r.test.acc >= 0.75);
  // tracker saw the run start with engines recorded, and every epoch point
  assert.equal(tracker.started?.experimentName, 'unit');
  const eng = tracker.started!.systemInfo.engines as Record<string, string>;
  assert.match(eng.prefix_head!, /onnxruntime-node/);
  assert.match(eng.head!, /tfjs 4\.22\.0 \(wasm/);
  assert.equal(tracker.started!.systemInfo.randomInit, true);
  assert.equal(tracker.points.filter((p) => p.key === 'val_acc').length, 4);
  assert.ok(tracker.points.some((p) => p.key === 'test_acc'));
  assert.equal(hashWeights(r.finalWeights), hashWeights(W), 'frozen conv weights changed');
  // saved model: base + head, predicts like the training-time pipeline
  assert.deepEqual((await readdir(r.modelDir)).sort(), ['model.json', 'weights.bin']);
  const m = await loadModelDir(r.modelDir);
  assert.equal(m.layers.at(-1)!.name, 'head_output');
  assert.equal(m.layers.filter((l) => VGG16_CONV_LAYERS.some((c) => c.name === l.name)).length, 13);
  m.dispose();
});

test('by default a frozen-base run saves only the trained layers plus the base weights hash', async (t) => {
  const { base } = await setup(t);
  const r = await train(base({ epochs: 1 }), { tracker: new NullTracker(), weights: W });
  assert.deepEqual((await readdir(r.modelDir)).sort(), ['base.json', 'model.json', 'weights.bin']);
  const info = JSON.parse(await readFile(join(r.modelDir, 'base.json'), 'utf8'));
  assert.equal(info.frozenThrough, 'block5_pool');
  assert.equal(info.weightsSha256, hashWeights(W, 'block5_pool'));
  const m = await loadModelDir(r.modelDir);
  assert.equal(m.layers.filter((l) => VGG16_CONV_LAYERS.some((c) => c.name === l.name)).length, 0, 'no base layers');
  assert.ok((await stat(join(r.modelDir, 'weights.bin'))).size < 1e6, 'head only, not the 59 MB base');
  m.dispose();
});

test('second run on the same data hits the feature cache and skips the base entirely', async (t) => {
  const { base } = await setup(t);
  const first = await train(base({ epochs: 2, test: undefined }), { tracker: new NullTracker(), weights: W });
  assert.equal(first.cache.hits, 0);
  assert.equal(first.cache.computed, 12 * 2 + 6 * 2); // train + validation, once each despite 2 epochs
  const again = await train(base({ epochs: 2, test: undefined }), { tracker: new NullTracker(), weights: W });
  assert.equal(again.cache.computed, 0);
  assert.equal(again.cache.hits, 36);
  // same seed, same features -> identical history
  assert.deepEqual(
    again.history.map((h) => h.metrics.loss),
    first.history.map((h) => h.metrics.loss),
  );
  // other weights -> different key -> recomputed
  const other = await train(base({ epochs: 1, test: undefined }), {
    tracker: new NullTracker(),
    weights: randomVggWeights(8),
  });
  assert.equal(other.cache.hits, 0);
});

test('categorical run with 3 classes uses softmax / categorical cross-entropy', async (t) => {
  const { base } = await setup(t, THREE_CLASSES, { train: 8, validation: 4 });
  const r = await train(base({ test: undefined, epochs: 5 }), { tracker: new NullTracker(), weights: W });
  assert.equal(r.task, 'categorical');
  assert.ok(r.history.at(-1)!.metrics.val_acc! > 0.6, `val_acc ${r.history.at(-1)!.metrics.val_acc}`);
  await assert.rejects(
    train(base({ test: undefined, task: 'binary' }), { tracker: new NullTracker(), weights: W }),
    /binary task needs exactly 2 classes/,
  );
});

test('fine-tuning block 5: steps continue, phase and lr recorded, blocks 1-4 unchanged, block 5 trained', async (t) => {
  const { base } = await setup(t, TWO_CLASSES, { train: 6, validation: 4 });
  const tracker = new NullTracker();
  let log = '';
  const r = await train(
    base({ test: undefined, epochs: 2, fineTuneFrom: 'block5_conv1', fineTuneEpochs: 2, fineTuneLr: 1e-4 }),
    { tracker, weights: W, progress: new TerminalProgress({ write: (s: string) => (log += s) }) },
  );
  // One line per phase, the fine-tune one saying what changes (it used to be printed twice).
  assert.deepEqual(
    log.split('\n').filter((l) => l.startsWith('phase ')),
    ['phase head: 2 epoch(s)', 'phase fine-tune: layers after block4_pool trainable, lr 0.0001, 2 epoch(s)'],
  );
  assert.deepEqual(
    r.history.map((h) => [h.step, h.phase, h.metrics.phase, h.metrics.lr]),
    [
      [1, 'head', 0, 1e-3],
      [2, 'head', 0, 1e-3],
      [3, 'fine-tune', 1, 1e-4],
      [4, 'fine-tune', 1, 1e-4],
    ],
  );
  for (const l of VGG16_CONV_LAYERS) {
    const same = Buffer.from(r.finalWeights.layers.get(l.name)!.kernel.buffer).equals(
      Buffer.from(W.layers.get(l.name)!.kernel.buffer),
    );
    if (l.name.startsWith('block5')) assert.ok(!same, `${l.name} was not fine-tuned`);
    else assert.ok(same, `${l.name} changed although frozen`);
  }
  const eng = tracker.started!.systemInfo.engines as Record<string, string>;
  assert.match(eng['prefix_fine-tune']!, /onnxruntime/);
  const phases = tracker.started!.systemInfo.phases as Array<{ frozenThrough: string }>;
  assert.deepEqual(
    phases.map((p) => p.frozenThrough),
    ['block5_pool', 'block4_pool'],
  );
});

test('fine-tuning from block1_conv1 freezes nothing: the whole base trains in tfjs (identity prefix)', async (t) => {
  const { base } = await setup(t, TWO_CLASSES, { train: 4, validation: 2 });
  const r = await train(
    base({ test: undefined, epochs: 1, batch: 4, fineTuneFrom: 'block1_conv1', fineTuneEpochs: 1, fineTuneLr: 1e-5 }),
    { tracker: new NullTracker(), weights: W },
  );
  assert.equal(
    r.systemInfo.engines && (r.systemInfo.engines as Record<string, string>)['prefix_fine-tune'],
    'none (nothing frozen)',
  );
  for (const l of ['block1_conv1', 'block3_conv2', 'block5_conv3']) {
    const same = Buffer.from(r.finalWeights.layers.get(l)!.kernel.buffer).equals(
      Buffer.from(W.layers.get(l)!.kernel.buffer),
    );
    assert.ok(!same, `${l} did not train`);
  }
});

test('augmentation path trains without the train-feature cache (validation still cached)', async (t) => {
  const { base } = await setup(t, TWO_CLASSES, { train: 6, validation: 4 });
  const r = await train(base({ test: undefined, epochs: 2, augment: true }), {
    tracker: new NullTracker(),
    weights: W,
  });
  assert.equal(r.status, 'FINISHED');
  assert.equal(r.cache.computed, 8); // only validation images went through the cached path
  assert.equal(r.systemInfo.featureCache, null);
});

test('stop signal: stops after the current batch, logs the partial epoch, status CANCELED', async (t) => {
  const { base } = await setup(t, TWO_CLASSES, { train: 12, validation: 4 });
  const stop = { requested: false };
  let batches = 0;
  const tensorsBefore = tf.memory().numTensors;
  const r = await train(base({ test: undefined, epochs: 5, batch: 4 }), {
    tracker: new NullTracker(),
    weights: W,
    stop,
    progress: {
      phase() {},
      batch(s) {
        batches++;
        if (s.epoch === 2 && s.batch === 2) stop.requested = true;
      },
      epochEnd() {},
      message() {},
      close() {},
    },
  });
  assert.equal(r.status, 'CANCELED');
  assert.equal(batches, 6 + 2);
  assert.equal(r.history.length, 2);
  assert.equal(r.history[1]!.partial, true);
  assert.equal(r.history[1]!.metrics.val_loss, undefined);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked (weights temporaries / optimizer slots)');
});
