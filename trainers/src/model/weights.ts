// In-memory VGG16 conv-base weights, independent of any engine: each conv layer's kernel in
// Keras/TF order [kh, kw, in, out] (HWIO) and its bias. Both the tfjs model and the ONNX
// graph are built from this one structure, so they always agree.
import { createHash } from 'node:crypto';
import { makeRng } from '@runboard/contract/rng';
import { VGG16_CONV_LAYERS } from './vgg16-spec.ts';

export interface ConvWeights {
  kernel: Float32Array;
  kernelShape: [number, number, number, number];
  bias: Float32Array;
}

export interface VggWeights {
  /** Where they came from, recorded on the run ("random-init", "keras-h5:/path", "tfjs:/dir"). */
  source: string;
  layers: Map<string, ConvWeights>;
}

export function expectedKernelShape(layer: string): [number, number, number, number] {
  const spec = VGG16_CONV_LAYERS.find((l) => l.name === layer);
  if (!spec) throw new Error(`"${layer}" is not a VGG16 conv layer`);
  return [3, 3, spec.inChannels, spec.filters];
}

/** Throws an error naming the layer when a loaded tensor has the wrong shape. */
export function checkShape(layer: string, what: 'kernel' | 'bias', got: readonly number[]): void {
  const k = expectedKernelShape(layer);
  const want = what === 'kernel' ? k : [k[3]];
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new Error(`weights for layer ${layer}: ${what} has shape [${got.join(', ')}], expected [${want.join(', ')}]`);
  }
}

/** Glorot-uniform kernels and zero biases, like a fresh Keras layer, but seeded. */
export function randomVggWeights(seed: number): VggWeights {
  const rng = makeRng(seed);
  const layers = new Map<string, ConvWeights>();
  for (const l of VGG16_CONV_LAYERS) {
    const shape = expectedKernelShape(l.name);
    const fanIn = 9 * l.inChannels;
    const fanOut = 9 * l.filters;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const kernel = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < kernel.length; i++) kernel[i] = (rng() * 2 - 1) * limit;
    layers.set(l.name, { kernel, kernelShape: shape, bias: new Float32Array(l.filters) });
  }
  return { source: `random-init(seed=${seed})`, layers };
}

/** Hashes per weights object and cut: VggWeights are never changed in place (training makes new ones). */
const hashes = new WeakMap<VggWeights, Map<string, string>>();

/** Content hash over all kernels/biases in layer order; keys the feature cache. */
export function hashWeights(w: VggWeights, upToLayer?: string): string {
  const memo = hashes.get(w) ?? new Map<string, string>();
  hashes.set(w, memo);
  const key = upToLayer ?? '';
  const known = memo.get(key);
  if (known) return known;
  const digest = computeHash(w, upToLayer);
  memo.set(key, digest);
  return digest;
}

function computeHash(w: VggWeights, upToLayer?: string): string {
  const h = createHash('sha256');
  for (const l of VGG16_CONV_LAYERS) {
    const cw = w.layers.get(l.name);
    if (!cw) throw new Error(`missing weights for ${l.name}`);
    h.update(l.name);
    h.update(new Uint8Array(cw.kernel.buffer, cw.kernel.byteOffset, cw.kernel.byteLength));
    h.update(new Uint8Array(cw.bias.buffer, cw.bias.byteOffset, cw.bias.byteLength));
    if (l.name === upToLayer) break;
  }
  return h.digest('hex');
}

export function assertComplete(w: VggWeights): void {
  const missing = VGG16_CONV_LAYERS.filter((l) => !w.layers.has(l.name)).map((l) => l.name);
  if (missing.length) throw new Error(`weights from ${w.source} lack layers: ${missing.join(', ')}`);
}
