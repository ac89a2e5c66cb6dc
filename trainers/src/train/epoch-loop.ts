// One training phase: epochs of seeded-shuffled batches through the trainable tfjs part, fed
// by the frozen prefix's features (cached, or computed per batch on augmented images).

import { deriveSeed, makeRng, shuffledIndices } from '@runboard/contract/rng';
import * as tf from '@tensorflow/tfjs';
import { type AugmentOptions, augment } from '../data/augment.ts';
import type { Preprocessing } from '../data/image.ts';
import type { PrefixEngine } from '../engines/prefix.ts';
import { type FeatureStore, runPrefix } from '../features/feature-store.ts';
import type { VggWeights } from '../model/weights.ts';
import { type BadBatch, DivergenceError, divergenceCause } from './divergence.ts';
import type { ProgressSink } from './progress.ts';
import { kerasEpochLine } from './progress.ts';

export interface StopSignal {
  requested: boolean;
  reason?: string;
  /** Aborted together with `requested`: reaches work that cannot poll a flag (a download in progress). */
  signal?: AbortSignal;
}

export interface Split {
  pixels: Uint8Array[];
  labels: number[];
  /** Flattened targets: 1 per image (binary) or numClasses (one-hot). */
  targets: Float32Array;
  targetWidth: number;
  features: FeatureStore;
}

export interface PhaseSpec {
  name: string;
  index: number;
  epochs: number;
  lr: number;
  firstStep: number; // global epoch step this phase starts after
  /** What changes in this phase ("layers after block4_pool trainable, lr 0.00001"), on its one "phase" line. */
  detail?: string;
}

export interface EpochRecord {
  step: number;
  phase: string;
  metrics: Record<string, number>;
  partial: boolean;
}

export interface PhaseDeps {
  model: tf.LayersModel;
  prefix: PrefixEngine;
  train: Split;
  val: Split;
  batchSize: number;
  seed: number;
  preprocessing: Preprocessing;
  augment: AugmentOptions | null;
  stop: StopSignal;
  progress: ProgressSink;
  onEpoch: (r: EpochRecord) => Promise<void>;
  guard: DivergenceGuard;
}

/** What the non-finite guard needs across a run's phases (see divergence.ts). */
export interface DivergenceGuard {
  mode: 'stop' | 'warn';
  /** The conv weights the phase started from: the frozen ones are named when a problem is found. */
  frozen: VggWeights;
  /** Set once a warning was printed (mode warn): one warning per run, not one per epoch. */
  warned: boolean;
}

function toTensors(feats: Float32Array[], shape: number[], split: Split, idx: number[]): [tf.Tensor, tf.Tensor] {
  const len = feats[0]!.length;
  const x = new Float32Array(feats.length * len);
  feats.forEach((f, k) => x.set(f, k * len));
  const w = split.targetWidth;
  const y = new Float32Array(idx.length * w);
  idx.forEach((i, k) => y.set(split.targets.subarray(i * w, (i + 1) * w), k * w));
  return [tf.tensor(x, [feats.length, ...shape]), tf.tensor2d(y, [idx.length, w])];
}

/**
 * Evaluation batches hold up to ~4M feature floats (512 images of block5_pool at 150x150), not the
 * training batch size: the result is the same weighted mean, and each batch costs one repacking of
 * the head's weights (wasm's matMul packs its weight operand per call once the weights changed).
 */
export function evalBatchSize(trainBatch: number, featureLength: number): number {
  return Math.max(trainBatch, Math.floor(4_000_000 / featureLength));
}

/** Mean loss/accuracy over a split, in batches (weighted by batch size like Keras). */
export async function evaluateSplit(
  model: tf.LayersModel,
  prefix: PrefixEngine,
  split: Split,
  trainBatch: number,
): Promise<{ loss: number; acc: number }> {
  const batchSize = evalBatchSize(trainBatch, split.features.featureLength);
  let loss = 0;
  let acc = 0;
  const n = split.labels.length;
  for (let s = 0; s < n; s += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, n - s) }, (_, k) => s + k);
    const [x, y] = toTensors(await split.features.get(idx), prefix.outShape, split, idx);
    const r = model.evaluate(x, y, { batchSize: idx.length }) as tf.Scalar[];
    loss += (await r[0]!.data())[0]! * idx.length;
    acc += (await r[1]!.data())[0]! * idx.length;
    tf.dispose([x, y, ...r]);
  }
  return { loss: loss / n, acc: acc / n };
}

export async function runPhase(p: PhaseSpec, d: PhaseDeps): Promise<{ stopped: boolean; lastStep: number }> {
  const n = d.train.labels.length;
  const batches = Math.ceil(n / d.batchSize);
  d.progress.phase(p.name, p.epochs, p.detail);
  let step = p.firstStep;
  for (let e = 1; e <= p.epochs; e++) {
    step = p.firstStep + e;
    const t0 = performance.now();
    const order = shuffledIndices(n, makeRng(deriveSeed(d.seed, step)));
    const augRng = makeRng(deriveSeed(d.seed, step, 1));
    let loss = 0;
    let acc = 0;
    let seen = 0;
    let badBatch: BadBatch | null = null;
    for (let b = 0; b < batches; b++) {
      const idx = order.slice(b * d.batchSize, (b + 1) * d.batchSize);
      let feats: Float32Array[];
      if (d.augment) {
        const aug = idx.map((i) => augment(d.train.pixels[i]!, d.prefix.size, d.augment!, augRng));
        feats = (await runPrefix(d.prefix, aug, d.preprocessing)).out;
      } else feats = await d.train.features.get(idx);
      const [x, y] = toTensors(feats, d.prefix.outShape, d.train, idx);
      const r = (await d.model.trainOnBatch(x, y)) as number[];
      tf.dispose([x, y]);
      if (!badBatch && !Number.isFinite(r[0]!)) badBatch = { epoch: e, batch: b + 1, loss: r[0]! };
      loss += r[0]! * idx.length;
      acc += r[1]! * idx.length;
      seen += idx.length;
      d.progress.batch({
        phase: p.name,
        epoch: e,
        epochs: p.epochs,
        batch: b + 1,
        batches,
        elapsedSeconds: (performance.now() - t0) / 1000,
        metrics: { loss: loss / seen, acc: acc / seen },
      });
      if (d.stop.requested) break;
    }
    const trainSeconds = (performance.now() - t0) / 1000;
    const metrics: Record<string, number> = { loss: loss / seen, acc: acc / seen };
    const partial = seen < n;
    if (!partial) {
      const v = await evaluateSplit(d.model, d.prefix, d.val, d.batchSize);
      metrics.val_loss = v.loss;
      metrics.val_acc = v.acc;
    }
    const epochSeconds = (performance.now() - t0) / 1000;
    Object.assign(metrics, {
      lr: p.lr,
      epoch_seconds: epochSeconds,
      images_per_second: seen / trainSeconds,
      phase: p.index,
    });
    d.progress.epochEnd(
      kerasEpochLine(e, p.epochs, epochSeconds, metrics, partial ? `stopped after ${seen}/${n} images` : null),
    );
    // Checked before the epoch is logged, raised after: the diverged epoch's metrics (NaN as NaN) are kept.
    const cause = guardEpoch(p, e, metrics, badBatch, d);
    await d.onEpoch({ step, phase: p.name, metrics, partial });
    if (cause) throw new DivergenceError(cause);
    if (d.stop.requested) return { stopped: true, lastStep: step };
  }
  return { stopped: false, lastStep: step };
}

/** The cause to stop on (mode stop), or null; in mode warn the first cause is printed once and training goes on. */
function guardEpoch(
  p: PhaseSpec,
  epoch: number,
  metrics: Record<string, number>,
  badBatch: BadBatch | null,
  d: PhaseDeps,
): string | null {
  const g = d.guard;
  if (g.mode === 'warn' && g.warned) return null;
  const cause = divergenceCause({
    epoch,
    phase: p.name,
    lr: p.lr,
    metrics,
    badBatch,
    model: d.model,
    frozen: g.frozen,
  });
  if (!cause || g.mode === 'stop') return cause;
  g.warned = true;
  d.progress.message(`WARNING: ${cause} (onDivergence "warn": training goes on; its results are not to be trusted)`);
  return null;
}
