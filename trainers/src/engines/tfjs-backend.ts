// Picks the tfjs backend for the trainable part: tfjs-node-gpu, tfjs-node (native TF; optional,
// never dependencies — they cannot be installed here), then wasm, then the pure-JS cpu backend.

import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { ortConvUnavailable, registerOrtConvKernels } from './ort-conv-kernels.ts';
import { registerWasmConv2DBackpropFilter, registerWasmFastConv2DBackpropInput } from './wasm-backprop-filter.ts';
import { registerWasmPlainMatMul } from './wasm-matmul.ts';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  backend: string;
  package: string;
  version: string;
  /** Where the trainable part runs, as verified (tensorflow) or known (wasm and cpu are CPU-only). */
  device: 'GPU' | 'CPU';
  /** Every fallback with the error that caused it. */
  notes: string[];
}

const require = createRequire(import.meta.url);

function pkgVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export type Importer = (name: string) => Promise<unknown>;

/** The import's error is kept: "not available" alone hid why (missing libtensorflow, wrong CUDA). */
async function tryImport(name: string, importer: Importer): Promise<string | null> {
  try {
    await importer(name);
    return null;
  } catch (e) {
    return String((e as Error).message ?? e).split('\n')[0]!;
  }
}

/**
 * Where TensorFlow really runs: an op is executed (device initialisation happens on the first one)
 * and the binding is asked whether TensorFlow placed it on a GPU device. The GPU package loads and
 * runs on the CPU when CUDA is missing, so its name proves nothing.
 */
export function tensorflowDevice(): { device: 'GPU' | 'CPU'; note: string | null } {
  const probe = tf.tidy(() => tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])).dataSync());
  if (probe[0] !== 2) throw new Error(`TensorFlow computed ${probe[0]} for a 2x2 product of ones`);
  const binding = (tf.backend() as { binding?: { isUsingGpuDevice?: () => boolean } }).binding;
  if (!binding?.isUsingGpuDevice) return { device: 'CPU', note: 'the tensorflow backend cannot say where ops run' };
  return binding.isUsingGpuDevice() ? { device: 'GPU', note: null } : { device: 'CPU', note: null };
}

/** tfjs-node-gpu, then tfjs-node: the first that imports and registers the "tensorflow" backend, with its device. */
export async function probeNativeTfjs(
  importer: Importer = (n) => import(n),
): Promise<{ info: Omit<BackendInfo, 'notes'> | null; notes: string[] }> {
  const notes: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    const error = await tryImport(pkg, importer);
    if (error !== null) {
      notes.push(`${pkg} not available: ${error}`);
      continue;
    }
    if (!(await tf.setBackend('tensorflow'))) {
      notes.push(`${pkg} imported but its "tensorflow" backend did not initialise`);
      continue;
    }
    const where = tensorflowDevice();
    if (where.note) notes.push(where.note);
    if (pkg.endsWith('-gpu') && where.device === 'CPU')
      notes.push(
        `${pkg} loaded but TensorFlow has no GPU device (CUDA libraries or a visible GPU missing): it runs on the CPU`,
      );
    return { info: { backend: 'tensorflow', package: pkg, version: pkgVersion(pkg), device: where.device }, notes };
  }
  return { info: null, notes };
}

let chosen: BackendInfo | null = null;

/**
 * tfjs-backend-cpu prints "Hi, looks like you are running TensorFlow.js in Node.js..." into the
 * run's output on its first tensor. We choose the backend on purpose (tfjs-node cannot be
 * installed here), so the banner is noise: mark the CPU backend as already used. tf.env PROD
 * would also silence it but would silence every other tfjs warning with it.
 */
export function silenceTfjsNodeBanner(): void {
  try {
    const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
    if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
  } catch {
    // no cpu backend registered: nothing to silence
  }
}

export async function initTfjsBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  silenceTfjsNodeBanner();
  if (
    chosen &&
    (choice === 'auto' || chosen.backend === choice || (choice === 'tensorflow' && chosen.backend === 'tensorflow'))
  )
    return chosen;
  const notes: string[] = [];
  if (choice === 'auto' || choice === 'tensorflow') {
    const native = await probeNativeTfjs();
    notes.push(...native.notes);
    if (native.info) {
      chosen = { ...native.info, notes };
      return chosen;
    }
    if (choice === 'tensorflow') throw new Error(`tfjs-node(-gpu) cannot be used: ${notes.join('; ')}`);
  }
  if (choice === 'auto' || choice === 'wasm') {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // Worker threads do not start under Node for this build: stay single-threaded.
      wasm.setThreadsCount?.(1);
      if (await tf.setBackend('wasm')) {
        if (registerWasmConv2DBackpropFilter())
          notes.push('Conv2DBackpropFilter: shim registered (one Conv2D per gradient)');
        if (registerWasmFastConv2DBackpropInput())
          notes.push('Conv2DBackpropInput: stride-1 case routed through Conv2D');
        const plain = registerWasmPlainMatMul();
        if (plain.length) notes.push(`${plain.join(', ')}: transposed operands transposed explicitly first`);
        // Must come after the conv shims above (they become its fallbacks). RUNBOARD_ORT_KERNELS=0 opts out.
        const ortConv = registerOrtConvKernels();
        if (ortConv.length)
          notes.push(
            `${ortConv.join(', ')}: run on onnxruntime-node in a worker thread above 8 MFLOP (products: with >= 1M weights; RUNBOARD_ORT_KERNELS=0 disables)`,
          );
        else if (ortConvUnavailable()) notes.push(`onnxruntime kernels not used: ${ortConvUnavailable()}`);
        chosen = {
          backend: 'wasm',
          package: '@tensorflow/tfjs-backend-wasm',
          version: pkgVersion('@tensorflow/tfjs-backend-wasm'),
          device: 'CPU',
          notes,
        };
        return chosen;
      }
    } catch (e) {
      if (choice === 'wasm') throw e;
      notes.push(`wasm backend failed: ${(e as Error).message}`);
    }
  }
  await tf.setBackend('cpu');
  chosen = {
    backend: 'cpu',
    package: '@tensorflow/tfjs-backend-cpu',
    version: pkgVersion('@tensorflow/tfjs-backend-cpu'),
    device: 'CPU',
    notes,
  };
  return chosen;
}
