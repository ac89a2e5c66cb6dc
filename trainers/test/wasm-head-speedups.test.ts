// The head's two wasm speed-ups must not change the arithmetic: transposed matMuls routed through
// an explicit Transpose (wasm-matmul.ts) equal the cpu kernel, and HeapRmsprop gives the same
// weights as tf.train.rmsprop step for step, without leaking tensors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxAbsDiff } from '@runboard/test-kit/images';
import * as tf from '@tensorflow/tfjs';
import { initTfjsBackend } from '../src/engines/tfjs-backend.ts';
import { HeapRmsprop } from '../src/train/heap-rmsprop.ts';

const info = await initTfjsBackend('wasm');

async function on<T>(backend: string, f: () => Promise<T>): Promise<T> {
  await tf.setBackend(backend);
  return f();
}

test('the matMul wrapper is registered and noted', () => {
  assert.ok(
    info.notes.some((n) => n.includes('BatchMatMul')),
    info.notes.join('; '),
  );
});

for (const [ta, tb] of [
  [true, false],
  [false, true],
  [true, true],
  [false, false],
] as const) {
  test(`matMul on wasm equals cpu (transposeA ${ta}, transposeB ${tb}; batched, and fused with bias+relu as Dense runs it)`, async () => {
    const a = tf.randomNormal(ta ? [3, 37, 5] : [3, 5, 37], 0, 1, 'float32', 1).arraySync() as number[][][];
    const b = tf.randomNormal(tb ? [3, 11, 37] : [3, 37, 11], 0, 1, 'float32', 2).arraySync() as number[][][];
    const bias = tf.randomNormal([11], 0, 1, 'float32', 3).arraySync() as number[];
    const run = () =>
      on(tf.getBackend(), async () => {
        const [at, bt, ct] = [tf.tensor3d(a), tf.tensor3d(b), tf.tensor1d(bias)];
        const plain = tf.matMul(at, bt, ta, tb);
        // (2-D like a Dense layer: wasm's fused kernel mishandles a bias on batched 3-D inputs, wrapper or not)
        const [a2, b2] = [
          at.slice([0, 0, 0], [1]).squeeze([0]) as tf.Tensor2D,
          bt.slice([0, 0, 0], [1]).squeeze([0]) as tf.Tensor2D,
        ];
        const fused = tf.fused.matMul({ a: a2, b: b2, transposeA: ta, transposeB: tb, bias: ct, activation: 'relu' });
        const out = [(await plain.data()) as Float32Array, (await fused.data()) as Float32Array];
        tf.dispose([at, bt, ct, a2, b2, plain, fused]);
        return out;
      });
    const cpu = await on('cpu', run);
    const wasm = await on('wasm', run);
    for (const k of [0, 1])
      assert.ok(maxAbsDiff(cpu[k]!, wasm[k]!) < 1e-4, `output ${k}: diff ${maxAbsDiff(cpu[k]!, wasm[k]!)}`);
  });
}

test('Dense-layer gradients on wasm equal cpu (the head weight gradient is x^T dy)', async () => {
  const x = tf.randomNormal([20, 64], 0, 1, 'float32', 4).arraySync() as number[][];
  const w = tf.randomNormal([64, 8], 0, 1, 'float32', 5).arraySync() as number[][];
  const grads = () =>
    on(tf.getBackend(), async () => {
      const [xt, wt] = [tf.tensor2d(x), tf.tensor2d(w)];
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.relu(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)))),
      )([xt, wt]);
      const out = [(await dx!.data()) as Float32Array, (await dw!.data()) as Float32Array];
      tf.dispose([xt, wt, dx!, dw!]);
      return out;
    });
  const cpu = await on('cpu', grads);
  const wasm = await on('wasm', grads);
  for (const k of [0, 1])
    assert.ok(maxAbsDiff(cpu[k]!, wasm[k]!) < 1e-3, `grad ${k}: diff ${maxAbsDiff(cpu[k]!, wasm[k]!)}`);
});

async function trainHead(optimizer: tf.Optimizer, steps: number): Promise<Float32Array[]> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [32],
        units: 16,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.dense({
        units: 1,
        activation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
  model.compile({ optimizer, loss: 'binaryCrossentropy' });
  const x = tf.randomNormal([20, 32], 0, 1, 'float32', 6);
  const y = tf.tensor2d(
    Array.from({ length: 20 }, (_, i) => i % 2),
    [20, 1],
  );
  for (let s = 0; s < steps; s++) await model.trainOnBatch(x, y);
  const weights = await Promise.all(model.getWeights().map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return weights;
}

test('HeapRmsprop gives tf.train.rmsprop’s weights step for step on wasm, and leaks no tensors', async () => {
  await tf.setBackend('wasm');
  const stock = await trainHead(tf.train.rmsprop(1e-2), 5);
  const before = tf.memory().numTensors;
  const heap = await trainHead(new HeapRmsprop(1e-2), 5);
  assert.equal(tf.memory().numTensors, before, 'tensors left behind');
  for (const [k, w] of stock.entries())
    assert.ok(maxAbsDiff(w, heap[k]!) < 1e-5, `weight ${k}: diff ${maxAbsDiff(w, heap[k]!)}`);
  const untrained = await trainHead(new HeapRmsprop(1e-2), 0);
  assert.ok(maxAbsDiff(untrained[0]!, heap[0]!) > 1e-3, 'the optimizer must have moved the weights');
});

test('HeapRmsprop is the stock optimizer on other backends', async () => {
  await tf.setBackend('cpu');
  const stock = await trainHead(tf.train.rmsprop(1e-2), 3);
  const heap = await trainHead(new HeapRmsprop(1e-2), 3);
  for (const [k, w] of stock.entries()) assert.ok(maxAbsDiff(w, heap[k]!) < 1e-6);
  await tf.setBackend('wasm');
});
