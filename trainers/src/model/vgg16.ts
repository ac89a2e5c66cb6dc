// tfjs-layers models for VGG16 transfer learning. Everything is built FLAT (no nested
// sub-model) because tfjs-layers 4.22 resets `trainable = false` on a nested model when the
// outer model compiles; flat layers frozen one by one stay frozen.
import { deriveSeed, makeRng, type Rng } from '@runboard/contract/rng';
import * as tf from '@tensorflow/tfjs';
import { layerIndex, MIN_INPUT_SIZE, outputShapeAfter, VGG16_LAYERS } from './vgg16-spec.ts';
import type { VggWeights } from './weights.ts';

export type Task = 'binary' | 'categorical';

export interface HeadOptions {
  task: Task;
  numClasses: number;
  units: number; // Dense 256 in the Keras example
  dropout: number; // 0 disables the Dropout layer
  seed: number;
  /** Phase index: each phase's model draws its own dropout masks from the run's seed. */
  phase?: number;
}

/** The dropout mask stream's id under the run's seed (shuffling uses (seed, step), augmentation (seed, step, 1)). */
const DROPOUT_STREAM = 0xd207;

/** The stream a phase's dropout masks are drawn from: one rng() per unit per training batch, keep when >= rate. */
export function dropoutRng(seed: number, phase = 0): Rng {
  return makeRng(deriveSeed(seed, DROPOUT_STREAM, phase));
}

/**
 * Inverted dropout whose masks come from the run's seeded stream, one fresh mask per training
 * batch: tfjs's Dropout draws from an unseeded generator (same --seed, different curves), and with
 * a seed it reuses one mask for every batch. Saved as a plain "Dropout" layer (identity at
 * inference), so model.json loads in tfjs and Keras without this class.
 */
class SeededDropout extends tf.layers.Layer {
  static className = 'Dropout';
  private readonly rate: number;
  private readonly rng: Rng;

  constructor(config: { name: string; rate: number; rng: Rng }) {
    super({ name: config.name });
    this.rate = config.rate;
    this.rng = config.rng;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (!kwargs.training) return x;
    const keep = new Float32Array(x.size);
    const scale = 1 / (1 - this.rate);
    for (let i = 0; i < keep.length; i++) keep[i] = this.rng() < this.rate ? 0 : scale;
    return tf.tidy(() => tf.mul(x, tf.tensor(keep, x.shape)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}

export const HEAD_LAYER_NAMES = ['flatten', 'head_dense', 'head_dropout', 'head_output'] as const;

/**
 * VGG conv layers start at zero: every caller sets their weights right after (setVggWeights, from
 * a weights file or the seeded random init), and tfjs's default Glorot draw for 14.7M weights cost
 * ~0.7 s per model built.
 */
function applyVggLayers(x: tf.SymbolicTensor, fromIdx: number, toIdx: number): tf.SymbolicTensor {
  let y = x;
  for (let i = fromIdx; i <= toIdx; i++) {
    const l = VGG16_LAYERS[i]!;
    const layer =
      l.kind === 'conv'
        ? tf.layers.conv2d({
            name: l.name,
            filters: l.filters,
            kernelSize: 3,
            padding: 'same',
            activation: 'relu',
            kernelInitializer: 'zeros',
          })
        : tf.layers.maxPooling2d({ name: l.name, poolSize: 2, strides: 2, padding: 'valid' });
    y = layer.apply(y) as tf.SymbolicTensor;
  }
  return y;
}

function applyHead(x: tf.SymbolicTensor, h: HeadOptions): tf.SymbolicTensor {
  let y = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  y = tf.layers
    .dense({
      name: 'head_dense',
      units: h.units,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: h.seed }),
    })
    .apply(y) as tf.SymbolicTensor;
  if (h.dropout > 0) {
    const rng = dropoutRng(h.seed, h.phase ?? 0);
    y = new SeededDropout({ name: 'head_dropout', rate: h.dropout, rng }).apply(y) as tf.SymbolicTensor;
  }
  const binary = h.task === 'binary';
  return tf.layers
    .dense({
      name: 'head_output',
      units: binary ? 1 : h.numClasses,
      activation: binary ? 'sigmoid' : 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: h.seed + 2 }),
    })
    .apply(y) as tf.SymbolicTensor;
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < MIN_INPUT_SIZE)
    throw new Error(`input size must be an integer >= ${MIN_INPUT_SIZE}, got ${size}`);
}

/** keras.applications.VGG16(include_top=False) for a size x size x 3 input. */
export function buildVggBase(size: number, upTo = 'block5_pool'): tf.LayersModel {
  checkSize(size);
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  return tf.model({ name: 'vgg16', inputs: input, outputs: applyVggLayers(input, 0, layerIndex(upTo)) });
}

/**
 * The trainable part that runs in tfjs: the VGG layers after `cut` (none when cut is
 * block5_pool) plus the head. Its input is the frozen prefix's output.
 */
export function buildTrainablePart(size: number, cut: string | null, head: HeadOptions): tf.LayersModel {
  checkSize(size);
  const input = tf.input({ shape: outputShapeAfter(cut, size), name: cut ? `${cut}_features` : 'input_1' });
  const from = cut ? layerIndex(cut) + 1 : 0;
  const body = applyVggLayers(input, from, VGG16_LAYERS.length - 1);
  return tf.model({ name: 'vgg16_head', inputs: input, outputs: applyHead(body, head) });
}

/** Base + head as one flat model (for export, and for training entirely in tfjs). */
export function buildFullModel(size: number, head: HeadOptions): tf.LayersModel {
  return buildTrainablePart(size, null, head);
}

/**
 * Freeze every VGG layer up to and including `lastFrozen` (null = freeze nothing), leave the rest
 * trainable. Must run BEFORE compile(); tfjs collects trainable weights at compile time.
 */
export function freezeThrough(model: tf.LayersModel, lastFrozen: string | null): void {
  const cut = lastFrozen === null ? -1 : layerIndex(lastFrozen);
  for (const layer of model.layers) {
    const i = VGG16_LAYERS.findIndex((l) => l.name === layer.name);
    if (i >= 0) layer.trainable = i > cut;
  }
}

/** Copy conv weights (by layer name) into whatever VGG layers `model` has. */
export function setVggWeights(model: tf.LayersModel, w: VggWeights): void {
  for (const layer of model.layers) {
    const cw = w.layers.get(layer.name);
    if (!cw) continue;
    // setWeights copies into the layer's variables; the temporaries must be freed here.
    const ts = [tf.tensor4d(cw.kernel, cw.kernelShape), tf.tensor1d(cw.bias)];
    layer.setWeights(ts);
    tf.dispose(ts);
  }
}

/** Read conv weights back out of a model (e.g. after fine-tuning block 5). */
export function getVggWeights(model: tf.LayersModel, into: VggWeights): VggWeights {
  const layers = new Map(into.layers);
  for (const layer of model.layers) {
    if (!layers.has(layer.name)) continue;
    const [k, b] = layer.getWeights();
    layers.set(layer.name, {
      kernel: k!.dataSync() as Float32Array,
      kernelShape: k!.shape as [number, number, number, number],
      bias: b!.dataSync() as Float32Array,
    });
  }
  return { source: into.source, layers };
}

/** Copy weights between models layer by layer for every layer name both have. */
export function copyWeightsByName(from: tf.LayersModel, to: tf.LayersModel): string[] {
  const copied: string[] = [];
  const src = new Map(from.layers.map((l) => [l.name, l]));
  for (const layer of to.layers) {
    const s = src.get(layer.name);
    if (!s || layer.getWeights().length === 0) continue;
    layer.setWeights(s.getWeights());
    copied.push(layer.name);
  }
  return copied;
}
