// On-disk cache of frozen-prefix outputs. The key covers everything that determines the
// features: weights content (up to the cut), cut layer, preprocessing, size, interpolation, the
// engine that computed them and its precision, and the image file's bytes — so a changed image or
// weights file can never hit a stale entry, and a GPU's TF32 features (~1e-3 off) never stand in
// for a CPU's float32 ones.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface FeatureKeyParts {
  weightsHash: string;
  cut: string;
  preprocessing: string;
  size: number;
  interpolation: string;
  /** e.g. "onnx/cpu/CPU", "tfjs/tensorflow/GPU" (see featureEngine). */
  engine: string;
  /** "fp32", or "tf32" on a GPU (TensorFlow and onnxruntime's CUDA provider allow TF32 by default). */
  precision: string;
}

/** The engine and precision parts of the key for the engine that runs the frozen base. */
export function featureEngine(
  choice: { engine: string; provider: string | null; device: string },
  tfjsBackend: string,
): { engine: string; precision: string } {
  const runtime = choice.engine === 'tfjs' ? tfjsBackend : (choice.provider ?? 'cpu');
  return {
    engine: `${choice.engine}/${runtime}/${choice.device}`,
    precision: choice.device === 'GPU' ? 'tf32' : 'fp32',
  };
}

export class FeatureCache {
  hits = 0;
  misses = 0;
  private readonly prefix: string;

  constructor(
    readonly dir: string,
    parts: FeatureKeyParts,
    private readonly expectedLength: number,
  ) {
    this.prefix = JSON.stringify([
      parts.weightsHash,
      parts.cut,
      parts.preprocessing,
      parts.size,
      parts.interpolation,
      parts.engine,
      parts.precision,
    ]);
  }

  key(contentHash: string): string {
    return createHash('sha256').update(this.prefix).update('\0').update(contentHash).digest('hex');
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.f32`);
  }

  async get(contentHash: string): Promise<Float32Array | null> {
    const buf = await readFile(this.path(this.key(contentHash))).catch(() => null);
    // A truncated file (e.g. killed mid-write on a filesystem without atomic rename) is a miss.
    if (!buf || buf.byteLength !== this.expectedLength * 4) {
      this.misses++;
      return null;
    }
    this.hits++;
    const out = new Float32Array(this.expectedLength);
    new Uint8Array(out.buffer).set(buf);
    return out;
  }

  async put(contentHash: string, features: Float32Array): Promise<void> {
    const p = this.path(this.key(contentHash));
    await mkdir(join(p, '..'), { recursive: true });
    const tmp = `${p}.${process.pid}.tmp`;
    await writeFile(tmp, new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
    await rename(tmp, p);
  }
}
