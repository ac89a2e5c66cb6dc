// Reproducible by seed: dropout masks come from the run's seeded stream, so the same --seed
// gives the same curves with Dropout(0.5), and the saved model stays a plain Keras/tfjs Dropout.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeImageFolders, TWO_CLASSES, tempDir } from '@runboard/test-kit/images';
import * as tf from '@tensorflow/tfjs';
import { type TrainConfig, validateConfig } from '../src/config.ts';
import { loadModelDir } from '../src/model/tfjs-io.ts';
import { buildTrainablePart } from '../src/model/vgg16.ts';
import { randomVggWeights } from '../src/model/weights.ts';
import { NullTracker } from '../src/tracking/tracker.ts';
import { train } from '../src/train/trainer.ts';

const W = randomVggWeights(7);

test('dropout 0.5: the same seed gives identical curves twice, another seed other curves', async (t) => {
  const root = await tempDir(t);
  const dirs = await makeImageFolders(root, TWO_CLASSES, { train: 12, validation: 6 }, 32, 3);
  const cfg = (seed: number, output: string): TrainConfig =>
    validateConfig({
      experiment: 'repro',
      train: dirs.train!,
      val: dirs.validation!,
      size: 32,
      batch: 4,
      epochs: 3,
      lr: 1e-3,
      dropout: 0.5,
      preprocessing: 'caffe',
      seed,
      cacheDir: join(root, 'cache'),
      output: join(root, output),
      offline: true,
    });
  const curves = async (seed: number, output: string) => {
    const r = await train(cfg(seed, output), { tracker: new NullTracker(), weights: W, systemMetricsMs: 0 });
    return r.history.map((h) => [h.metrics.loss, h.metrics.acc, h.metrics.val_loss, h.metrics.val_acc]);
  };
  const a = await curves(5, 'a');
  const b = await curves(5, 'b');
  assert.deepEqual(b, a);
  const c = await curves(6, 'c');
  assert.notDeepEqual(c, a);
  // saved as a plain Dropout layer: loads without the trainer's class, and predicts deterministically
  const json = JSON.parse(await readFile(join(root, 'a', 'model.json'), 'utf8'));
  const layers = json.modelTopology.config.layers as Array<{ class_name: string; config: { rate?: number } }>;
  const drop = layers.find((l) => l.class_name === 'Dropout');
  assert.equal(drop?.config.rate, 0.5);
  const m = await loadModelDir(join(root, 'a'));
  assert.equal(m.getLayer('head_dropout').getClassName(), 'Dropout');
  m.dispose();
});

test('each training batch gets a fresh mask; inference passes inputs through', () => {
  const m = buildTrainablePart(32, 'block5_pool', { task: 'binary', numClasses: 2, units: 256, dropout: 0.5, seed: 1 });
  const layer = m.getLayer('head_dropout');
  const x = tf.ones([4, 256]);
  const m1 = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
  const m2 = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
  assert.notDeepEqual(Array.from(m1), Array.from(m2));
  const kept = Array.from(m1).filter((v) => v > 0);
  assert.ok(Math.abs(kept.length / m1.length - 0.5) < 0.1, `kept ${kept.length}/${m1.length}`);
  assert.ok(
    kept.every((v) => v === 2),
    'inverted dropout scales kept units by 1 / (1 - rate)',
  );
  assert.deepEqual(Array.from((layer.apply(x) as tf.Tensor).dataSync()), Array.from(x.dataSync()));
  m.dispose();
});
