// An onnxruntime session on the provider that really took it. onnxruntime-node has no
// get_providers(), and a ['cuda', 'cpu'] list would not say which one the session got, so CUDA is
// asked for alone first; if that fails, the CPU provider runs and CUDA's error is kept for the record.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { writeOnnxModel } from './onnx-model.ts';

const require = createRequire(import.meta.url);

type Ort = typeof import('onnxruntime-node');

export interface ProvidedSession {
  session: InferenceSession;
  provider: 'cuda' | 'cpu';
  /** Why CUDA was asked for and did not run; null when it ran or was not asked for. */
  cudaError: string | null;
}

export async function loadOrt(): Promise<Ort> {
  const m = await import('onnxruntime-node');
  return ((m as { default?: Ort }).default ?? m) as Ort;
}

/** Where onnxruntime-node's native libraries are; its CUDA provider is two more files there. */
export function ortBinDir(): string {
  return join(
    dirname(require.resolve('onnxruntime-node/package.json')),
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
  );
}

const CUDA_LIBS = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];

/**
 * onnxruntime's JS error is only "Failed to load shared library" (the file it could not load goes to
 * its own stderr log), so the provider files missing from its folder are named here.
 */
function cudaErrorText(e: unknown): string {
  const msg = String((e as Error).message ?? e).split('\n')[0]!;
  const missing = CUDA_LIBS.filter((f) => !existsSync(join(ortBinDir(), f)));
  return missing.length ? `${msg} (not installed: ${missing.join(', ')})` : msg;
}

export async function createProvidedSession(
  ort: Ort,
  model: Uint8Array,
  provider: 'cuda' | 'cpu',
  options: InferenceSession.SessionOptions = {},
): Promise<ProvidedSession> {
  let cudaError: string | null = null;
  if (provider === 'cuda') {
    try {
      const session = await ort.InferenceSession.create(model, { ...options, executionProviders: ['cuda'] });
      return { session, provider: 'cuda', cudaError: null };
    } catch (e) {
      cudaError = cudaErrorText(e);
    }
  }
  const session = await ort.InferenceSession.create(model, { ...options, executionProviders: ['cpu'] });
  return { session, provider: 'cpu', cudaError };
}

/**
 * Starts the CUDA provider on a one-node graph (milliseconds): null if it started, else its error.
 * Run before the engine is chosen, so a provider that is installed but cannot start (no driver,
 * no cuDNN) is known then, and the run's plan and feature-cache key name the CPU.
 */
export async function probeOrtCuda(ort: Ort): Promise<string | null> {
  const graph = writeOnnxModel({
    producer: 'runboard-trainer',
    name: 'cuda_probe',
    nodes: [{ op: 'Relu', inputs: ['x'], output: 'y' }],
    inputs: [{ name: 'x', dims: [1] }],
    outputs: [{ name: 'y', dims: [1] }],
  });
  const r = await createProvidedSession(ort, graph, 'cuda');
  await r.session.release();
  return r.cudaError;
}
