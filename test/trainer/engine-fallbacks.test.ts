// Honest engines: every fallback is recorded with the error that caused it, and the GPU is what
// TensorFlow reports after running an op, not what the package is called. No GPU and no tfjs-node
// here, so both are faked: an importer that fails like a missing libtensorflow, and a "tensorflow"
// backend (the cpu kernels under that name) whose binding reports its device like tfjs-node's.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectPrefixEngine } from '../../trainers/src/engines/select-prefix.ts';
import { probeNativeTfjs } from '../../trainers/src/engines/tfjs-backend.ts';

const LIB_ERROR = 'libtensorflow.so.2: cannot open shared object file: No such file or directory';

/** What importing tfjs-node(-gpu) does: registers a "tensorflow" backend; its binding knows the device. */
function fakeTensorflowBackend(gpu: boolean) {
  return async () => {
    if (tf.findBackend('tensorflow')) tf.removeBackend('tensorflow');
    const Cpu = tf.findBackend('cpu')!.constructor as new () => tf.KernelBackend;
    tf.registerBackend('tensorflow', () => Object.assign(new Cpu(), { binding: { isUsingGpuDevice: () => gpu } }));
    for (const k of tf.getKernelsForBackend('cpu'))
      if (!tf.getKernel(k.kernelName, 'tensorflow')) tf.registerKernel({ ...k, backendName: 'tensorflow' });
  };
}

after(async () => {
  await tf.setBackend('cpu');
  if (tf.findBackend('tensorflow')) tf.removeBackend('tensorflow');
});

test('import errors are recorded per package, with the error, and nothing native is chosen', async () => {
  const r = await probeNativeTfjs(async () => {
    throw new Error(`${LIB_ERROR}\n    at Module._load`);
  });
  assert.equal(r.info, null);
  assert.deepEqual(r.notes, [
    `@tensorflow/tfjs-node-gpu not available: ${LIB_ERROR}`,
    `@tensorflow/tfjs-node not available: ${LIB_ERROR}`,
  ]);
});

test('the GPU build without CUDA runs on the CPU: recorded as such, and the base is not put on "the GPU"', async () => {
  const r = await probeNativeTfjs(async (name) => {
    if (name !== '@tensorflow/tfjs-node-gpu') throw new Error('not reached');
    await fakeTensorflowBackend(false)();
  });
  assert.equal(r.info?.backend, 'tensorflow');
  assert.equal(r.info?.package, '@tensorflow/tfjs-node-gpu');
  assert.equal(r.info?.device, 'CPU');
  assert.match(r.notes.join('\n'), /tfjs-node-gpu loaded but TensorFlow has no GPU device .*: it runs on the CPU/);
  const choice = selectPrefixEngine('auto', {
    ortProviders: ['cpu'],
    tfjsBackend: 'tensorflow',
    tfjsPackage: r.info!.package,
    tfjsDevice: r.info!.device,
  });
  assert.deepEqual([choice.engine, choice.provider, choice.device], ['onnx', 'cpu', 'CPU']);
});

test('with a GPU device TensorFlow reports it after running an op', async () => {
  const r = await probeNativeTfjs(async () => fakeTensorflowBackend(true)());
  assert.equal(r.info?.device, 'GPU');
  assert.deepEqual(r.notes, []);
  // tfjs-node-gpu missing but tfjs-node there: the GPU package's error is kept next to the choice
  const cpuBuild = await probeNativeTfjs(async (name) => {
    if (name.endsWith('-gpu')) throw new Error(LIB_ERROR);
    await fakeTensorflowBackend(false)();
  });
  assert.equal(cpuBuild.info?.package, '@tensorflow/tfjs-node');
  assert.equal(cpuBuild.info?.device, 'CPU');
  assert.deepEqual(cpuBuild.notes, [`@tensorflow/tfjs-node-gpu not available: ${LIB_ERROR}`]);
});

test('onnxruntime failing to load is named in the reason for the fallback', () => {
  const c = selectPrefixEngine('auto', {
    ortProviders: [],
    ortError: 'libonnxruntime.so.1: cannot open shared object file',
    tfjsBackend: 'wasm',
    tfjsPackage: '@tensorflow/tfjs-backend-wasm',
  });
  assert.equal(c.engine, 'tfjs');
  assert.match(c.reason, /onnxruntime-node cannot load here \(libonnxruntime\.so\.1: cannot open shared object file\)/);
});
