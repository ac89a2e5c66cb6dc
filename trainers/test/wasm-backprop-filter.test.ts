// tfjs-backend-wasm lacks Conv2DBackpropFilter (and its Conv2DBackpropInput is slow); the
// replacements must match the cpu kernels.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxAbsDiff } from '@runboard/test-kit/images';
import * as tf from '@tensorflow/tfjs';
import { initTfjsBackend } from '../src/engines/tfjs-backend.ts';
import { conv2dBackpropFilterViaConv } from '../src/engines/wasm-backprop-filter.ts';

const info = await initTfjsBackend('wasm');

test('wasm backend is active with the shim registered', () => {
  assert.equal(tf.getBackend(), 'wasm');
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'kernel missing');
  assert.ok(info.notes.some((n) => n.includes('Conv2DBackpropFilter')));
  assert.ok(info.notes.some((n) => n.includes('Conv2DBackpropInput')));
});

async function gradOn(
  backend: string,
  x: number[][][][],
  f: number[][][][],
  strides: number,
  pad: 'same' | 'valid',
  dilations = 1,
): Promise<[Float32Array, Float32Array]> {
  await tf.setBackend(backend);
  const [xt, ft] = [tf.tensor4d(x), tf.tensor4d(f)];
  const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad, 'NHWC', dilations))),
  )([xt, ft]);
  const out: [Float32Array, Float32Array] = [(await df!.data()) as Float32Array, (await dx!.data()) as Float32Array];
  tf.dispose([xt, ft, dx!, df!]);
  return out;
}

for (const [strides, pad, dil] of [
  [1, 'same', 1],
  [1, 'valid', 1],
  [2, 'valid', 1],
  [2, 'same', 1],
  [3, 'valid', 1],
] as const) {
  test(`conv gradients (kernel and input) on wasm equal cpu (strides ${strides}, ${pad}, dilation ${dil})`, async () => {
    const x = tf.randomNormal([2, 9, 8, 3], 0, 1, 'float32', 1).arraySync() as number[][][][];
    const f = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2).arraySync() as number[][][][];
    const cpu = await gradOn('cpu', x, f, strides, pad, dil);
    const wasm = await gradOn('wasm', x, f, strides, pad, dil);
    for (const [k, what] of [
      [0, 'dW'],
      [1, 'dx'],
    ] as const) {
      const scale = Math.max(...cpu[k].map(Math.abs));
      assert.ok(
        maxAbsDiff(cpu[k], wasm[k]) <= 1e-5 * scale,
        `${what}: max diff ${maxAbsDiff(cpu[k], wasm[k])} (scale ${scale})`,
      );
    }
  });
}

test('the op-level function (as the kernel computes it) matches tf.grad on cpu, odd sizes', async () => {
  await tf.setBackend('cpu');
  const x = tf.randomNormal([2, 11, 10, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const dy = tf.randomNormal([2, 6, 5, 5], 0, 1, 'float32', 4) as tf.Tensor4D;
  const attrs = {
    strides: 2,
    pad: 'same' as const,
    dataFormat: 'NHWC' as const,
    filterShape: [3, 3, 3, 5] as [number, number, number, number],
  };
  const want = tf.grad((ff: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, ff as tf.Tensor4D, 2, 'same'), dy)))(
    tf.zeros([3, 3, 3, 5]),
  );
  const got = conv2dBackpropFilterViaConv(x, dy, attrs);
  assert.ok(maxAbsDiff(await want.data(), await got.data()) < 1e-4);
  tf.dispose([x, dy, want, got]);
  await tf.setBackend('wasm');
});

test('no tensors leak through the shim during a gradient step', async () => {
  await tf.setBackend('wasm');
  const x = tf.randomNormal([1, 6, 6, 2]) as tf.Tensor4D;
  const v = tf.variable(tf.randomNormal([3, 3, 2, 2]));
  const opt = tf.train.sgd(0.1);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++)
    opt.minimize(() => tf.sum(tf.conv2d(x, v as unknown as tf.Tensor4D, 1, 'same')) as tf.Scalar);
  assert.ok(tf.memory().numTensors - before <= 2, `leaked ${tf.memory().numTensors - before} tensors`);
});
