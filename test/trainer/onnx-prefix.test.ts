// The frozen prefix runs as an ONNX graph built in code; it must compute what tfjs computes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeRng } from '@runboard/contract/rng';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { preprocessInto } from '../../trainers/src/data/image.ts';
import { buildVggOnnx } from '../../trainers/src/engines/onnx-vgg.ts';
import { createOnnxPrefix, createPrefix, createTfjsPrefix } from '../../trainers/src/engines/prefix.ts';
import { ProtoWriter } from '../../trainers/src/engines/protobuf.ts';
import { initTfjsBackend } from '../../trainers/src/engines/tfjs-backend.ts';
import { randomVggWeights } from '../../trainers/src/model/weights.ts';

await initTfjsBackend('wasm');
const W = randomVggWeights(21);

test('protobuf writer: varints, negative int64, length-delimited and packed fields', () => {
  assert.deepEqual([...new ProtoWriter().int(1, 150).finish()], [0x08, 0x96, 0x01]);
  assert.deepEqual(
    [...new ProtoWriter().int(2, -1).finish()],
    [0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  );
  assert.deepEqual([...new ProtoWriter().string(2, 'hi').finish()], [0x12, 2, 0x68, 0x69]);
  assert.deepEqual([...new ProtoWriter().packedInts(4, [3, 270]).finish()], [0x22, 3, 3, 0x8e, 0x02]);
  assert.deepEqual([...new ProtoWriter().message(3, (w) => w.int(1, 1)).finish()], [0x1a, 2, 0x08, 0x01]);
});

test('the generated ModelProto loads in onnxruntime with NHWC input/output names', async () => {
  const s = await ort.InferenceSession.create(buildVggOnnx(W, 'block2_pool'));
  assert.deepEqual(s.inputNames, ['input_nhwc']);
  assert.deepEqual(s.outputNames, ['features_nhwc']);
  await s.release();
});

function images(n: number, size: number, seed: number, mode: 'rescale' | 'caffe'): Float32Array {
  const rng = makeRng(seed);
  const x = new Float32Array(n * size * size * 3);
  const px = new Uint8Array(size * size * 3);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < px.length; i++) px[i] = Math.floor(rng() * 256);
    preprocessInto(px, mode, x, k * px.length);
  }
  return x;
}

// Reference: tfjs on wasm (the trainer's engine) for the deep cuts, the pure-JS cpu kernels for a
// shallow one (cpu needs ~7 s per full base at 32x32, too slow for CI).
for (const [cut, size, backend] of [
  ['block5_pool', 32, 'wasm'],
  ['block4_pool', 40, 'wasm'],
  ['block2_pool', 33, 'cpu'],
] as const) {
  test(`ONNX features match tfjs-${backend} to 1e-4 (cut ${cut}, ${size}x${size})`, async () => {
    await tf.setBackend(backend);
    const onnx = await createOnnxPrefix(W, cut, size);
    const ref = await createTfjsPrefix(W, cut, size);
    assert.deepEqual(onnx.outShape, ref.outShape);
    for (const mode of ['rescale', 'caffe'] as const) {
      const x = images(3, size, 5, mode);
      const a = await onnx.run(x, 3);
      const b = await ref.run(x, 3);
      assert.equal(a.length, b.length);
      let maxDiff = 0;
      let maxAbs = 0;
      for (let i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
        maxAbs = Math.max(maxAbs, Math.abs(b[i]!));
      }
      assert.ok(maxAbs > 1e-3, `features are degenerate (max |f| = ${maxAbs})`);
      // absolute 1e-4, and relative to the feature scale (caffe inputs are ~100x larger)
      assert.ok(maxDiff <= 1e-4 * Math.max(1, maxAbs), `${mode}: max |onnx - tfjs| = ${maxDiff} (max |f| = ${maxAbs})`);
    }
    await onnx.dispose();
    await ref.dispose();
    await tf.setBackend('wasm');
  });
}

test('createPrefix: auto picks onnxruntime; a null cut is the identity', async () => {
  const p = await createPrefix('auto', W, 'block1_pool', 32);
  assert.equal(p.name, 'onnx');
  assert.match(p.description, /onnxruntime-node 1\.\d+/);
  await p.dispose();
  const id = await createPrefix('auto', W, null, 32);
  assert.equal(id.name, 'identity');
  assert.deepEqual(id.outShape, [32, 32, 3]);
});
