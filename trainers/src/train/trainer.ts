// Training core: VGG16 transfer learning the Keras way (frozen conv base + Dense head, then
// optional block-5 fine-tuning at a lower lr, steps continuing in the same run). Independent of
// the CLI and of the server: everything external comes in through TrainerDeps.

import { randomBytes } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { sanitiseSegment } from '../agent/path-confinement.ts';
import type { TrainConfig } from '../config.ts';
import { progressPrinter } from '../data/downloads.ts';
import { dataRootsFromEnv, type FolderDataset, loadImages, oneHot, scanFolder } from '../data/folder-dataset.ts';
import { resolveData } from '../data/resolve-data.ts';
import { createPrefix, lazyPrefix, type PrefixEngine } from '../engines/prefix.ts';
import { detectAvailability, type EngineAvailability, selectPrefixEngine } from '../engines/select-prefix.ts';
import { initTfjsBackend } from '../engines/tfjs-backend.ts';
import { FeatureCache, featureEngine } from '../features/feature-cache.ts';
import { FeatureStore } from '../features/feature-store.ts';
import { saveArtifacts } from '../model/artifacts.ts';
import { loadVggWeights } from '../model/load-weights.ts';
import { resolveWeights } from '../model/resolve-weights.ts';
import { buildTrainablePart, copyWeightsByName, getVggWeights, setVggWeights, type Task } from '../model/vgg16.ts';
import { cutBefore } from '../model/vgg16-spec.ts';
import { hashWeights, type VggWeights } from '../model/weights.ts';
import { SystemSampler } from '../tracking/system-metrics.ts';
import type { RunStatus, Tracker } from '../tracking/tracker.ts';
import {
  type DivergenceGuard,
  type EpochRecord,
  evaluateSplit,
  runPhase,
  type Split,
  type StopSignal,
} from './epoch-loop.ts';
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
  /**
   * What the engines report instead of asking them (tests: a GPU machine whose CUDA provider then
   * fails for real when the base's session is created).
   */
  availability?: EngineAvailability;
  /** How often system/* metrics (CPU, RSS, GPU) are sampled; 0 turns sampling off. Default 5000 ms. */
  systemMetricsMs?: number;
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

/**
 * What ran the frozen base, read back from the engine once it is built (the plan until then, see
 * lazyPrefix); a fallback rewrites the reason with its error. Returns whether the record changed.
 */
function recordPrefix(
  engines: Record<string, unknown>,
  prefix: PrefixEngine,
  phase: { name: string; index: number },
  planned: string,
): boolean {
  const before = JSON.stringify(engines);
  engines[`prefix_${phase.name}`] = prefix.description;
  if (phase.index === 0) {
    engines.prefix = prefix.description;
    engines.prefixDevice = prefix.device;
  }
  if (prefix.fallback) {
    engines.prefixFallback = `${phase.name}: ${prefix.fallback}`;
    engines.prefixReason = `${planned}; but ${prefix.fallback}`;
  }
  return JSON.stringify(engines) !== before;
}

/** Milliseconds plus a random suffix: two unnamed runs started together never share a name or model folder. */
export function defaultRunName(cfg: TrainConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('.', '-').replace('Z', '');
  return cfg.name ?? `${cfg.experiment}-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** A launched run's folder carries its id too: server-side names ("run-3") are not unique across experiments' lives. */
export function runFolderName(cfg: TrainConfig, runName: string): string {
  return cfg.runId ? `${runName}-${cfg.runId.slice(0, 8)}` : runName;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Weights as asked for, with the Keras-style line saying what was loaded (or the warning for random). */
async function loadWeightsFor(cfg: TrainConfig, say: (l: string) => void, signal?: AbortSignal) {
  const t0 = performance.now();
  const r = await resolveWeights(cfg.weights, { log: say, progress: progressPrinter('vgg16 weights'), signal });
  if (r.kind === 'random') {
    say(
      'WARNING: weights "random": the VGG16 base is randomly initialised, so its features carry no ImageNet knowledge and accuracy stays near chance. Use weights "imagenet" for transfer learning.',
    );
    return { weights: await loadVggWeights(undefined, cfg.seed), file: null };
  }
  const weights = await loadVggWeights(r.path, cfg.seed);
  const s = (performance.now() - t0) / 1000;
  say(
    `weights: ${basename(r.path)}${r.hash ? ` (${r.hash})` : ''}, ${mb(r.bytes)}, ${r.downloaded ? `downloaded and loaded in ${s.toFixed(1)}s` : `loaded in ${s.toFixed(1)}s`}`,
  );
  return { weights, file: { path: r.path, hash: r.hash ?? null, bytes: r.bytes, downloaded: r.downloaded } };
}

export async function train(cfg: TrainConfig, deps: TrainerDeps): Promise<TrainResult> {
  const stop = deps.stop ?? { requested: false };
  const progress = deps.progress ?? silentProgress;
  const runName = defaultRunName(cfg);
  // Names are user text: sanitised before they become folders (an experiment "../../x" stays under .data/models).
  const modelDir = resolve(
    cfg.output ??
      join(
        '.data',
        'models',
        sanitiseSegment(cfg.experiment, 'experiment'),
        sanitiseSegment(runFolderName(cfg, runName), 'run'),
      ),
  );
  const say = (l: string) => progress.message(l);
  say(`run ${runName}${cfg.runId ? ` (id ${cfg.runId})` : ''}: experiment ${cfg.experiment}`);

  const backend = await initTfjsBackend(cfg.backend);
  const data = await resolveData(cfg, {
    roots: [process.cwd()],
    log: say,
    progress: progressPrinter('data'),
    signal: stop.signal,
  });
  const roots = dataRootsFromEnv();
  const [trainDs, loaded] = await Promise.all([
    scanFolder(data.train, undefined, roots),
    deps.weights ? { weights: deps.weights, file: null } : loadWeightsFor(cfg, say, stop.signal),
  ]);
  const weights = loaded.weights;
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

  const phases = [
    ...(cfg.epochs > 0 ? [{ name: 'head', cut: 'block5_pool' as string | null, epochs: cfg.epochs, lr: cfg.lr }] : []),
    ...(cfg.fineTuneFrom
      ? [{ name: 'fine-tune', cut: cutBefore(cfg.fineTuneFrom), epochs: cfg.fineTuneEpochs, lr: cfg.fineTuneLr }]
      : []),
  ];
  // Pixels are needed up front only to augment, with nothing frozen, or without the feature cache;
  // otherwise only images whose features miss the cache are decoded.
  const eagerDecode =
    cfg.augment || cfg.noCache || deps.recomputeBaseEveryEpoch === true || phases.some((p) => p.cut === null);
  const systemInfo: Record<string, unknown> = {
    ...hostInfo(),
    engines: {
      prefixRequested: cfg.prefixEngine,
      head: `tfjs ${tf.version_core} (${backend.backend} via ${backend.package} ${backend.version}, on the ${backend.device})`,
      headDevice: backend.device,
      tfjsBackendNotes: backend.notes,
    },
    weights: weights.source,
    weightsFile: loaded.file,
    randomInit: weights.source.startsWith('random-init'),
    data: data.source,
    classes,
    task,
    dataset: { train: trainDs.files.length, validation: valDs.files.length, test: testDs?.files.length ?? 0 },
    phases: phases.map((p, i) => ({ index: i, name: p.name, frozenThrough: p.cut, epochs: p.epochs, lr: p.lr })),
    featureCache: cfg.augment || cfg.noCache ? null : resolve(cfg.cacheDir),
    artifacts: { modelDir, format: 'tfjs-layers-model' },
  };
  type Loaded = { ds: FolderDataset; im: Awaited<ReturnType<typeof loadImages>>; targets: Float32Array; width: number };
  const load = async (ds: FolderDataset): Promise<Loaded> => {
    const im = await loadImages(ds, cfg.size, cfg.interpolation, 8, eagerDecode);
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
  const choice = selectPrefixEngine(
    cfg.prefixEngine,
    deps.availability ?? (await detectAvailability(backend.backend, backend.package, backend.device)),
  );
  const engines = systemInfo.engines as Record<string, unknown>;
  Object.assign(engines, {
    prefixDevice: choice.device,
    prefixReason: choice.reason,
  });
  say(`frozen base on the ${choice.device}: ${choice.reason}`);
  // Built lazily: on a warm feature cache no image goes through the base, so no session is needed.
  const makePrefix = async (w: VggWeights, cut: string | null) =>
    cut === null
      ? createPrefix(cfg.prefixEngine, w, cut, cfg.size, choice)
      : lazyPrefix(choice, () => createPrefix(cfg.prefixEngine, w, cut, cfg.size, choice), cut, cfg.size);
  let prefix: PrefixEngine | null = phases[0] ? await makePrefix(weights, phases[0].cut) : null;
  engines.prefix = prefix?.description ?? 'none';
  const history: EpochRecord[] = [];
  const cacheStats = { hits: 0, misses: 0, computed: 0, baseSeconds: 0 };
  const head = { task, numClasses: classes.length, units: cfg.units, dropout: cfg.dropout, seed: cfg.seed };
  let current = weights;
  const guard: DivergenceGuard = { mode: cfg.onDivergence, frozen: weights, warned: false };
  let lastCache: FeatureCache | null = null;
  const sayFeatures = (cut: string | null, splits: Record<string, Split>) => {
    const parts = Object.entries(splits).map(([name, sp]) => {
      const f = sp.features;
      return `${name} ${f.computed + f.hits}/${f.size} (cache hits ${f.hits}, computed ${f.computed})`;
    });
    const all = Object.values(splits);
    const computed = all.reduce((a, sp) => a + sp.features.computed, 0);
    const secs = all.reduce((a, sp) => a + sp.features.baseSeconds, 0);
    say(
      `features [${cut}]: ${parts.join(', ')}${computed ? `, ${(computed / Math.max(secs, 1e-9)).toFixed(1)} images/s through the base` : ''}`,
    );
  };
  let prevModel: tf.LayersModel | null = null;
  let stopped = false;
  let step = 0;
  const stores: FeatureStore[] = [];
  let sampler: SystemSampler | null = null;
  const split = (d: Loaded, p: PrefixEngine, cache: FeatureCache | null, name: string): Split => {
    const recompute = deps.recomputeBaseEveryEpoch ?? false;
    const features = new FeatureStore(
      d.im.pixels,
      d.im.contentHashes,
      p,
      cfg.preprocessing,
      recompute ? null : cache,
      !recompute,
      16,
      d.im.decode,
    );
    stores.push(features);
    let lastLine = performance.now();
    features.onComputed = (f) => {
      if (performance.now() - lastLine < 5000) return;
      lastLine = performance.now();
      say(
        `features [${p.cut}]: ${f.computed + f.hits}/${f.size} ${name} images (cache hits ${f.hits}), ${(f.computed / Math.max(f.baseSeconds, 1e-9)).toFixed(1)} images/s through the base`,
      );
    };
    return { pixels: d.im.pixels, labels: d.ds.labels, targets: d.targets, targetWidth: d.width, features };
  };

  let started = false;
  try {
    await deps.tracker.start({
      experimentName: cfg.experiment,
      name: runName,
      config: { ...cfg, apiKey: undefined },
      tags: cfg.tags,
      systemInfo,
    });
    started = true;
    const sampleMs = deps.systemMetricsMs ?? 5000;
    if (sampleMs > 0) sampler = new SystemSampler(deps.tracker, { intervalMs: sampleMs }).start();
    const [trainData, valData, testData] = await loading;
    for (const [index, ph] of phases.entries()) {
      if (stopped) break;
      if (index > 0 || !prefix) {
        await prefix?.dispose();
        prefix = await makePrefix(current, ph.cut);
      }
      recordPrefix(engines, prefix, { name: ph.name, index }, choice.reason);
      const model = buildTrainablePart(cfg.size, ph.cut, { ...head, phase: index });
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
                ...featureEngine(choice, backend.backend),
              },
              prefix.outShape.reduce((a, b) => a * b, 1),
            );
      const caches = cfg.augment ? null : cache; // augmented train images are never cached
      lastCache = cache;
      const trainSplit = split(trainData, prefix, caches, 'train');
      const valSplit = split(valData, prefix, cache, 'validation');
      const phaseEpoch0 = history.length;
      guard.frozen = current;
      const r = await runPhase(
        {
          name: ph.name,
          index,
          epochs: ph.epochs,
          lr: ph.lr,
          firstStep: step,
          // One line per phase (it was printed twice for fine-tuning).
          ...(index > 0 ? { detail: `layers after ${ph.cut ?? 'the input'} trainable, lr ${ph.lr}` } : {}),
        },
        {
          model,
          prefix,
          train: trainSplit,
          val: valSplit,
          batchSize: cfg.batch,
          seed: cfg.seed,
          preprocessing: cfg.preprocessing,
          augment: cfg.augment ? cfg.augmentation : null,
          stop,
          progress,
          guard,
          onEpoch: async (rec) => {
            history.push(rec);
            // The base is built on the first cache miss: once it is, the server learns what really ran.
            if (recordPrefix(engines, prefix!, { name: ph.name, index }, choice.reason))
              await Promise.resolve(deps.tracker.updateSystemInfo?.(systemInfo)).catch((e: Error) =>
                say(`tracking: systemInfo update not recorded: ${e.message}`),
              );
            if (history.length === phaseEpoch0 + 1) sayFeatures(ph.cut, { train: trainSplit, validation: valSplit });
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
      // The engine that really ran this phase (built lazily, maybe a fallback), not the plan.
      recordPrefix(engines, prefix, { name: ph.name, index }, choice.reason);
      current = getVggWeights(model, current);
    }
    for (const s of stores) {
      cacheStats.computed += s.computed;
      cacheStats.baseSeconds += s.baseSeconds;
    }

    let test: TrainResult['test'];
    if (testData && prefix && prevModel && !stopped) {
      // Test features are cached like the others (same key: weights, cut, preprocessing, size).
      const testSplit = split(testData, prefix, lastCache, 'test');
      test = await evaluateSplit(prevModel, prefix, testSplit, cfg.batch);
      sayFeatures(prefix.cut, { test: testSplit });
      const wallTime = new Date().toISOString();
      await deps.tracker.logMetrics([
        { key: 'test_loss', step, value: test.loss, wallTime },
        { key: 'test_acc', step, value: test.acc, wallTime },
      ]);
      progress.message(`test: loss=${test.loss.toFixed(4)} acc=${test.acc.toFixed(4)}`);
    }

    if (prevModel) {
      const lastCut = phases.at(-1)?.cut ?? null;
      const saved = await saveArtifacts({
        cfg,
        modelDir,
        trainable: prevModel,
        lastCut,
        current,
        head,
        weightsSource: weights.source,
        weightsFile: loaded.file,
      });
      (systemInfo.artifacts as Record<string, unknown>).format = saved.format;
      for (const f of saved.files) await deps.tracker.addArtifact?.(`model/${f}`, join(modelDir, f), 'model');
      say(`artifacts: ${saved.files.join(', ')} (${mb(saved.bytes)}, ${saved.format}) saved to ${modelDir}`);
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
    // What ran is known only now; the server merges it into the run before finishRun.
    if (started)
      await Promise.resolve(deps.tracker.updateSystemInfo?.(systemInfo)).catch((e: Error) =>
        say(`tracking: systemInfo update not recorded: ${e.message}`),
      );
    sampler?.stop();
    await prefix?.dispose();
    disposeModel(prevModel);
    progress.close();
  }
}
