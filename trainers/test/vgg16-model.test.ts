import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { buildFullModel, buildTrainablePart, buildVggBase, freezeThrough } from '../src/model/vgg16.ts';
import { cutBefore, outputShapeAfter, VGG16_LAYER_NAMES } from '../src/model/vgg16-spec.ts';

await tf.setBackend('cpu');

// keras.applications.VGG16(include_top=False).summary(): these names, 14,714,688 params.
const KERAS_NAMES = [
  'block1_conv1',
  'block1_conv2',
  'block1_pool',
  'block2_conv1',
  'block2_conv2',
  'block2_pool',
  'block3_conv1',
  'block3_conv2',
  'block3_conv3',
  'block3_pool',
  'block4_conv1',
  'block4_conv2',
  'block4_conv3',
  'block4_pool',
  'block5_conv1',
  'block5_conv2',
  'block5_conv3',
  'block5_pool',
];

test('conv base has Keras layer names, order and parameter count', () => {
  const base = buildVggBase(32);
  assert.deepEqual(
    base.layers.slice(1).map((l) => l.name),
    KERAS_NAMES,
  );
  assert.deepEqual(VGG16_LAYER_NAMES, KERAS_NAMES);
  assert.equal(base.countParams(), 14_714_688);
  assert.deepEqual(base.outputs[0]!.shape, [null, 1, 1, 512]);
  base.dispose();
});

test('output shapes follow Keras for 150 (4x4x512) and odd sizes', () => {
  assert.deepEqual(outputShapeAfter('block5_pool', 150), [4, 4, 512]);
  assert.deepEqual(outputShapeAfter('block4_pool', 150), [9, 9, 512]);
  assert.deepEqual(outputShapeAfter('block5_pool', 48), [1, 1, 512]);
  const base = buildVggBase(37, 'block3_pool');
  assert.deepEqual(base.outputs[0]!.shape, [null, 4, 4, 256]);
  base.dispose();
});

test('input sizes below 32 are rejected', () => {
  assert.throws(() => buildVggBase(31), /input size must be an integer >= 32/);
});

test('binary head is Flatten, Dense 256 relu, Dense 1 sigmoid; categorical ends in softmax', () => {
  const m = buildFullModel(32, { task: 'binary', numClasses: 2, units: 256, dropout: 0, seed: 1 });
  const tail = m.layers.slice(-3).map((l) => [l.name, l.getConfig().units ?? null, l.getConfig().activation ?? null]);
  assert.deepEqual(tail, [
    ['flatten', null, null],
    ['head_dense', 256, 'relu'],
    ['head_output', 1, 'sigmoid'],
  ]);
  const c = buildTrainablePart(32, 'block5_pool', {
    task: 'categorical',
    numClasses: 3,
    units: 16,
    dropout: 0.5,
    seed: 1,
  });
  assert.equal(c.layers.at(-1)!.getConfig().activation, 'softmax');
  assert.deepEqual(c.outputs[0]!.shape, [null, 3]);
  assert.ok(c.layers.some((l) => l.name === 'head_dropout'));
  m.dispose();
  c.dispose();
});

test('fine-tune cut: block5_conv1 freezes through block4_pool; trainable part starts at block5', () => {
  assert.equal(cutBefore('block5_conv1'), 'block4_pool');
  assert.equal(cutBefore('block1_conv1'), null);
  const m = buildTrainablePart(32, 'block4_pool', { task: 'binary', numClasses: 2, units: 8, dropout: 0, seed: 1 });
  assert.deepEqual(m.inputs[0]!.shape, [null, 2, 2, 512]);
  assert.equal(m.layers[1]!.name, 'block5_conv1');
  m.dispose();
});

test('freezeThrough marks exactly the layers up to the cut as non-trainable', () => {
  const m = buildFullModel(32, { task: 'binary', numClasses: 2, units: 8, dropout: 0, seed: 1 });
  freezeThrough(m, 'block4_pool');
  const trainable = m.layers.filter((l) => l.trainable && l.getWeights().length).map((l) => l.name);
  assert.deepEqual(trainable, ['block5_conv1', 'block5_conv2', 'block5_conv3', 'head_dense', 'head_output']);
  m.dispose();
});

test('the trainer config contract names exactly the layers the VGG16 model builds', async () => {
  const { VGG16_LAYER_NAMES: contractNames } = await import('@runboard/contract/trainer-config');
  assert.deepEqual([...contractNames], VGG16_LAYER_NAMES);
});
