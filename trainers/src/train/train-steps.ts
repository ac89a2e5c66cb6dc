// The steps of train() (trainer.ts) that have a name of their own: reading the splits, planning the phases,
// describing the run for the server, decoding images, the feature cache of a phase, the test evaluation.
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { sanitiseSegment } from '../agent/path-confinement.ts';
import type { TrainConfig } from '../config.ts';
import { type FolderDataset, loadImages, oneHot, scanFolder } from '../data/folder-dataset.ts';
import type { ResolvedData } from '../data/resolve-data.ts';
import type { PrefixEngine } from '../engines/prefix.ts';
import type { BackendInfo } from '../engines/tfjs-backend.ts';
import { FeatureCache } from '../features/feature-cache.ts';
import { FeatureStore } from '../features/feature-store.ts';
import type { Task } from '../model/vgg16.ts';
import { cutBefore } from '../model/vgg16-spec.ts';
import { hashWeights, type VggWeights } from '../model/weights.ts';
import type { Tracker } from '../tracking/tracker.ts';
import { evaluateSplit, type Split } from './epoch-loop.ts';
import type { ProgressSink } from './progress.ts';
import { hostInfo } from './system-info.ts';

/** Validation and test splits (classes as in train), and the task the classes make; refuses what cannot train. */
export async function scanOtherSplits(
  cfg: TrainConfig,
  data: ResolvedData,
  trainDs: FolderDataset,
  say: (l: string) => void,
  roots: Parameters<typeof scanFolder>[2],
): Promise<{ valDs: FolderDataset; testDs: FolderDataset | null; classes: string[]; task: Task }> {
  const valDs = await scanFolder(data.val, trainDs.classes, roots);
  const testDs = data.test ? await scanFolder(data.test, trainDs.classes, roots) : null;
  say(
    `data: ${data.source}: ${trainDs.files.length} train, ${valDs.files.length} validation${testDs ? `, ${testDs.files.length} test` : ''} images in ${trainDs.classes.length} classes (${trainDs.classes.join(', ')})`,
  );
  const classes = trainDs.classes;
  // tfjs would only say "target array of shape 20,1 ... categorical_crossentropy".
  if (classes.length < 2)
    throw new Error(
      `training data has ${classes.length} class (${classes.join(', ')}); need 2 or more (one subfolder per class in ${data.train})`,
    );
  const task: Task = cfg.task === 'auto' ? (classes.length === 2 ? 'binary' : 'categorical') : cfg.task;
  if (task === 'binary' && classes.length !== 2)
    throw new Error(`binary task needs exactly 2 classes, ${data.train} has ${classes.length}: ${classes.join(', ')}`);
  return { valDs, testDs, classes, task };
}

export interface Phase {
  name: string;
  /** The last frozen layer (null: nothing frozen). */
  cut: string | null;
  epochs: number;
  lr: number;
}

/** The head over the frozen base, then (with fineTuneFrom) fine-tuning from that block on. */
export function planPhases(cfg: TrainConfig): Phase[] {
  return [
    ...(cfg.epochs > 0 ? [{ name: 'head', cut: 'block5_pool' as string | null, epochs: cfg.epochs, lr: cfg.lr }] : []),
    ...(cfg.fineTuneFrom
      ? [{ name: 'fine-tune', cut: cutBefore(cfg.fineTuneFrom), epochs: cfg.fineTuneEpochs, lr: cfg.fineTuneLr }]
      : []),
  ];
}

/** The run's systemInfo as the plan says; train() records what really ran into `engines` as it learns it. */
export function describeRun(r: {
  cfg: TrainConfig;
  backend: BackendInfo;
  weights: VggWeights;
  loaded: { file: unknown };
  data: ResolvedData;
  classes: string[];
  task: Task;
  trainDs: FolderDataset;
  valDs: FolderDataset;
  testDs: FolderDataset | null;
  phases: Phase[];
  modelDir: string;
}): Record<string, unknown> {
  const { cfg, backend } = r;
  return {
    ...hostInfo(),
    engines: {
      prefixRequested: cfg.prefixEngine,
      head: `tfjs ${tf.version_core} (${backend.backend} via ${backend.package} ${backend.version}, on the ${backend.device})`,
      headDevice: backend.device,
      tfjsBackendNotes: backend.notes,
    },
    weights: r.weights.source,
    weightsFile: r.loaded.file,
    randomInit: r.weights.source.startsWith('random-init'),
    data: r.data.source,
    classes: r.classes,
    task: r.task,
    dataset: { train: r.trainDs.files.length, validation: r.valDs.files.length, test: r.testDs?.files.length ?? 0 },
    phases: r.phases.map((p, i) => ({ index: i, name: p.name, frozenThrough: p.cut, epochs: p.epochs, lr: p.lr })),
    featureCache: cfg.augment || cfg.noCache ? null : resolve(cfg.cacheDir),
    artifacts: { modelDir: r.modelDir, format: 'tfjs-layers-model' },
  };
}

export interface LoadedSplit {
  ds: FolderDataset;
  im: Awaited<ReturnType<typeof loadImages>>;
  targets: Float32Array;
  width: number;
}

/** A split's images (decoded now, or on a feature-cache miss when `eager` is false) and its targets. */
export async function loadSplitImages(
  ds: FolderDataset,
  cfg: TrainConfig,
  task: Task,
  numClasses: number,
  eager: boolean,
): Promise<LoadedSplit> {
  const im = await loadImages(ds, cfg.size, cfg.interpolation, 8, eager);
  return {
    ds,
    im,
    targets: task === 'binary' ? Float32Array.from(ds.labels) : oneHot(ds.labels, numClasses),
    width: task === 'binary' ? 1 : numClasses,
  };
}

/** One line on how far each split's features got and how fast the base ran. */
export function featuresLine(cut: string | null, splits: Record<string, Split>): string {
  const parts = Object.entries(splits).map(([name, sp]) => {
    const f = sp.features;
    return `${name} ${f.computed + f.hits}/${f.size} (cache hits ${f.hits}, computed ${f.computed})`;
  });
  const all = Object.values(splits);
  const computed = all.reduce((a, sp) => a + sp.features.computed, 0);
  const secs = all.reduce((a, sp) => a + sp.features.baseSeconds, 0);
  return `features [${cut}]: ${parts.join(', ')}${computed ? `, ${(computed / Math.max(secs, 1e-9)).toFixed(1)} images/s through the base` : ''}`;
}

/** The on-disk cache of a phase's base features, keyed by everything that changes them; none when nothing is frozen. */
export function featureCacheFor(
  cfg: TrainConfig,
  cut: string | null,
  weights: VggWeights,
  prefix: PrefixEngine,
  engine: { engine: string; precision: string },
): FeatureCache | null {
  if (cfg.noCache || cut === null) return null;
  return new FeatureCache(
    resolve(cfg.cacheDir),
    {
      weightsHash: hashWeights(weights, cut),
      cut,
      preprocessing: cfg.preprocessing,
      size: cfg.size,
      interpolation: cfg.interpolation,
      ...engine,
    },
    prefix.outShape.reduce((a, b) => a * b, 1),
  );
}

/** Evaluates the trained model on the test split and logs test_loss / test_acc at the last step. */
export async function testModel(
  model: tf.LayersModel,
  prefix: PrefixEngine,
  testSplit: Split,
  o: {
    cfg: TrainConfig;
    step: number;
    deps: { tracker: Tracker };
    progress: ProgressSink;
    sayFeatures: (cut: string | null, splits: Record<string, Split>) => void;
  },
): Promise<{ loss: number; acc: number }> {
  const test = await evaluateSplit(model, prefix, testSplit, o.cfg.batch);
  o.sayFeatures(prefix.cut, { test: testSplit });
  const wallTime = new Date().toISOString();
  await o.deps.tracker.logMetrics([
    { key: 'test_loss', step: o.step, value: test.loss, wallTime },
    { key: 'test_acc', step: o.step, value: test.acc, wallTime },
  ]);
  o.progress.message(`test: loss=${test.loss.toFixed(4)} acc=${test.acc.toFixed(4)}`);
  return test;
}

/** Where the model is saved. Names are user text: sanitised before they become folders (an experiment "../../x"
 * stays under .data/models). */
export function modelDirFor(cfg: TrainConfig, runFolder: string): string {
  return resolve(
    cfg.output ??
      join('.data', 'models', sanitiseSegment(cfg.experiment, 'experiment'), sanitiseSegment(runFolder, 'run')),
  );
}

/** A split as an epoch sees it: its pixels and targets, and its base features (cached unless `recompute`). */
export function splitOf(
  d: LoadedSplit,
  p: PrefixEngine,
  cache: FeatureCache | null,
  name: string,
  o: { cfg: TrainConfig; recompute: boolean; say: (l: string) => void },
): Split & { features: FeatureStore } {
  const features = new FeatureStore(
    d.im.pixels,
    d.im.contentHashes,
    p,
    o.cfg.preprocessing,
    o.recompute ? null : cache,
    !o.recompute,
    16,
    d.im.decode,
  );
  let lastLine = performance.now();
  features.onComputed = (f) => {
    if (performance.now() - lastLine < 5000) return;
    lastLine = performance.now();
    o.say(
      `features [${p.cut}]: ${f.computed + f.hits}/${f.size} ${name} images (cache hits ${f.hits}), ${(f.computed / Math.max(f.baseSeconds, 1e-9)).toFixed(1)} images/s through the base`,
    );
  };
  return { pixels: d.im.pixels, labels: d.ds.labels, targets: d.targets, targetWidth: d.width, features };
}
