// Honest engines: every fallback is recorded with the error that caused it, and the GPU is what
// TensorFlow reports after running an op, not what the package is called. No GPU and no tfjs-node
// here, so both are faked: an importer that fails like a missing libtensorflow, and a "tensorflow"
// backend (the cpu kernels under that name) whose binding reports its device like tfjs-node's.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeImageFolders, TWO_CLASSES, tempDir } from '@runboard/test-kit/images';
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../src/config.ts';
import { loadOrt, probeOrtCuda } from '../src/engines/ort-session.ts';
import { createOnnxPrefix } from '../src/engines/prefix.ts';
import { selectPrefixEngine } from '../src/engines/select-prefix.ts';
import { probeNativeTfjs } from '../src/engines/tfjs-backend.ts';
import { randomVggWeights } from '../src/model/weights.ts';
import { NullTracker } from '../src/tracking/tracker.ts';
import { train } from '../src/train/trainer.ts';

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

// No CUDA here (onnxruntime-node's CPU install): every CUDA session below really fails.
const CUDA_FAILED =
  /onnxruntime's CUDA provider failed \(.*Failed to load shared library \(not installed: .*libonnxruntime_providers_cuda\.so\)\); the CPU provider ran/;

test("onnxruntime asked for CUDA: the session that really ran is on the CPU, with CUDA's error", async () => {
  const p = await createOnnxPrefix(randomVggWeights(3), 'block1_pool', 16, 1, 'cuda');
  try {
    assert.equal(p.device, 'CPU');
    assert.match(p.fallback ?? '', CUDA_FAILED);
    assert.match(p.description, /\(cpu EP, 1 threads\); onnxruntime's CUDA provider failed/);
    assert.equal((await p.run(new Float32Array(16 * 16 * 3), 1)).length, 8 * 8 * 64, 'the CPU session runs');
  } finally {
    await p.dispose();
  }
  // The probe run before the engine is chosen says the same, and the choice then names it.
  const err = await probeOrtCuda(await loadOrt());
  assert.match(err ?? '', /Failed to load shared library/);
  const c = selectPrefixEngine('auto', {
    ortProviders: ['cpu'],
    ortCudaError: err!,
    tfjsBackend: 'wasm',
    tfjsPackage: null,
  });
  assert.equal(c.device, 'CPU');
  assert.match(c.reason, /CUDA provider failed to start: OrtSessionOptionsAppendExecutionProvider_Cuda/);
});

test('a run planned on onnxruntime CUDA records the CPU that ran and why, and caches nothing under the GPU key', async (t) => {
  const root = await tempDir(t);
  const dirs = await makeImageFolders(root, TWO_CLASSES, { train: 6, validation: 4 }, 16, 5);
  const cfg = validateConfig({
    experiment: 'engines',
    name: 'cuda-fallback',
    train: dirs.train!,
    val: dirs.validation!,
    size: 32,
    batch: 6,
    epochs: 2,
    cacheDir: join(root, 'cache'),
    output: join(root, 'model'),
    offline: true,
  });
  const tracker = new NullTracker();
  // What a GPU machine with the CUDA provider installed reports; the session itself then fails here.
  const gpuMachine = { ortProviders: ['cpu', 'cuda'], tfjsBackend: 'wasm', tfjsPackage: null };
  const r = await train(cfg, { tracker, weights: randomVggWeights(9), availability: gpuMachine, systemMetricsMs: 0 });
  assert.equal(r.status, 'FINISHED');
  const final = tracker.started!.systemInfo.engines as Record<string, string>;
  const [firstUpdate] = tracker.systemInfoUpdates;
  const eng = (firstUpdate?.engines ?? {}) as Record<string, string>;
  assert.equal(eng.prefixDevice, 'CPU', 'the update after the first epoch names the CPU that ran');
  assert.match(eng.prefixFallback ?? '', new RegExp(`^head: ${CUDA_FAILED.source}`));
  assert.match(eng.prefixReason ?? '', /CUDA execution provider is available; but onnxruntime's CUDA provider failed/);
  assert.match(eng.prefix_head ?? '', /\(cpu EP, \d+ threads\)/);
  assert.equal(final.prefixDevice, 'CPU', 'the record at the end agrees');
  assert.deepEqual(await readdir(join(root, 'cache')).catch(() => []), [], 'CPU features stored under onnx/cuda/GPU');
});
