/**
 * Recovers, from OUTSIDE the trainer, everything a reference implementation needs to replay a
 * frozen-base run step for step — so the trainer itself needs no hooks:
 *  - features: the frozen prefix outputs the trainer wrote to its on-disk FeatureCache (same key
 *    parts as trainer.ts builds), i.e. the exact floats the head was trained on;
 *  - initial head: the head's Dense initializers are seeded (glorotUniform, seed / seed+2, zero
 *    bias), so building the same trainable part again yields the weights the trainer started from
 *    (checked by building it twice);
 *  - batch order: runPhase shuffles with shuffledIndices(n, makeRng(deriveSeed(seed, step))),
 *    step = epoch for the first phase, so the orders are recomputed with the same functions.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deriveSeed, makeRng, shuffledIndices } from '@runboard/contract/rng';
import {
  buildTrainablePart,
  detectAvailability,
  dropoutRng,
  FeatureCache,
  type FolderDataset,
  featureEngine,
  initTfjsBackend,
  loadImages,
  outputShapeAfter,
  scanFolder,
  selectPrefixEngine,
} from '@runboard/trainers/bench';
import { hashWeights, type TrainConfig, type VggWeights } from '@runboard/trainers/testing';
import * as tf from '@tensorflow/tfjs';

const CUT = 'block5_pool'; // head-only phase: the whole conv base is the frozen prefix

export interface SplitFeatures {
  x: Float32Array; // n * featureLength, NHWC order = what tfjs's Flatten sees
  y: Float32Array; // 0/1 (binary task)
  n: number;
}

/** Read back the features the trainer cached for one split; a miss means the keys drifted. */
export async function cachedFeatures(cfg: TrainConfig, weights: VggWeights, ds: FolderDataset): Promise<SplitFeatures> {
  const len = outputShapeAfter(CUT, cfg.size).reduce((a, b) => a * b, 1);
  // The engine part of the key, found the way trainer.ts finds it (the backend is already chosen).
  const backend = await initTfjsBackend(cfg.backend);
  const choice = selectPrefixEngine(
    cfg.prefixEngine,
    await detectAvailability(backend.backend, backend.package, backend.device),
  );
  const cache = new FeatureCache(
    resolve(cfg.cacheDir),
    {
      weightsHash: hashWeights(weights, CUT),
      cut: CUT,
      preprocessing: cfg.preprocessing,
      size: cfg.size,
      interpolation: cfg.interpolation,
      ...featureEngine(choice, backend.backend),
    },
    len,
  );
  const { contentHashes } = await loadImages(ds, cfg.size, cfg.interpolation);
  const x = new Float32Array(ds.files.length * len);
  for (const [i, h] of contentHashes.entries()) {
    const f = await cache.get(h);
    if (!f) throw new Error(`no cached features for ${ds.files[i]} — cache key parts differ from the trainer's`);
    x.set(f, i * len);
  }
  return { x, y: Float32Array.from(ds.labels), n: ds.files.length };
}

export async function splitsOf(cfg: TrainConfig): Promise<{ train: FolderDataset; val: FolderDataset }> {
  // The parity bench always passes explicit train/val folders.
  const train = await scanFolder(cfg.train!);
  return { train, val: await scanFolder(cfg.val!, train.classes) };
}

/** The head's initial weights, in tfjs layout (Dense kernel [in, out]). */
export function initialHead(cfg: TrainConfig): Record<string, { data: Float32Array; shape: number[] }> {
  const head = { task: 'binary' as const, numClasses: 2, units: cfg.units, dropout: cfg.dropout, seed: cfg.seed };
  const read = () => {
    const m = buildTrainablePart(cfg.size, CUT, head);
    const out: Record<string, { data: Float32Array; shape: number[] }> = {};
    for (const name of ['head_dense', 'head_output']) {
      const [k, b] = m.getLayer(name).getWeights();
      out[`${name}_kernel`] = { data: k!.dataSync() as Float32Array, shape: k!.shape };
      out[`${name}_bias`] = { data: b!.dataSync() as Float32Array, shape: b!.shape };
    }
    m.dispose();
    return out;
  };
  const a = read();
  const b = read();
  for (const k of Object.keys(a)) {
    if (!a[k]!.data.every((v, i) => v === b[k]!.data[i]))
      throw new Error(`${k}: head init is not deterministic, cannot replay it`);
  }
  return a;
}

/** Per-epoch shuffled train order, exactly as runPhase draws it (first phase: step = epoch). */
export function epochOrders(n: number, seed: number, epochs: number): number[][] {
  return Array.from({ length: epochs }, (_, e) => shuffledIndices(n, makeRng(deriveSeed(seed, e + 1))));
}

const f32 = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Write the reference's inputs (see bench/trainer-parity-ref.py for the format). */
export async function writeParityInputs(
  dir: string,
  cfg: TrainConfig,
  train: SplitFeatures,
  val: SplitFeatures,
  head: ReturnType<typeof initialHead>,
  orders: number[][],
  extra: Record<string, unknown> = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'train_x.f32'), f32(train.x));
  await writeFile(join(dir, 'train_y.f32'), f32(train.y));
  await writeFile(join(dir, 'val_x.f32'), f32(val.x));
  await writeFile(join(dir, 'val_y.f32'), f32(val.y));
  for (const [k, v] of Object.entries(head)) await writeFile(join(dir, `${k}.f32`), f32(v.data));
  const meta = {
    featureLength: train.x.length / train.n,
    nTrain: train.n,
    nVal: val.n,
    units: cfg.units,
    dropout: cfg.dropout,
    batch: cfg.batch,
    lr: cfg.lr,
    rho: 0.9, // tf.train.rmsprop's default decay; trainer.ts passes only the lr
    epsilon: tf.backend().epsilon(), // tfjs RMSprop's and binaryCrossentropy's epsilon (backend's)
    orders,
    ...extra,
  };
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta));
  if (cfg.dropout > 0) await writeFile(join(dir, 'dropout_masks.f32'), f32(dropoutMasks(cfg, orders)));
}

/**
 * The dropout masks train() draws, in training order (epochs, batches, images, units), from the same
 * stream the head's dropout layer uses (vgg16.ts dropoutRng): what a reference multiplies in.
 */
export function dropoutMasks(cfg: TrainConfig, orders: number[][]): Float32Array {
  const rng = dropoutRng(cfg.seed, 0);
  const total = orders.reduce((a, o) => a + o.length, 0) * cfg.units;
  const out = new Float32Array(total);
  const scale = 1 / (1 - cfg.dropout);
  for (let i = 0; i < total; i++) out[i] = rng() < cfg.dropout ? 0 : scale;
  return out;
}
