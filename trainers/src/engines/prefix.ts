// The frozen prefix of VGG16 (block1_conv1 .. cut) as a batch function. The fast path is an
// ONNX graph built in code and run by onnxruntime-node (~10x tfjs-wasm on this CPU); tfjs is
// the fallback and the parity reference.

import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { buildVggBase, setVggWeights } from '../model/vgg16.ts';
import { outputShapeAfter } from '../model/vgg16-spec.ts';
import type { VggWeights } from '../model/weights.ts';
import { buildVggOnnx, ONNX_INPUT, ONNX_OUTPUT } from './onnx-vgg.ts';
import { createProvidedSession, loadOrt } from './ort-session.ts';
import type { PrefixChoice } from './select-prefix.ts';

export type PrefixEngineName = 'onnx' | 'tfjs' | 'identity';

export interface PrefixEngine {
  name: PrefixEngineName;
  /** e.g. "onnxruntime-node 1.30.0 (cpu EP, 2 threads)" — recorded in the run's systemInfo. */
  description: string;
  /** Where it runs, as read back from the engine (the provider the session got), not as planned. */
  device: 'GPU' | 'CPU';
  /** Why this is not the engine the plan named (the error that caused the fallback); null if it is. */
  fallback: string | null;
  cut: string | null;
  size: number;
  outShape: [number, number, number];
  /** x: n preprocessed NHWC images; returns n * prod(outShape) features. */
  run(x: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

const require = createRequire(import.meta.url);

/**
 * Images per onnxruntime call: ~90k input pixels (4 at 150x150, 39 at 48x48). Measured here at
 * 150x150: 24.1 img/s in calls of 4 against 20.9 in calls of 20 (activations stay in cache);
 * at 48x48 calls of 20 beat calls of 4 (199 vs 180 img/s).
 */
export function onnxChunk(size: number): number {
  return Math.max(1, Math.floor(90_000 / (size * size)));
}

/**
 * `threads` defaults to every logical CPU: onnxruntime's own default counts physical cores and
 * ran on one thread on this 2-vCPU machine (9.5 img/s at 150x150 against 20.9 with 2).
 */
export async function createOnnxPrefix(
  w: VggWeights,
  cut: string,
  size: number,
  threads = os.availableParallelism(),
  provider: 'cpu' | 'cuda' = 'cpu',
): Promise<PrefixEngine> {
  const ort = await loadOrt();
  const got = await createProvidedSession(ort, buildVggOnnx(w, cut), provider, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
  });
  const { session } = got;
  const fallback = got.cudaError ? `onnxruntime's CUDA provider failed (${got.cudaError}); the CPU provider ran` : null;
  if (fallback) process.stderr.write(`${fallback}\n`);
  const version = (require('onnxruntime-node/package.json') as { version: string }).version;
  const outShape = outputShapeAfter(cut, size);
  const perIn = size * size * 3;
  const perOut = outShape[0] * outShape[1] * outShape[2];
  const chunk = onnxChunk(size);
  return {
    name: 'onnx',
    description: `onnxruntime-node ${version} (${got.provider} EP${got.provider === 'cpu' ? `, ${threads} threads` : ''})${fallback ? `; ${fallback}` : ''}`,
    device: got.provider === 'cuda' ? 'GPU' : 'CPU',
    fallback,
    cut,
    size,
    outShape,
    async run(x, n) {
      // One output array for the whole batch; the results are copied out of ort's buffers
      // because the caller may keep them (feature cache).
      const all = new Float32Array(n * perOut);
      for (let s = 0; s < n; s += chunk) {
        const m = Math.min(chunk, n - s);
        const input = new ort.Tensor('float32', x.subarray(s * perIn, (s + m) * perIn), [m, size, size, 3]);
        const out = await session.run({ [ONNX_INPUT]: input });
        const t = out[ONNX_OUTPUT]!;
        all.set(t.data as Float32Array, s * perOut);
        t.dispose?.();
        input.dispose?.();
      }
      return all;
    },
    async dispose() {
      await session.release();
    },
  };
}

export async function createTfjsPrefix(
  w: VggWeights,
  cut: string,
  size: number,
  device: 'GPU' | 'CPU' = 'CPU',
): Promise<PrefixEngine> {
  const model = buildVggBase(size, cut);
  setVggWeights(model, w);
  const outShape = outputShapeAfter(cut, size);
  return {
    name: 'tfjs',
    description: `tfjs ${tf.version_core} (${tf.getBackend()})`,
    device,
    fallback: null,
    cut,
    size,
    outShape,
    async run(x, n) {
      const out = tf.tidy(() => model.predict(tf.tensor4d(x, [n, size, size, 3])) as tf.Tensor);
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    },
    async dispose() {
      model.dispose();
    },
  };
}

/**
 * The engine `choice` names (see select-prefix.ts: a GPU when one is usable); onnxruntime falls back to
 * tfjs if its native binding cannot load, unless onnx was asked for explicitly.
 */
export async function createPrefix(
  engine: 'onnx' | 'tfjs' | 'auto',
  w: VggWeights,
  cut: string | null,
  size: number,
  choice?: PrefixChoice,
): Promise<PrefixEngine> {
  if (cut === null) return createIdentityPrefix(size);
  // tfjs's device was read back from TensorFlow when the backend loaded (tfjs-backend.ts).
  if (engine === 'tfjs' || choice?.engine === 'tfjs') return createTfjsPrefix(w, cut, size, choice?.device ?? 'CPU');
  try {
    return await createOnnxPrefix(w, cut, size, undefined, choice?.provider ?? 'cpu');
  } catch (e) {
    if (engine === 'onnx') throw e;
    const why = String((e as Error).message ?? e).split('\n')[0];
    process.stderr.write(`onnxruntime-node unavailable (${why}); frozen prefix runs in tfjs\n`);
    const t = await createTfjsPrefix(w, cut, size);
    const fallback = `onnxruntime-node failed (${why}); tfjs ran`;
    return { ...t, description: `${t.description}; ${fallback}`, fallback };
  }
}

/**
 * The prefix built on first use: a run whose features all come from the cache (every run of a sweep
 * after the first) never builds the 59 MB ONNX session or tfjs model at all.
 */
export function lazyPrefix(
  choice: PrefixChoice,
  make: () => Promise<PrefixEngine>,
  cut: string,
  size: number,
): PrefixEngine & { built: boolean } {
  let real: Promise<PrefixEngine> | null = null;
  let resolved: PrefixEngine | null = null;
  const version = (require('onnxruntime-node/package.json') as { version: string }).version;
  const planned =
    choice.engine === 'onnx' ? `onnxruntime-node ${version} (${choice.provider} EP)` : `tfjs ${tf.version_core}`;
  return {
    name: choice.engine,
    /** What really ran once built (a fallback included); until then what is planned. */
    get description() {
      return resolved?.description ?? `${planned}, not built (no feature-cache miss so far)`;
    },
    get device() {
      return resolved?.device ?? choice.device;
    },
    get fallback() {
      return resolved?.fallback ?? null;
    },
    cut,
    size,
    outShape: outputShapeAfter(cut, size),
    get built() {
      return real !== null;
    },
    async run(x, n) {
      real ??= make().then((e) => {
        resolved = e;
        return e;
      });
      return (await real).run(x, n);
    },
    async dispose() {
      if (real) await (await real).dispose();
    },
  };
}

/** Fine-tuning from block1_conv1 freezes nothing: the "prefix" is just the preprocessed image. */
export function createIdentityPrefix(size: number): PrefixEngine {
  return {
    name: 'identity',
    description: 'none (nothing frozen)',
    device: 'CPU',
    fallback: null,
    cut: null,
    size,
    outShape: [size, size, 3],
    run: async (x) => Float32Array.from(x),
    dispose: async () => {},
  };
}
