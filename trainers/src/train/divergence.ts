// Non-finite guard: a run whose loss, metrics or weights stop being finite numbers, or whose
// predictions are pinned at the cross-entropy clip, stops as FAILED with the cause first.
// Checked on every backend: tfjs-backend-wasm's clipByValue maps NaN to the clip's lower bound,
// so on wasm a model full of NaN still reports a finite loss (8.0590, acc 0.5) and only its
// weights show it.

import * as tf from '@tensorflow/tfjs';
import type { VggWeights } from '../model/weights.ts';

/**
 * The largest loss an image can contribute once its prediction is clipped on the wrong side:
 * tfjs clips probabilities to [1e-7, 1 - 1e-7] and 1 - 1e-7 rounds to 1 - 1.19e-7 in float32, so a
 * wrong image's loss is -log(1.19e-7) = 15.94 or -log(1e-7) = 16.12. Either way the clip's gradient
 * is zero there: nothing moves again (lr 10 stays at loss 7.9712, acc 0.5 forever).
 */
export const CLIP_LOSS = -Math.log(1 - Math.fround(1 - 1e-7));

/** Relative slack on the plateau test: float32 batch means of ~16 are good to ~1e-6. */
const PLATEAU_SLACK = 1e-3;

export class DivergenceError extends Error {
  override name = 'DivergenceError';
}

/** The first batch whose loss came back non-finite (trainOnBatch returns it as a number: free). */
export interface BadBatch {
  epoch: number;
  batch: number;
  loss: number;
}

/**
 * Names of the model's weights that hold a NaN or ±Infinity, in layer order. One reduction per
 * tensor (sum of w - w is 0 when every value is finite, NaN otherwise) and a single read back.
 */
export function nonFiniteModelWeights(model: tf.LayersModel): string[] {
  const named = model.layers.flatMap((l) => l.weights.map((w) => ({ name: weightName(l.name, w.originalName), w })));
  if (named.length === 0) return [];
  const flags = tf.tidy(() => tf.stack(named.map(({ w }) => tf.sum(tf.sub(w.read(), w.read())))).dataSync());
  return named.filter((_, i) => !Number.isFinite(flags[i]!)).map((n) => n.name);
}

function weightName(layer: string, original: string): string {
  return `${layer}/${original.split('/').pop()}`;
}

function hasNonFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return true;
  return false;
}

/** Non-finite weights of the frozen conv layers (those not in `model`): scanned only once a problem is found. */
export function nonFiniteFrozenWeights(weights: VggWeights, model: tf.LayersModel): string[] {
  const inModel = new Set(model.layers.map((l) => l.name));
  const bad: string[] = [];
  for (const [name, w] of weights.layers) {
    if (inModel.has(name)) continue;
    if (hasNonFinite(w.kernel)) bad.push(`${name}/kernel`);
    if (hasNonFinite(w.bias)) bad.push(`${name}/bias`);
  }
  return bad;
}

/**
 * Every misclassified image sits at the clip (loss >= (1 - acc) * CLIP_LOSS) while some are
 * misclassified: the epoch's gradient is zero, the run cannot recover.
 */
export function atClipPlateau(m: Record<string, number>): boolean {
  const { loss, acc } = m;
  if (loss === undefined || acc === undefined || !(acc < 1)) return false;
  return loss >= (1 - acc) * CLIP_LOSS * (1 - PLATEAU_SLACK);
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : String(v));

export interface EpochCheck {
  epoch: number;
  phase: string;
  lr: number;
  metrics: Record<string, number>;
  badBatch: BadBatch | null;
  model: tf.LayersModel;
  frozen: VggWeights;
}

/** The cause, or null when the epoch is healthy. The weights named are the first non-finite ones in layer order. */
export function divergenceCause(c: EpochCheck): string | null {
  const where = `epoch ${c.epoch}${c.phase === 'head' ? '' : ` (${c.phase})`}`;
  const badWeights = nonFiniteModelWeights(c.model);
  const badMetric = ['loss', 'acc', 'val_loss', 'val_acc'].find(
    (k) => c.metrics[k] !== undefined && !Number.isFinite(c.metrics[k]),
  );
  let first: string;
  if (c.badBatch) first = `loss became ${c.badBatch.loss} at ${where}, batch ${c.badBatch.batch}`;
  else if (badMetric) first = `${badMetric} became ${c.metrics[badMetric]} at ${where}`;
  else if (badWeights.length)
    first = `weights became non-finite in ${where} (loss ${fmt(c.metrics.loss!)} looked finite)`;
  else if (atClipPlateau(c.metrics))
    return (
      `training diverged at ${where}: loss ${fmt(c.metrics.loss!)} with acc ${fmt(c.metrics.acc!)} means every ` +
      `misclassified image is at the cross-entropy clip (loss ${CLIP_LOSS.toFixed(2)}), where the gradient is zero; ` +
      `lr ${c.lr} is too high`
    );
  else return null;
  const all = [...nonFiniteFrozenWeights(c.frozen, c.model), ...badWeights];
  return all.length
    ? `${first}; first non-finite weights: ${all[0]}${all.length > 1 ? ` (and ${all.length - 1} more)` : ''}`
    : first;
}
