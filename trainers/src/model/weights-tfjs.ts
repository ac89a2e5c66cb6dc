// VGG16 conv weights from a tfjs layers-model folder (model.json + shards), e.g. one converted
// with tensorflowjs_converter or saved by this trainer. Weights map to layers by the layer-name
// segment of each weight name ("vgg16/block1_conv1/kernel", "block1_conv1/kernel_1", ...).
import * as tf from '@tensorflow/tfjs';
import { readModelFolder } from './tfjs-io.ts';
import { VGG16_CONV_LAYERS } from './vgg16-spec.ts';
import { assertComplete, type ConvWeights, checkShape, type VggWeights } from './weights.ts';
import { weightRole } from './weights-h5.ts';

export async function loadTfjsFolderWeights(dir: string): Promise<VggWeights> {
  const f = await readModelFolder(dir);
  const named = tf.io.decodeWeights(f.weightData, f.weightSpecs);
  const convNames = new Set(VGG16_CONV_LAYERS.map((l) => l.name));
  const parts = new Map<string, Partial<ConvWeights>>();
  try {
    for (const [name, t] of Object.entries(named)) {
      const layer = name.split('/').find((s) => convNames.has(s));
      const role = weightRole(name);
      if (!layer || !role) continue;
      checkShape(layer, role, t.shape);
      const p = parts.get(layer) ?? {};
      if (role === 'kernel') {
        p.kernel = Float32Array.from(t.dataSync() as Float32Array);
        p.kernelShape = t.shape as ConvWeights['kernelShape'];
      } else p.bias = Float32Array.from(t.dataSync() as Float32Array);
      parts.set(layer, p);
    }
  } finally {
    tf.dispose(Object.values(named));
  }
  const layers = new Map<string, ConvWeights>();
  for (const [layer, p] of parts) {
    if (!p.kernel || !p.bias) throw new Error(`${dir}: layer ${layer} lacks a ${p.kernel ? 'bias' : 'kernel'}`);
    layers.set(layer, p as ConvWeights);
  }
  const w: VggWeights = { source: `tfjs:${dir}`, layers };
  assertComplete(w);
  return w;
}
