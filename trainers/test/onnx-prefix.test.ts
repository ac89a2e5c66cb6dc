// The frozen prefix runs as an ONNX graph built in code; it must compute the VGG16 base exactly:
// checked against PyTorch for the deep cuts and against tfjs's cpu kernels for a shallow one.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { makeRng } from '@runboard/contract/rng';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { preprocessInto } from '../src/data/image.ts';
import { buildVggOnnx } from '../src/engines/onnx-vgg.ts';
import { createOnnxPrefix, createPrefix, createTfjsPrefix } from '../src/engines/prefix.ts';
import { ProtoWriter } from '../src/engines/protobuf.ts';
import { initTfjsBackend } from '../src/engines/tfjs-backend.ts';
import { outputShapeAfter, VGG16_LAYERS } from '../src/model/vgg16-spec.ts';
import { randomVggWeights } from '../src/model/weights.ts';

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

/** max |a - b| and max |b|, for a tolerance relative to the feature scale (caffe inputs are ~100x larger). */
function compare(a: Float32Array, b: Float32Array) {
  assert.equal(a.length, b.length);
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    maxAbs = Math.max(maxAbs, Math.abs(b[i]!));
  }
  assert.ok(maxAbs > 1e-3, `features are degenerate (max |f| = ${maxAbs})`);
  return { maxDiff, maxAbs, ok: maxDiff <= 1e-4 * Math.max(1, maxAbs) };
}

/**
 * The VGG16 base up to `cut` computed by PyTorch (float64) from the same weights and inputs: independent of
 * the ONNX writer and of onnxruntime (the tfjs-wasm backend runs large convolutions on onnxruntime too).
 */
async function torchFeatures(cut: string, size: number, n: number, x: Float32Array): Promise<Float32Array> {
  const dir = await mkdtemp(path.join(tmpdir(), 'runboard-torch-ref-'));
  try {
    const layers = [];
    for (const l of VGG16_LAYERS) {
      if (l.kind === 'conv') {
        const w = W.layers.get(l.name)!;
        await writeFile(
          path.join(dir, `${l.name}.kernel.f32`),
          Buffer.from(w.kernel.buffer, w.kernel.byteOffset, w.kernel.byteLength),
        );
        await writeFile(
          path.join(dir, `${l.name}.bias.f32`),
          Buffer.from(w.bias.buffer, w.bias.byteOffset, w.bias.byteLength),
        );
        layers.push({ kind: 'conv', name: l.name, kernelShape: w.kernelShape });
      } else layers.push({ kind: 'pool', name: l.name });
      if (l.name === cut) break;
    }
    await writeFile(path.join(dir, 'meta.json'), JSON.stringify({ n, size, cut, layers }));
    await writeFile(path.join(dir, 'x.f32'), Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    // Debian's python has torch (the pyenv python3 on PATH does not).
    const r = spawnSync('/usr/bin/python3', ['trainers/test/vgg-prefix-torch-ref.py', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const buf = await readFile(path.join(dir, 'features.f32'));
    return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The deep cuts (where onnxruntime does the large convolutions) against PyTorch; the ONNX layout, padding
// and pooling are checked against an implementation that shares nothing with them.
for (const [cut, size] of [
  ['block5_pool', 32],
  ['block4_pool', 40],
  ['block4_conv3', 33],
] as const) {
  test(`ONNX features match a PyTorch reference to 1e-4 (cut ${cut}, ${size}x${size})`, async () => {
    const onnx = await createOnnxPrefix(W, cut, size);
    assert.deepEqual(onnx.outShape, outputShapeAfter(cut, size));
    for (const mode of ['rescale', 'caffe'] as const) {
      const x = images(3, size, 5, mode);
      const c = compare(await onnx.run(x, 3), await torchFeatures(cut, size, 3, x));
      assert.ok(c.ok, `${mode}: max |onnx - torch| = ${c.maxDiff} (max |f| = ${c.maxAbs})`);
    }
    await onnx.dispose();
  });
}

// A shallow cut against the pure-JS tfjs cpu kernels (no onnxruntime inside; ~7 s per full base at
// 32x32, so only here).
test('ONNX features match tfjs-cpu to 1e-4 (cut block2_pool, 33x33)', async () => {
  await tf.setBackend('cpu');
  const onnx = await createOnnxPrefix(W, 'block2_pool', 33);
  const ref = await createTfjsPrefix(W, 'block2_pool', 33);
  assert.deepEqual(onnx.outShape, ref.outShape);
  for (const mode of ['rescale', 'caffe'] as const) {
    const x = images(3, 33, 5, mode);
    const c = compare(await onnx.run(x, 3), await ref.run(x, 3));
    assert.ok(c.ok, `${mode}: max |onnx - tfjs| = ${c.maxDiff} (max |f| = ${c.maxAbs})`);
  }
  await onnx.dispose();
  await ref.dispose();
  await tf.setBackend('wasm');
});

test('createPrefix: auto picks onnxruntime; a null cut is the identity', async () => {
  const p = await createPrefix('auto', W, 'block1_pool', 32);
  assert.equal(p.name, 'onnx');
  assert.match(p.description, /onnxruntime-node 1\.\d+/);
  await p.dispose();
  const id = await createPrefix('auto', W, null, 32);
  assert.equal(id.name, 'identity');
  assert.deepEqual(id.outShape, [32, 32, 3]);
});
