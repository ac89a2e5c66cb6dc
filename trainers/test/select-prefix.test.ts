// Which engine runs the frozen base: no GPU is available to tests, so the choice is checked as the
// pure function the trainer calls with what it detected (and the detection on this CPU-only machine).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectAvailability, selectPrefixEngine } from '../src/engines/select-prefix.ts';

const cpuOnly = { ortProviders: ['cpu'], tfjsBackend: 'wasm', tfjsPackage: '@tensorflow/tfjs-backend-wasm' };
const tfjsGpu = {
  ortProviders: ['cpu'],
  tfjsBackend: 'tensorflow',
  tfjsPackage: '@tensorflow/tfjs-node-gpu',
  tfjsDevice: 'GPU' as const,
};
const ortCuda = { ortProviders: ['cpu', 'cuda'], tfjsBackend: 'wasm', tfjsPackage: '@tensorflow/tfjs-backend-wasm' };

test('auto puts the frozen base on the GPU when tfjs-node-gpu or onnxruntime CUDA is there, and says why', () => {
  const g = selectPrefixEngine('auto', tfjsGpu);
  assert.deepEqual([g.engine, g.provider, g.device], ['tfjs', null, 'GPU']);
  assert.match(g.reason, /tfjs-node-gpu/);
  const c = selectPrefixEngine('auto', ortCuda);
  assert.deepEqual([c.engine, c.provider, c.device], ['onnx', 'cuda', 'GPU']);
  assert.match(c.reason, /CUDA execution provider/);
  // Both: onnxruntime's CUDA provider runs the same graph as on the CPU, so it is preferred.
  assert.equal(selectPrefixEngine('auto', { ...tfjsGpu, ortProviders: ['cpu', 'cuda'] }).provider, 'cuda');
});

test('without a GPU engine auto keeps onnxruntime on the CPU; hidden GPUs count as none', () => {
  const c = selectPrefixEngine('auto', cpuOnly);
  assert.deepEqual([c.engine, c.provider, c.device], ['onnx', 'cpu', 'CPU']);
  assert.match(c.reason, /no GPU engine/);
  const hidden = selectPrefixEngine('auto', { ...tfjsGpu, cudaVisibleDevices: '' });
  assert.deepEqual([hidden.engine, hidden.device], ['onnx', 'CPU']);
  assert.match(hidden.reason, /CUDA_VISIBLE_DEVICES/);
  const noOrt = selectPrefixEngine('auto', { ...cpuOnly, ortProviders: [] });
  assert.deepEqual([noOrt.engine, noOrt.device], ['tfjs', 'CPU']);
});

test('an explicit engine is honoured, on the GPU when it can be', () => {
  assert.deepEqual(
    [selectPrefixEngine('tfjs', tfjsGpu).device, selectPrefixEngine('tfjs', cpuOnly).device],
    ['GPU', 'CPU'],
  );
  assert.equal(selectPrefixEngine('onnx', tfjsGpu).engine, 'onnx', 'onnx asked for: not tfjs even with a GPU');
  assert.equal(selectPrefixEngine('onnx', ortCuda).provider, 'cuda');
});

test('this machine (onnxruntime-node CPU build, no tfjs-node-gpu) detects the CPU provider only', async () => {
  const a = await detectAvailability('wasm', '@tensorflow/tfjs-backend-wasm');
  assert.deepEqual(a.ortProviders, ['cpu']);
  assert.equal(selectPrefixEngine('auto', a).device, 'CPU');
});
