// ImageNet weights can't be downloaded here, so these tests write Keras-layout HDF5 files
// themselves (h5wasm) and load them back, plus tfjs layers-model folders.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@runboard/test-kit/images';
import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm/node';
import { loadVggWeights } from '../src/model/load-weights.ts';
import { loadModelDir, saveModelDir } from '../src/model/tfjs-io.ts';
import { buildVggBase, getVggWeights, setVggWeights } from '../src/model/vgg16.ts';
import { VGG16_CONV_LAYERS } from '../src/model/vgg16-spec.ts';
import { hashWeights, randomVggWeights } from '../src/model/weights.ts';
import { loadKerasH5Weights, weightRole, writeKerasH5Weights } from '../src/model/weights-h5.ts';
import { loadTfjsFolderWeights } from '../src/model/weights-tfjs.ts';

await tf.setBackend('cpu');
const W = randomVggWeights(11);

function assertSameWeights(a: typeof W, b: typeof W): void {
  for (const l of VGG16_CONV_LAYERS) {
    const x = a.layers.get(l.name)!;
    const y = b.layers.get(l.name)!;
    assert.deepEqual(y.kernelShape, x.kernelShape, l.name);
    assert.ok(Buffer.from(x.kernel.buffer).equals(Buffer.from(y.kernel.buffer)), `${l.name} kernel differs`);
    assert.ok(Buffer.from(x.bias.buffer).equals(Buffer.from(y.bias.buffer)), `${l.name} bias differs`);
  }
}

test('weight names: old Keras (_W_1:0/_b_1:0) and tf.keras (kernel:0/bias:0)', () => {
  assert.equal(weightRole('block1_conv1/block1_conv1_W_1:0'), 'kernel');
  assert.equal(weightRole('block1_conv1/block1_conv1_b_1:0'), 'bias');
  assert.equal(weightRole('block1_conv1/kernel:0'), 'kernel');
  assert.equal(weightRole('vgg16/block5_conv3/bias'), 'bias');
  assert.equal(weightRole('block1_conv1/moving_mean:0'), null);
});

for (const naming of ['old', 'new'] as const) {
  test(`Keras notop HDF5 (${naming} naming) loads every kernel and bias by layer name`, async (t) => {
    const dir = await tempDir(t);
    const path = join(dir, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5');
    await writeKerasH5Weights(path, W, naming);
    // The file really has Keras's layout.
    await h5wasm.ready;
    const f = new h5wasm.File(path, 'r');
    assert.deepEqual((f.attrs.layer_names!.value as string[]).slice(0, 3), ['input_1', 'block1_conv1', 'block1_conv2']);
    const kname = naming === 'old' ? 'block1_conv1/block1_conv1_W_1:0' : 'block1_conv1/kernel:0';
    assert.deepEqual((f.get(`block1_conv1/${kname}`) as InstanceType<typeof h5wasm.Dataset>).shape, [3, 3, 3, 64]);
    f.close();

    const loaded = await loadVggWeights(path, 0);
    assert.match(loaded.source, /^keras-h5:/);
    assertSameWeights(W, loaded);
    assert.equal(hashWeights(loaded), hashWeights(W));
  });
}

test('a wrongly shaped kernel fails with an error naming the layer', async (t) => {
  const path = join(await tempDir(t), 'bad.h5');
  await writeKerasH5Weights(path, W, 'new', (layer, role, shape) =>
    layer === 'block3_conv2' && role === 'kernel' ? [3, 3, 256, 128] : shape,
  );
  await assert.rejects(
    loadKerasH5Weights(path),
    /block3_conv2: kernel has shape \[3, 3, 256, 128\], expected \[3, 3, 256, 256\]/,
  );
});

test('a file without layer_names is rejected clearly', async (t) => {
  const path = join(await tempDir(t), 'empty.h5');
  await h5wasm.ready;
  const f = new h5wasm.File(path, 'w');
  f.create_group('something');
  f.close();
  await assert.rejects(loadKerasH5Weights(path), /not a Keras weights file/);
});

test('tfjs layers-model folder: save a base, load its weights back by layer name', async (t) => {
  const dir = join(await tempDir(t), 'vgg-tfjs');
  const base = buildVggBase(32);
  setVggWeights(base, W);
  await saveModelDir(base, dir);
  const loaded = await loadTfjsFolderWeights(dir);
  assertSameWeights(W, loaded);
  // and the model round-trips through the folder handler
  const back = await loadModelDir(dir);
  assert.deepEqual(
    back.layers.map((l) => l.name),
    base.layers.map((l) => l.name),
  );
  assertSameWeights(W, getVggWeights(back, W));
  base.dispose();
  back.dispose();
});

test('no weights path means seeded random init, stated in the source', async () => {
  const a = await loadVggWeights(undefined, 5);
  const b = await loadVggWeights(undefined, 5);
  assert.match(a.source, /random-init\(seed=5\)/);
  assert.equal(hashWeights(a), hashWeights(b));
  assert.notEqual(hashWeights(a), hashWeights(await loadVggWeights(undefined, 6)));
});
