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
import {
  detectAvailability,
  type EngineAvailability,
  type PrefixChoice,
  selectPrefixEngine,
} from '../engines/select-prefix.ts';
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
  type Phase,
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

type LoadedWeights = Awaited<ReturnType<typeof loadWeightsFor>>;

/** Everything known before the run starts: data, weights, the plan, and the engine of the frozen base. */
interface PreparedRun {
  backend: Awaited<ReturnType<typeof initTfjsBackend>>;
  loaded: LoadedWeights;
  classes: string[];
  task: Task;
  phases: Phase[];
  systemInfo: Record<string, unknown>;
  /** systemInfo.engines: what ran, filled in as the engines are built. */
  engines: Record<string, unknown>;
  choice: PrefixChoice;
  /** The splits' images (test: null without a test split), decoding while the first prefix is built. */
  loading: Promise<[LoadedSplit, LoadedSplit, LoadedSplit | null]>;
  makePrefix: (w: VggWeights, cut: string | null) => Promise<PrefixEngine>;
  /** The first phase's prefix (null with no phase). */
  prefix: PrefixEngine | null;
}

/** Resolves data and weights, plans the phases, starts decoding images and builds the first phase's prefix. */
async function prepareRun(
  cfg: TrainConfig,
  deps: TrainerDeps,
  modelDir: string,
  say: (l: string) => void,
  signal?: AbortSignal,
): Promise<PreparedRun> {
  const backend = await initTfjsBackend(cfg.backend);
  const data = await resolveData(cfg, { roots: [process.cwd()], log: say, progress: progressPrinter('data'), signal });
  const roots = dataRootsFromEnv();
  const [trainDs, loaded] = await Promise.all([
    scanFolder(data.train, undefined, roots),
    deps.weights ? { weights: deps.weights, file: null } : loadWeightsFor(cfg, say, signal),
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
  // Awaited inside train()'s try, so a bad image still fails the run it belongs to.
  const loading = Promise.all([load(trainDs), load(valDs), testDs ? load(testDs) : null]);
  loading.catch(() => {});
  // The first phase's frozen prefix is built before the run starts so the engine that really
  // runs it (onnxruntime, or tfjs after a fallback) is in the systemInfo the server records.
  const choice = selectPrefixEngine(
    cfg.prefixEngine,
    deps.availability ?? (await detectAvailability(backend.backend, backend.package, backend.device)),
  );
  const engines = systemInfo.engines as Record<string, unknown>;
  Object.assign(engines, { prefixDevice: choice.device, prefixReason: choice.reason });
  say(`frozen base on the ${choice.device}: ${choice.reason}`);
  // Built lazily: on a warm feature cache no image goes through the base, so no session is needed.
  const makePrefix = async (w: VggWeights, cut: string | null) =>
    cut === null
      ? createPrefix(cfg.prefixEngine, w, cut, cfg.size, choice)
      : lazyPrefix(choice, () => createPrefix(cfg.prefixEngine, w, cut, cfg.size, choice), cut, cfg.size);
  const prefix = phases[0] ? await makePrefix(weights, phases[0].cut) : null;
  engines.prefix = prefix?.description ?? 'none';
  return { backend, loaded, classes, task, phases, systemInfo, engines, choice, loading, makePrefix, prefix };
}

/** The trainable part for one phase: conv weights so far, the previous phase's head carried over, compiled. */
function phaseModel(
  cfg: TrainConfig,
  p: PreparedRun,
  ph: Phase,
  index: number,
  weights: VggWeights,
  prev: tf.LayersModel | null,
) {
  const model = buildTrainablePart(cfg.size, ph.cut, { ...headOf(cfg, p), phase: index });
  setVggWeights(model, weights);
  if (prev) copyWeightsByName(prev, model); // head (and any tuned convs) carry over
  model.compile({
    optimizer: new HeapRmsprop(ph.lr), // tf.train.rmsprop's arithmetic, fused (see heap-rmsprop.ts)
    loss: p.task === 'binary' ? 'binaryCrossentropy' : 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

const headOf = (cfg: TrainConfig, p: PreparedRun) => ({
  task: p.task,
  numClasses: p.classes.length,
  units: cfg.units,
  dropout: cfg.dropout,
  seed: cfg.seed,
});

/**
 * One run from its first phase to its saved model: the state that carries across phases (the conv weights, the
 * last model and prefix, the step, the history) and the steps that move it on. train() drives it.
 */
class TrainingRun {
  prefix: PrefixEngine | null;
  model: tf.LayersModel | null = null;
  weights: VggWeights;
  step = 0;
  stopped = false;
  readonly history: EpochRecord[] = [];
  readonly cacheStats = { hits: 0, misses: 0, computed: 0, baseSeconds: 0 };
  private lastCache: FeatureCache | null = null;
  private readonly stores: FeatureStore[] = [];
  private readonly guard: DivergenceGuard;
  private sampler: SystemSampler | null = null;

  constructor(
    readonly cfg: TrainConfig,
    readonly deps: TrainerDeps,
    readonly p: PreparedRun,
    readonly io: { stop: StopSignal; progress: ProgressSink; say: (l: string) => void },
  ) {
    this.prefix = p.prefix;
    this.weights = p.loaded.weights;
    this.guard = { mode: cfg.onDivergence, frozen: this.weights, warned: false };
  }

  startSampler(): void {
    const sampleMs = this.deps.systemMetricsMs ?? 5000;
    if (sampleMs > 0) this.sampler = new SystemSampler(this.deps.tracker, { intervalMs: sampleMs }).start();
  }

  private split(d: LoadedSplit, prefix: PrefixEngine, cache: FeatureCache | null, name: string): Split {
    const o = { cfg: this.cfg, recompute: this.deps.recomputeBaseEveryEpoch ?? false, say: this.io.say };
    const sp = splitOf(d, prefix, cache, name, o);
    this.stores.push(sp.features);
    return sp;
  }

  private sayFeatures = (cut: string | null, splits: Record<string, Split>) => this.io.say(featuresLine(cut, splits));

  /** Tells the tracker what really ran (the prefix's engine is known only once it is built). */
  async reportSystemInfo(): Promise<void> {
    await Promise.resolve(this.deps.tracker.updateSystemInfo?.(this.p.systemInfo)).catch((e: Error) =>
      this.io.say(`tracking: systemInfo update not recorded: ${e.message}`),
    );
  }

  /** Trains one phase: its prefix and model, its features (cached where they can be), its epochs. */
  async phase(index: number, ph: Phase, trainData: LoadedSplit, valData: LoadedSplit): Promise<void> {
    const { cfg, p } = this;
    if (index > 0 || !this.prefix) {
      await this.prefix?.dispose();
      this.prefix = await p.makePrefix(this.weights, ph.cut);
    }
    const prefix = this.prefix;
    const where = { name: ph.name, index };
    recordPrefix(p.engines, prefix, where, p.choice.reason);
    const model = phaseModel(cfg, p, ph, index, this.weights, this.model);
    disposeModel(this.model);
    this.model = model;
    const cache = featureCacheFor(cfg, ph.cut, this.weights, prefix, featureEngine(p.choice, p.backend.backend));
    this.lastCache = cache;
    const trainSplit = this.split(trainData, prefix, cfg.augment ? null : cache, 'train'); // augmented: never cached
    const valSplit = this.split(valData, prefix, cache, 'validation');
    const phaseEpoch0 = this.history.length;
    this.guard.frozen = this.weights;
    const onEpoch = async (rec: EpochRecord) => {
      this.history.push(rec);
      // The base is built on the first cache miss: once it is, the server learns what really ran.
      if (recordPrefix(p.engines, prefix, where, p.choice.reason)) await this.reportSystemInfo();
      if (this.history.length === phaseEpoch0 + 1)
        this.sayFeatures(ph.cut, { train: trainSplit, validation: valSplit });
      const wallTime = new Date().toISOString();
      await this.deps.tracker.logMetrics(
        Object.entries(rec.metrics).map(([key, value]) => ({ key, step: rec.step, value, wallTime })),
      );
    };
    const r = await runPhase(
      {
        ...where,
        epochs: ph.epochs,
        lr: ph.lr,
        firstStep: this.step,
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
        stop: this.io.stop,
        progress: this.io.progress,
        guard: this.guard,
        onEpoch,
      },
    );
    if (cache) {
      this.cacheStats.hits += cache.hits;
      this.cacheStats.misses += cache.misses;
    }
    this.step = r.lastStep;
    this.stopped = r.stopped;
    // The engine that really ran this phase (built lazily, maybe a fallback), not the plan.
    recordPrefix(p.engines, prefix, where, p.choice.reason);
    this.weights = getVggWeights(model, this.weights);
  }

  /** Adds up what the base computed over every split of every phase. */
  tallyFeatures(): void {
    for (const s of this.stores) {
      this.cacheStats.computed += s.computed;
      this.cacheStats.baseSeconds += s.baseSeconds;
    }
  }

  /** The test split's loss and accuracy, when there is one and the run was not stopped. */
  async test(testData: LoadedSplit | null): Promise<{ loss: number; acc: number } | undefined> {
    const { prefix, model } = this;
    if (!testData || !prefix || !model || this.stopped) return undefined;
    return testModel(model, prefix, this.split(testData, prefix, this.lastCache, 'test'), {
      cfg: this.cfg,
      step: this.step,
      deps: this.deps,
      progress: this.io.progress,
      sayFeatures: this.sayFeatures,
    });
  }

  /** Saves the trained model to modelDir and registers its files as the run's artifacts. */
  async saveModel(modelDir: string): Promise<void> {
    if (!this.model) return;
    const { cfg, p } = this;
    const saved = await saveArtifacts({
      cfg,
      modelDir,
      trainable: this.model,
      lastCut: p.phases.at(-1)?.cut ?? null,
      current: this.weights,
      head: headOf(cfg, p),
      weightsSource: p.loaded.weights.source,
      weightsFile: p.loaded.file,
    });
    (p.systemInfo.artifacts as Record<string, unknown>).format = saved.format;
    for (const f of saved.files) await this.deps.tracker.addArtifact?.(`model/${f}`, join(modelDir, f), 'model');
    this.io.say(`artifacts: ${saved.files.join(', ')} (${mb(saved.bytes)}, ${saved.format}) saved to ${modelDir}`);
  }

  async close(): Promise<void> {
    this.sampler?.stop();
    await this.prefix?.dispose();
    disposeModel(this.model);
    this.io.progress.close();
  }
}

export async function train(cfg: TrainConfig, deps: TrainerDeps): Promise<TrainResult> {
  const stop = deps.stop ?? { requested: false };
  const progress = deps.progress ?? silentProgress;
  const runName = defaultRunName(cfg);
  const modelDir = modelDirFor(cfg, runFolderName(cfg, runName));
  const say = (l: string) => progress.message(l);
  say(`run ${runName}${cfg.runId ? ` (id ${cfg.runId})` : ''}: experiment ${cfg.experiment}`);
  const prepared = await prepareRun(cfg, deps, modelDir, say, stop.signal);
  const run = new TrainingRun(cfg, deps, prepared, { stop, progress, say });
  const { systemInfo, classes, task } = prepared;
  let started = false;
  try {
    const config = { ...cfg, apiKey: undefined };
    await deps.tracker.start({ experimentName: cfg.experiment, name: runName, config, tags: cfg.tags, systemInfo });
    started = true;
    run.startSampler();
    const [trainData, valData, testData] = await prepared.loading;
    for (const [index, ph] of prepared.phases.entries()) {
      if (run.stopped) break;
      await run.phase(index, ph, trainData, valData);
    }
    run.tallyFeatures();
    const test = await run.test(testData);
    await run.saveModel(modelDir);
    const status: RunStatus = run.stopped ? 'CANCELED' : 'FINISHED';
    const { history, weights: finalWeights, cacheStats: cache } = run;
    return { status, runName, classes, task, history, test, modelDir, systemInfo, finalWeights, cache };
  } finally {
    // What ran is known only now; the server merges it into the run before finishRun.
    if (started) await run.reportSystemInfo();
    await run.close();
  }
}
