// Training core: VGG16 transfer learning the Keras way (frozen conv base + Dense head, then
// optional block-5 fine-tuning at a lower lr, steps continuing in the same run). Independent of
// the CLI and of the server: everything external comes in through TrainerDeps.

import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config.ts';
import { progressPrinter } from '../data/downloads.ts';
import { dataRootsFromEnv, type FolderDataset, scanFolder } from '../data/folder-dataset.ts';
import { resolveData } from '../data/resolve-data.ts';
import { createPrefix, lazyPrefix, type PrefixEngine } from '../engines/prefix.ts';
import { detectAvailability, type EngineAvailability, selectPrefixEngine } from '../engines/select-prefix.ts';
import { initTfjsBackend } from '../engines/tfjs-backend.ts';
import { type FeatureCache, featureEngine } from '../features/feature-cache.ts';
import type { FeatureStore } from '../features/feature-store.ts';
import { saveArtifacts } from '../model/artifacts.ts';
import { loadVggWeights } from '../model/load-weights.ts';
import { resolveWeights } from '../model/resolve-weights.ts';
import { buildTrainablePart, copyWeightsByName, getVggWeights, setVggWeights, type Task } from '../model/vgg16.ts';
import type { VggWeights } from '../model/weights.ts';
import { SystemSampler } from '../tracking/system-metrics.ts';
import type { RunStatus, Tracker } from '../tracking/tracker.ts';
import { type DivergenceGuard, type EpochRecord, runPhase, type Split, type StopSignal } from './epoch-loop.ts';
import { HeapRmsprop } from './heap-rmsprop.ts';
import { type ProgressSink, silentProgress } from './progress.ts';
import {
  describeRun,
  featureCacheFor,
  featuresLine,
  type LoadedSplit,
  loadSplitImages,
  modelDirFor,
  planPhases,
  scanOtherSplits,
  splitOf,
  testModel,
} from './train-steps.ts';

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
  const modelDir = modelDirFor(cfg, runFolderName(cfg, runName));
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
  const { valDs, testDs, classes, task } = await scanOtherSplits(cfg, data, trainDs, say, roots);

  const phases = planPhases(cfg);
  // Pixels are needed up front only to augment, with nothing frozen, or without the feature cache;
  // otherwise only images whose features miss the cache are decoded.
  const eagerDecode =
    cfg.augment || cfg.noCache || deps.recomputeBaseEveryEpoch === true || phases.some((p) => p.cut === null);
  const systemInfo = describeRun({
    cfg,
    backend,
    weights,
    loaded,
    data,
    classes,
    task,
    trainDs,
    valDs,
    testDs,
    phases,
    modelDir,
  });
  const load = (ds: FolderDataset) => loadSplitImages(ds, cfg, task, classes.length, eagerDecode);
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
  const sayFeatures = (cut: string | null, splits: Record<string, Split>) => say(featuresLine(cut, splits));
  let prevModel: tf.LayersModel | null = null;
  let stopped = false;
  let step = 0;
  const stores: FeatureStore[] = [];
  let sampler: SystemSampler | null = null;
  const split = (d: LoadedSplit, p: PrefixEngine, cache: FeatureCache | null, name: string): Split => {
    const sp = splitOf(d, p, cache, name, { cfg, recompute: deps.recomputeBaseEveryEpoch ?? false, say });
    stores.push(sp.features);
    return sp;
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
      const cache = featureCacheFor(cfg, ph.cut, current, prefix, featureEngine(choice, backend.backend));
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

    const test =
      testData && prefix && prevModel && !stopped
        ? await testModel(prevModel, prefix, split(testData, prefix, lastCache, 'test'), {
            cfg,
            step,
            deps,
            progress,
            sayFeatures,
          })
        : undefined;

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
