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

async function tryImport(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
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
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      if ((await tryImport(pkg)) && (await tf.setBackend('tensorflow'))) {
        chosen = { backend: 'tensorflow', package: pkg, version: pkgVersion(pkg), notes };
        return chosen;
      }
      notes.push(`${pkg} not available`);
    }
    if (choice === 'tensorflow') throw new Error('tfjs-node(-gpu) is not installed');
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
    notes,
  };
  return chosen;
}
