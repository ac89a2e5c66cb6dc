// Non-finite guard: NaN in the weights file and a learning rate that pins every prediction at the
// cross-entropy clip both stop the run with the cause first, keep the epoch's metrics and save no
// model, on tfjs-backend-wasm (whose clipByValue hides NaN) and on the cpu backend.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isDivergence } from '@runboard/contract/divergence';
import { makeImageFolders, TWO_CLASSES, tempDir } from '@runboard/test-kit/images';
import * as tf from '@tensorflow/tfjs';
import { type TrainConfig, validateConfig } from '../src/config.ts';
import { randomVggWeights, type VggWeights } from '../src/model/weights.ts';
import { writeKerasH5Weights } from '../src/model/weights-h5.ts';
import { NullTracker } from '../src/tracking/tracker.ts';
import { atClipPlateau, CLIP_LOSS, DivergenceError, nonFiniteModelWeights } from '../src/train/divergence.ts';
import type { ProgressSink } from '../src/train/progress.ts';
import { train } from '../src/train/trainer.ts';

const W = randomVggWeights(7);

/** The small test weights with one NaN in block5_conv3's bias, as a Keras h5 file. */
async function nanH5(dir: string): Promise<string> {
  const layers = new Map(W.layers);
  const b5 = layers.get('block5_conv3')!;
  const bias = Float32Array.from(b5.bias);
  bias[17] = Number.NaN;
  layers.set('block5_conv3', { ...b5, bias });
  const path = join(dir, 'nan.h5');
  await writeKerasH5Weights(path, { source: 'nan', layers } satisfies VggWeights, 'old');
  return path;
}

async function setup(t: Parameters<typeof tempDir>[0]) {
  const root = await tempDir(t);
  const dirs = await makeImageFolders(root, TWO_CLASSES, { train: 12, validation: 6 }, 32, 3);
  const cfg = (extra: Partial<TrainConfig>): TrainConfig =>
    validateConfig({
      experiment: 'divergence',
      name: 'run-1',
      train: dirs.train!,
      val: dirs.validation!,
      size: 32,
      batch: 4,
      epochs: 3,
      lr: 1e-3,
      preprocessing: 'caffe',
      cacheDir: join(root, 'cache'),
      output: join(root, 'model'),
      offline: true,
      ...extra,
    });
  return { root, cfg };
}

function lines(): { sink: ProgressSink; text: string[] } {
  const text: string[] = [];
  return {
    text,
    sink: {
      phase() {},
      batch() {},
      epochEnd: (l) => text.push(l),
      message: (l) => text.push(l),
      close() {},
    },
  };
}

async function failure(p: Promise<unknown>): Promise<DivergenceError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DivergenceError, `expected a DivergenceError, got ${(e as Error).stack}`);
    assert.ok(isDivergence(e.message), `the dashboard would not badge "${e.message}" as diverged`);
    return e;
  }
  assert.fail('the run finished although it diverged');
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`${backend}: one NaN in the h5's block5_conv3 bias stops the run at epoch 1, naming it`, async (t) => {
    const { root, cfg } = await setup(t);
    const tracker = new NullTracker();
    const e = await failure(train(cfg({ backend, weights: await nanH5(root) }), { tracker, systemMetricsMs: 0 }));
    assert.equal(tf.getBackend(), backend);
    t.diagnostic(e.message);
    // cpu sees the NaN loss on the first batch; wasm's clip turns NaN into 1e-7, so the weights give it away
    const first =
      backend === 'cpu' ? /^loss became NaN at epoch 1, batch 1;/ : /^weights became non-finite in epoch 1 /;
    assert.match(e.message, first);
    assert.match(e.message, /; first non-finite weights: block5_conv3\/bias \(and \d+ more\)$/);
    // the epoch is kept, and only that one
    assert.deepEqual([...new Set(tracker.points.map((p) => p.step))], [1]);
    const loss = tracker.points.find((p) => p.key === 'loss')!.value;
    if (backend === 'cpu') assert.ok(Number.isNaN(loss), `loss ${loss}`);
    assert.deepEqual(tracker.artifacts, []);
    assert.equal(existsSync(join(root, 'model')), false, 'a model was saved');
  });

  test(`${backend}: lr 10 pins the predictions at the clip and stops as diverged`, async (t) => {
    const { root, cfg } = await setup(t);
    const tracker = new NullTracker();
    const e = await failure(train(cfg({ backend, lr: 10, epochs: 4 }), { tracker, weights: W, systemMetricsMs: 0 }));
    assert.match(
      e.message,
      /^training diverged at epoch \d: loss \d+\.\d{4} with acc 0\.\d{4} means every misclassified/,
    );
    t.diagnostic(e.message);
    assert.match(e.message, /lr 10 is too high$/);
    const steps = [...new Set(tracker.points.map((p) => p.step))];
    assert.ok(steps.length >= 1 && steps.length < 4, `stopped at ${steps}`);
    const last = Object.fromEntries(tracker.points.filter((p) => p.step === steps.at(-1)).map((p) => [p.key, p.value]));
    assert.ok(atClipPlateau(last), JSON.stringify(last));
    assert.deepEqual(tracker.artifacts, []);
    assert.equal(existsSync(join(root, 'model')), false, 'a model was saved');
  });
}

test('onDivergence "warn": the cause is printed once and the run goes on to save its model', async (t) => {
  const { root, cfg } = await setup(t);
  const out = lines();
  const r = await train(cfg({ backend: 'cpu', lr: 10, epochs: 3, onDivergence: 'warn' }), {
    tracker: new NullTracker(),
    weights: W,
    progress: out.sink,
    systemMetricsMs: 0,
  });
  assert.equal(r.status, 'FINISHED');
  assert.equal(r.history.length, 3);
  const warnings = out.text.filter((l) => l.startsWith('WARNING: training diverged'));
  assert.equal(warnings.length, 1, out.text.join('\n'));
  assert.ok(existsSync(join(root, 'model', 'model.json')));
});

test('the weights check names each non-finite tensor in layer order; the plateau needs a misclassified image', () => {
  const input = tf.input({ shape: [4] });
  const d1 = tf.layers.dense({ units: 3, name: 'd1' });
  const d2 = tf.layers.dense({ units: 1, name: 'd2' });
  const m = tf.model({ inputs: input, outputs: d2.apply(d1.apply(input)) as tf.SymbolicTensor });
  assert.deepEqual(nonFiniteModelWeights(m), []);
  const [k] = d2.getWeights();
  const inf = tf.tensor1d([Number.POSITIVE_INFINITY]);
  d2.setWeights([k!, inf]);
  const nan = tf.fill([4, 3], Number.NaN);
  d1.setWeights([nan, d1.getWeights()[1]!]);
  assert.deepEqual(nonFiniteModelWeights(m), ['d1/kernel', 'd2/bias']);
  tf.dispose([inf, nan]);
  m.dispose();
  assert.equal(atClipPlateau({ loss: 0.5 * CLIP_LOSS, acc: 0.5 }), true);
  assert.equal(atClipPlateau({ loss: 0.49 * CLIP_LOSS, acc: 0.5 }), false);
  assert.equal(atClipPlateau({ loss: 0, acc: 1 }), false, 'a perfect fit is no plateau');
  // the dashboard's "diverged" badge: only the guard's causes
  for (const other of ['training data has 1 class (cats); need 2 or more', 'could not download x', 'loss is fine'])
    assert.equal(isDivergence(other), false, other);
});
