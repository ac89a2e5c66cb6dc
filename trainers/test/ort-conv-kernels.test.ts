// The onnxruntime-backed wasm conv kernels (trainers/src/engines/ort-conv-kernels.ts) must give
// the tfjs cpu backend's results, really run on ORT (not silently fall back), and fall back to
// wasm when the worker is gone. No mocks: real ORT worker, real wasm and cpu backends.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { maxAbsDiff } from '@runboard/test-kit/images';
import * as tf from '@tensorflow/tfjs';
import {
  ORT_MIN_DENSE_WEIGHTS,
  ortConvClientState,
  registerOrtConvKernels,
  setOrtConvMinFlops,
  stopOrtConvWorker,
} from '../src/engines/ort-conv-kernels.ts';
import { initTfjsBackend } from '../src/engines/tfjs-backend.ts';

const info = await initTfjsBackend('wasm');

type Pad = 'same' | 'valid';
interface Case {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: number;
  pad: Pad;
  dilations?: number;
}

const CASES: Case[] = [
  // block5_conv at 150x150 (block4_pool is 9x9x512). Batch 1, not 20: tfjs's cpu reference kernels
  // take ~25 s per image here; the 4608-term reductions that test precision are the same at any batch
  // (batch > 1 is covered by the smaller cases below).
  { name: 'block5-like', x: [1, 9, 9, 512], f: [3, 3, 512, 512], strides: 1, pad: 'same' },
  { name: 'odd stride 2 valid', x: [4, 25, 23, 32], f: [3, 3, 32, 48], strides: 2, pad: 'valid' },
  { name: '5x3 filter stride 2 same', x: [3, 17, 19, 40], f: [5, 3, 40, 36], strides: 2, pad: 'same' },
  { name: 'dilation 2 same', x: [3, 15, 15, 32], f: [3, 3, 32, 32], strides: 1, pad: 'same', dilations: 2 },
  { name: '1x1 valid', x: [8, 10, 10, 64], f: [1, 1, 64, 128], strides: 1, pad: 'valid' },
];

/** Runs the four conv kernels on `backend` via runKernel (exactly the kernels under test). */
async function kernelsOn(backend: string, c: Case): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
  const f = tf.randomNormal(c.f, 0, 0.1, 'float32', 2) as tf.Tensor4D;
  const bias = tf.randomNormal([c.f[3]], 0, 1, 'float32', 3);
  const conv = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilations ?? 1 };
  const y = tf.engine().runKernel('Conv2D', { x, filter: f }, conv) as tf.Tensor4D;
  const fused = tf
    .engine()
    .runKernel('FusedConv2D', { x, filter: f, bias }, { ...conv, activation: 'relu' }) as tf.Tensor;
  const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 4);
  const out: Record<string, tf.Tensor> = { y, fused };
  // tfjs refuses gradients for dilation > 1 with these kernels' attrs, so only forward there.
  if (!c.dilations || c.dilations === 1) {
    out.dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...conv, inputShape: c.x }) as tf.Tensor;
    out.dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...conv, filterShape: c.f }) as tf.Tensor;
  }
  const res: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(out)) res[k] = (await t.data()) as Float32Array;
  tf.dispose([x, f, bias, dy, ...Object.values(out)]);
  return res;
}

function assertClose(want: Float32Array, got: Float32Array, what: string, rel = 1e-4): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  const d = maxAbsDiff(want, got);
  assert.ok(d <= rel * scale, `${what}: max diff ${d} vs scale ${scale}`);
}

test('ORT conv kernels are registered on wasm and noted', () => {
  assert.equal(tf.getBackend(), 'wasm');
  assert.ok(
    info.notes.some((n) => n.includes('onnxruntime-node in a worker')),
    info.notes.join('; '),
  );
  assert.deepEqual(registerOrtConvKernels(), [], 'registering twice is a no-op');
});

for (const c of CASES) {
  test(`ORT kernels equal cpu kernels: ${c.name} x=${c.x} f=${c.f}`, async () => {
    const before = ortConvClientState()!.calls;
    const cpu = await kernelsOn('cpu', c);
    const wasm = await kernelsOn('wasm', c);
    const st = ortConvClientState()!;
    assert.equal(st.lastError, null);
    assert.equal(st.calls - before, Object.keys(cpu).length, 'every kernel went through ORT');
    for (const k of Object.keys(cpu)) assertClose(cpu[k]!, wasm[k]!, `${c.name} ${k}`);
  });
}

test('tf.grads through a small conv net on wasm (ORT) equals cpu', async () => {
  setOrtConvMinFlops(0); // push even these tiny convs through ORT
  const grads = async (backend: string) => {
    await tf.setBackend(backend);
    const ins = [
      tf.randomNormal([2, 11, 10, 3], 0, 1, 'float32', 5),
      tf.randomNormal([3, 3, 3, 8], 0, 0.3, 'float32', 6),
      tf.randomNormal([8], 0, 0.1, 'float32', 7),
      tf.randomNormal([3, 3, 8, 6], 0, 0.3, 'float32', 8),
      tf.randomNormal([6], 0, 0.1, 'float32', 9),
    ];
    const net = (x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => {
      const h = tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: w1 as tf.Tensor4D,
        bias: b1,
        activation: 'relu',
        strides: 1,
        pad: 'same',
      });
      const y = tf.fused.conv2d({
        x: h,
        filter: w2 as tf.Tensor4D,
        bias: b2,
        activation: 'relu',
        strides: 2,
        pad: 'valid',
      });
      return tf.sum(
        tf.square(tf.conv2d(y, tf.onesLike(w2).slice([0, 0, 0, 0], [3, 3, 6, 4]) as tf.Tensor4D, 1, 'same')),
      );
    };
    const gs = tf.grads(net as (...t: tf.Tensor[]) => tf.Tensor)(ins);
    const out = await Promise.all(gs.map(async (g) => (await g.data()) as Float32Array));
    tf.dispose([...ins, ...gs]);
    return out;
  };
  const before = ortConvClientState()!.calls;
  const cpu = await grads('cpu');
  const wasm = await grads('wasm');
  setOrtConvMinFlops(8e6);
  assert.ok(ortConvClientState()!.calls - before >= 7, 'convs and their gradients ran on ORT');
  ['dx', 'dw1', 'db1', 'dw2', 'db2'].forEach((name, i) => assertClose(cpu[i]!, wasm[i]!, name));
});

test('Dense products with large weights run on ORT and equal cpu, forward and gradients', async () => {
  // The head's first Dense at 150x150 ([20,8192]·[8192,256]) is the case this is for; a smaller K
  // keeps the cpu reference quick while staying above ORT_MIN_DENSE_WEIGHTS.
  const [m, k, n] = [6, 4608, 256];
  assert.ok(k * n >= ORT_MIN_DENSE_WEIGHTS);
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const x = tf.randomNormal([m, k], 0, 1, 'float32', 11);
    const w = tf.randomNormal([k, n], 0, 0.05, 'float32', 12);
    const bias = tf.randomNormal([n], 0, 0.1, 'float32', 13);
    const plain = tf.matMul(x, w);
    const batched = tf.matMul(x.expandDims(0), w.expandDims(0)); // [1,M,K]·[1,K,N]
    const fused = tf.fused.matMul({ a: x, b: w, bias, activation: 'relu' });
    const [dx, dw, db] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.square(tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, activation: 'relu' }))),
    )([x, w, bias]);
    const out = [plain, batched, fused, dx!, dw!, db!];
    assert.deepEqual(batched.shape, [1, m, n]);
    const res = await Promise.all(out.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose([x, w, bias, ...out]);
    return res;
  };
  const cpu = await run('cpu');
  const before = ortConvClientState()!.calls;
  const wasm = await run('wasm');
  // plain, batched, fused, and the fused forward inside tf.grads; dx = dy·W^T and dW = x^T·dy stay on wasm.
  assert.equal(ortConvClientState()!.calls - before, 4, 'the four forward products went through ORT');
  ['plain', 'batched', 'fused', 'dx', 'dw', 'db'].forEach((name, i) => assertClose(cpu[i]!, wasm[i]!, name));
  const small = ortConvClientState()!.calls;
  tf.matMul(tf.ones([6, 512]), tf.ones([512, 256])).dispose(); // 131k weights: wasm's own
  assert.equal(ortConvClientState()!.calls, small, 'small weights stay on wasm');
});

test('no tensors leak through the ORT kernels during training steps', async () => {
  await tf.setBackend('wasm');
  const x = tf.randomNormal([4, 9, 9, 64]) as tf.Tensor4D;
  const v = tf.variable(tf.randomNormal([3, 3, 64, 64], 0, 0.05));
  const opt = tf.train.sgd(0.01);
  const calls = ortConvClientState()!.calls;
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++)
    opt.minimize(() => tf.sum(tf.relu(tf.conv2d(x, v as unknown as tf.Tensor4D, 1, 'same'))) as tf.Scalar);
  assert.ok(ortConvClientState()!.calls - calls >= 6);
  assert.ok(tf.memory().numTensors - before <= 2, `leaked ${tf.memory().numTensors - before} tensors`);
  tf.dispose([x, v]);
});

test('the worker does not keep the process alive, and RUNBOARD_ORT_KERNELS=0 opts out', () => {
  const script = `
    import * as tf from '@tensorflow/tfjs';
    import { initTfjsBackend } from './trainers/src/engines/tfjs-backend.ts';
    import { ortConvClientState } from './trainers/src/engines/ort-conv-kernels.ts';
    const info = await initTfjsBackend('wasm');
    tf.conv2d(tf.ones([4, 9, 9, 64]), tf.ones([3, 3, 64, 64]), 1, 'same').dataSync();
    console.log(JSON.stringify({ ort: info.notes.some((n) => n.includes('onnxruntime')), calls: ortConvClientState()?.calls ?? 0 }));`;
  for (const [env, want] of [
    ['1', { ort: true, calls: 1 }],
    ['0', { ort: false, calls: 0 }],
  ] as const) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, RUNBOARD_ORT_KERNELS: env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, `exit ${r.status} signal ${r.signal}: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), want);
  }
});

test('a process exiting while the worker still loads onnxruntime waits for the load and exits cleanly', () => {
  // Stopping the worker inside onnxruntime's native start-up aborted the process ("terminate called after throwing
  // an instance of 'Napi::Error'"), e.g. a short test file or trainer exiting ~0.3 s after registering the kernels.
  // Each child exits at once (state checked first: still loading) or a little later, into the load window; the
  // exit handler the child adds after registering runs after the client's, so it sees whether the exit waited.
  const script = (delayMs: number) => `
    import { ortConvClientState, registerOrtConvKernels } from './trainers/src/engines/ort-conv-kernels.ts';
    registerOrtConvKernels(1);
    const atStart = ortConvClientState().loaded;
    process.on('exit', () => console.log(JSON.stringify({ atStart, atExit: ortConvClientState().loaded })));
    setTimeout(() => process.exit(0), ${delayMs});`;
  const results = [0, 0, 100, 200, 250, 300, 350, 400].map((delay) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(delay)], {
      cwd: new URL('../..', import.meta.url).pathname,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, `delay ${delay}: exit ${r.status} signal ${r.signal}: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { atStart: boolean; atExit: boolean };
  });
  assert.ok(!results[0]!.atStart, 'the first child exits while the worker is still loading');
  assert.ok(
    results.every((r) => r.atExit),
    `every exit waited for the load: ${JSON.stringify(results)}`,
  );
});

test('after the worker is gone the kernels fall back to wasm and still match cpu', async () => {
  await stopOrtConvWorker();
  const c = CASES[1]!;
  const cpu = await kernelsOn('cpu', c);
  const calls = ortConvClientState()!.calls;
  const wasm = await kernelsOn('wasm', c);
  assert.equal(ortConvClientState()!.calls, calls, 'no ORT calls after stop');
  assert.ok(ortConvClientState()!.broken);
  for (const k of Object.keys(cpu)) assertClose(cpu[k]!, wasm[k]!, `fallback ${k}`);
});
