// Training core: VGG16 transfer learning the Keras way (frozen conv base + Dense head, then
// optional block-5 fine-tuning at a lower lr, steps continuing in the same run). Independent of
// the CLI and of the server: everything external comes in through TrainerDeps.

import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { sanitiseSegment } from '../agent/path-confinement.ts';
import type { TrainConfig } from '../config.ts';
import { type FolderDataset, loadImages, oneHot, scanFolder } from '../data/folder-dataset.ts';
import { createPrefix, type PrefixEngine } from '../engines/prefix.ts';
import { initTfjsBackend } from '../engines/tfjs-backend.ts';
import { FeatureCache } from '../features/feature-cache.ts';
import { FeatureStore } from '../features/feature-store.ts';
import { loadVggWeights } from '../model/load-weights.ts';
import { saveModelDir } from '../model/tfjs-io.ts';
import {
  buildFullModel,
  buildTrainablePart,
  copyWeightsByName,
  freezeThrough,
  getVggWeights,
  setVggWeights,
  type Task,
} from '../model/vgg16.ts';
import { cutBefore } from '../model/vgg16-spec.ts';
import { hashWeights, type VggWeights } from '../model/weights.ts';
import type { RunStatus, Tracker } from '../tracking/tracker.ts';
import { type EpochRecord, evaluateSplit, runPhase, type Split, type StopSignal } from './epoch-loop.ts';
import { HeapRmsprop } from './heap-rmsprop.ts';
import { type ProgressSink, silentProgress } from './progress.ts';
import { hostInfo } from './system-info.ts';

export interface TrainerDeps {
  tracker: Tracker;
  stop?: StopSignal;
  progress?: ProgressSink;
  /** Pre-loaded weights (tests); otherwise cfg.weights is loaded. */
  weights?: VggWeights;
  /**
   * Baseline for `npm run bench:trainer` only: push every training and validation image through
   * the frozen base every epoch, as Keras's fit() on flow_from_directory generators does.
   */
  recomputeBaseEveryEpoch?: boolean;
}

export interface TrainResult {
  status: RunStatus;
  runName: string;
  classes: string[];
  task: Task;
  history: EpochRecord[];
  test?: { loss: number; acc: number };
  modelDir: string;
  systemInfo: Record<string, unknown>;
  /** Conv weights after training (fine-tuned layers updated). */
  finalWeights: VggWeights;
  cache: { hits: number; misses: number; computed: number; baseSeconds: number };
}

/** model.dispose() leaves the optimizer's slot variables (RMSprop accumulators) behind. */
function disposeModel(m: tf.LayersModel | null): void {
  if (!m) return;
  m.optimizer?.dispose();
  m.dispose();
}

export function defaultRunName(cfg: TrainConfig): string {
  return cfg.name ?? `${cfg.experiment}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
}

export async function train(cfg: TrainConfig, deps: TrainerDeps): Promise<TrainResult> {
  const stop = deps.stop ?? { requested: false };
  const progress = deps.progress ?? silentProgress;
  const runName = defaultRunName(cfg);
  // Names are user text: sanitised before they become folders (an experiment "../../x" stays under .data/models).
  const modelDir = resolve(
    cfg.output ??
      join('.data', 'models', sanitiseSegment(cfg.experiment, 'experiment'), sanitiseSegment(runName, 'run')),
  );

  const backend = await initTfjsBackend(cfg.backend);
  const [trainDs, weights] = await Promise.all([
    scanFolder(cfg.train),
    deps.weights ?? loadVggWeights(cfg.weights, cfg.seed),
  ]);
  const valDs = await scanFolder(cfg.val, trainDs.classes);
  const testDs = cfg.test ? await scanFolder(cfg.test, trainDs.classes) : null;
  const classes = trainDs.classes;
  const task: Task = cfg.task === 'auto' ? (classes.length === 2 ? 'binary' : 'categorical') : cfg.task;
  if (task === 'binary' && classes.length !== 2)
    throw new Error(`binary task needs exactly 2 classes, ${cfg.train} has ${classes.length}: ${classes.join(', ')}`);

  const phases = [
    ...(cfg.epochs > 0 ? [{ name: 'head', cut: 'block5_pool' as string | null, epochs: cfg.epochs, lr: cfg.lr }] : []),
    ...(cfg.fineTuneFrom
      ? [{ name: 'fine-tune', cut: cutBefore(cfg.fineTuneFrom), epochs: cfg.fineTuneEpochs, lr: cfg.fineTuneLr }]
      : []),
  ];
  const systemInfo: Record<string, unknown> = {
    ...hostInfo(),
    engines: {
      prefixRequested: cfg.prefixEngine,
      head: `tfjs ${tf.version_core} (${backend.backend} via ${backend.package} ${backend.version})`,
      tfjsBackendNotes: backend.notes,
    },
    weights: weights.source,
    randomInit: weights.source.startsWith('random-init'),
    classes,
    task,
    dataset: { train: trainDs.files.length, validation: valDs.files.length, test: testDs?.files.length ?? 0 },
    phases: phases.map((p, i) => ({ index: i, name: p.name, frozenThrough: p.cut, epochs: p.epochs, lr: p.lr })),
    featureCache: cfg.augment || cfg.noCache ? null : resolve(cfg.cacheDir),
    artifacts: { modelDir, format: 'tfjs-layers-model' },
  };
  type Loaded = { ds: FolderDataset; im: Awaited<ReturnType<typeof loadImages>>; targets: Float32Array; width: number };
  const load = async (ds: FolderDataset): Promise<Loaded> => {
    const im = await loadImages(ds, cfg.size, cfg.interpolation);
    const width = task === 'binary' ? 1 : classes.length;
    return {
      ds,
      im,
      targets: task === 'binary' ? Float32Array.from(ds.labels) : oneHot(ds.labels, classes.length),
      width,
    };
  };
  // Decoding images (sharp, on libuv's threads) overlaps building the prefix's ONNX session.
  // Awaited inside the try below, so a bad image still fails the run it belongs to.
  const loading = Promise.all([load(trainDs), load(valDs), testDs ? load(testDs) : null]);
  loading.catch(() => {});
  // The first phase's frozen prefix is built before the run starts so the engine that really
  // runs it (onnxruntime, or tfjs after a fallback) is in the systemInfo the server records.
  let prefix: PrefixEngine | null = phases[0]
    ? await createPrefix(cfg.prefixEngine, weights, phases[0].cut, cfg.size)
    : null;
  (systemInfo.engines as Record<string, unknown>).prefix = prefix?.description ?? 'none';
  const history: EpochRecord[] = [];
  const cacheStats = { hits: 0, misses: 0, computed: 0, baseSeconds: 0 };
  const head = { task, numClasses: classes.length, units: cfg.units, dropout: cfg.dropout, seed: cfg.seed };
  let current = weights;
  let prevModel: tf.LayersModel | null = null;
  let stopped = false;
  let step = 0;
  const stores: FeatureStore[] = [];
  const split = (d: Loaded, p: PrefixEngine, cache: FeatureCache | null): Split => {
    const recompute = deps.recomputeBaseEveryEpoch ?? false;
    const features = new FeatureStore(
      d.im.pixels,
      d.im.contentHashes,
      p,
      cfg.preprocessing,
      recompute ? null : cache,
      !recompute,
    );
    stores.push(features);
    return { pixels: d.im.pixels, labels: d.ds.labels, targets: d.targets, targetWidth: d.width, features };
  };

  try {
    await deps.tracker.start({
      experimentName: cfg.experiment,
      name: runName,
      config: { ...cfg, apiKey: undefined },
      tags: cfg.tags,
      systemInfo,
    });
    const [trainData, valData, testData] = await loading;
    for (const [index, ph] of phases.entries()) {
      if (stopped) break;
      if (index > 0 || !prefix) {
        await prefix?.dispose();
        prefix = await createPrefix(cfg.prefixEngine, current, ph.cut, cfg.size);
      }
      (systemInfo.engines as Record<string, unknown>)[`prefix_${ph.name}`] = prefix.description;
      const model = buildTrainablePart(cfg.size, ph.cut, head);
      setVggWeights(model, current);
      if (prevModel) copyWeightsByName(prevModel, model); // head (and any tuned convs) carry over
      model.compile({
        optimizer: new HeapRmsprop(ph.lr), // tf.train.rmsprop's arithmetic, fused (see heap-rmsprop.ts)
        loss: task === 'binary' ? 'binaryCrossentropy' : 'categoricalCrossentropy',
        metrics: ['accuracy'],
      });
      disposeModel(prevModel);
      prevModel = model;
      const cache =
        cfg.noCache || ph.cut === null
          ? null
          : new FeatureCache(
              resolve(cfg.cacheDir),
              {
                weightsHash: hashWeights(current, ph.cut),
                cut: ph.cut,
                preprocessing: cfg.preprocessing,
                size: cfg.size,
                interpolation: cfg.interpolation,
              },
              prefix.outShape.reduce((a, b) => a * b, 1),
            );
      const caches = cfg.augment ? null : cache; // augmented train images are never cached
      const r = await runPhase(
        { name: ph.name, index, epochs: ph.epochs, lr: ph.lr, firstStep: step },
        {
          model,
          prefix,
          train: split(trainData, prefix, caches),
          val: split(valData, prefix, cache),
          batchSize: cfg.batch,
          seed: cfg.seed,
          preprocessing: cfg.preprocessing,
          augment: cfg.augment ? cfg.augmentation : null,
          stop,
          progress,
          onEpoch: async (rec) => {
            history.push(rec);
            const wallTime = new Date().toISOString();
            await deps.tracker.logMetrics(
              Object.entries(rec.metrics).map(([key, value]) => ({ key, step: rec.step, value, wallTime })),
            );
          },
        },
      );
      if (cache) {
        cacheStats.hits += cache.hits;
        cacheStats.misses += cache.misses;
      }
      step = r.lastStep;
      stopped = r.stopped;
      current = getVggWeights(model, current);
    }
    for (const s of stores) {
      cacheStats.computed += s.computed;
      cacheStats.baseSeconds += s.baseSeconds;
    }

    let test: TrainResult['test'];
    if (testData && prefix && prevModel && !stopped) {
      test = await evaluateSplit(prevModel, prefix, split(testData, prefix, null), cfg.batch);
      const wallTime = new Date().toISOString();
      await deps.tracker.logMetrics([
        { key: 'test_loss', step, value: test.loss, wallTime },
        { key: 'test_acc', step, value: test.acc, wallTime },
      ]);
      progress.message(`test: loss=${test.loss.toFixed(4)} acc=${test.acc.toFixed(4)}`);
    }

    // Export base + head as one flat tfjs model; frozen flags mirror the last phase.
    if (prevModel) {
      const full = buildFullModel(cfg.size, head);
      setVggWeights(full, current);
      copyWeightsByName(prevModel, full);
      freezeThrough(full, phases.at(-1)?.cut ?? null);
      await saveModelDir(full, modelDir);
      full.dispose();
      progress.message(`model saved to ${modelDir}`);
      for (const f of ['model.json', 'weights.bin'])
        await deps.tracker.addArtifact?.(`model/${f}`, join(modelDir, f), 'model');
    }
    const status: RunStatus = stopped ? 'CANCELED' : 'FINISHED';
    return {
      status,
      runName,
      classes,
      task,
      history,
      test,
      modelDir,
      systemInfo,
      finalWeights: current,
      cache: cacheStats,
    };
  } finally {
    await prefix?.dispose();
    disposeModel(prevModel);
    progress.close();
  }
}
