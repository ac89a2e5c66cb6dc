// Which engine runs the frozen VGG16 base, and why. The base is the expensive part (~15 GFLOP per
// 150x150 image), so a GPU wins whenever one is usable: onnxruntime's CUDA execution provider first
// (same ONNX graph as on the CPU), then tfjs-node-gpu (tfjs's "tensorflow" backend from the GPU
// package). Without either, onnxruntime on the CPU (~10x tfjs-wasm here). A pure function of what
// is available, so the choice is testable on machines without a GPU.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrt, ortBinDir, probeOrtCuda } from './ort-session.ts';

export type PrefixRequest = 'auto' | 'onnx' | 'tfjs';

export interface EngineAvailability {
  /** Execution providers onnxruntime-node can use here (e.g. ['cpu'] or ['cpu', 'cuda']); empty if it cannot load. */
  ortProviders: string[];
  /** The tfjs backend in use and the package that provides it. */
  tfjsBackend: string;
  tfjsPackage: string | null;
  /** Where the tfjs backend was verified to run (see tensorflowDevice); a package name is no proof. */
  tfjsDevice?: 'GPU' | 'CPU';
  /** Why onnxruntime-node could not load, when it could not. */
  ortError?: string;
  /** Why onnxruntime's CUDA provider, installed here, failed to start a session (see probeOrtCuda). */
  ortCudaError?: string;
  /** CUDA_VISIBLE_DEVICES as the agent set it ('' or '-1' hides every GPU). */
  cudaVisibleDevices?: string | null;
}

export interface PrefixChoice {
  engine: 'onnx' | 'tfjs';
  /** onnxruntime execution provider ('cuda' | 'cpu'); null for tfjs. */
  provider: 'cuda' | 'cpu' | null;
  device: 'GPU' | 'CPU';
  reason: string;
}

const gpuHidden = (a: EngineAvailability) => a.cudaVisibleDevices === '' || a.cudaVisibleDevices === '-1';

export function selectPrefixEngine(requested: PrefixRequest, a: EngineAvailability): PrefixChoice {
  const ortCuda = a.ortProviders.includes('cuda') && !gpuHidden(a);
  const tfjsGpu = a.tfjsBackend === 'tensorflow' && a.tfjsDevice === 'GPU' && !gpuHidden(a);
  const ortCpu = a.ortProviders.includes('cpu');
  if (requested === 'tfjs')
    return tfjsGpu
      ? { engine: 'tfjs', provider: null, device: 'GPU', reason: 'tfjs requested; tfjs-node-gpu is loaded' }
      : {
          engine: 'tfjs',
          provider: null,
          device: 'CPU',
          reason: `tfjs requested; backend ${a.tfjsBackend} runs on the CPU`,
        };
  if (requested === 'onnx' || ortCuda)
    return ortCuda
      ? {
          engine: 'onnx',
          provider: 'cuda',
          device: 'GPU',
          reason: `${requested === 'onnx' ? 'onnx requested' : 'auto'}: onnxruntime's CUDA execution provider is available`,
        }
      : {
          engine: 'onnx',
          provider: 'cpu',
          device: 'CPU',
          reason: `onnx requested: onnxruntime has no usable CUDA execution provider here${a.ortCudaError ? ` (it failed to start: ${a.ortCudaError})` : ''}, so the CPU provider`,
        };
  if (tfjsGpu)
    return {
      engine: 'tfjs',
      provider: null,
      device: 'GPU',
      reason:
        'auto: tfjs-node-gpu is loaded and onnxruntime has no CUDA provider, so the base runs in TensorFlow on the GPU',
    };
  if (ortCpu)
    return {
      engine: 'onnx',
      provider: 'cpu',
      device: 'CPU',
      reason: `auto: no GPU engine${gpuHidden(a) ? ' (CUDA_VISIBLE_DEVICES hides the GPUs)' : ` (${a.ortCudaError ? `onnxruntime's CUDA provider failed to start: ${a.ortCudaError}` : 'no onnxruntime CUDA provider'}, no tfjs-node-gpu)`}; onnxruntime on the CPU is the fastest CPU engine`,
    };
  return {
    engine: 'tfjs',
    provider: null,
    device: 'CPU',
    reason: `auto: onnxruntime-node cannot load here${a.ortError ? ` (${a.ortError})` : ''}; tfjs (${a.tfjsBackend}) on the CPU`,
  };
}

/**
 * What this process can use. onnxruntime-node lists 'cuda' as "not bundled": its CUDA provider library
 * is only there when installed with `--onnxruntime-node-install=cuda`, so its file is looked for, and
 * when it is there a CUDA session is started (probeOrtCuda) unless CUDA_VISIBLE_DEVICES hides every GPU.
 */
export async function detectAvailability(
  tfjsBackend: string,
  tfjsPackage: string | null,
  tfjsDevice: 'GPU' | 'CPU' = 'CPU',
): Promise<EngineAvailability> {
  const cudaVisibleDevices = process.env.CUDA_VISIBLE_DEVICES ?? null;
  let ortProviders: string[] = [];
  let ortError: string | null = null;
  let ortCudaError: string | null = null;
  try {
    const ort = await loadOrt();
    const cudaInstalled = existsSync(join(ortBinDir(), 'libonnxruntime_providers_cuda.so'));
    ortProviders = (ort.listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }])
      .filter((b) => (b.name === 'cuda' ? b.bundled || cudaInstalled : b.bundled && b.name === 'cpu'))
      .map((b) => b.name);
    if (ortProviders.includes('cuda') && !gpuHidden({ cudaVisibleDevices } as EngineAvailability)) {
      ortCudaError = await probeOrtCuda(ort);
      if (ortCudaError) ortProviders = ortProviders.filter((p) => p !== 'cuda');
    }
  } catch (e) {
    ortProviders = [];
    ortError = String((e as Error).message ?? e).split('\n')[0]!;
  }
  return {
    ortProviders,
    ...(ortError ? { ortError } : {}),
    ...(ortCudaError ? { ortCudaError } : {}),
    tfjsBackend,
    tfjsPackage,
    tfjsDevice,
    cudaVisibleDevices,
  };
}
