/**
 * npm run bench:trainer — figures for the trainer's speed claims (not a test):
 *  1. VGG16 conv-base forward img/s at 150x150 and 48x48: onnxruntime-node (graph built in code)
 *     vs tfjs-wasm vs tfjs-cpu (48 only; ~0.1 img/s at 150) vs a PyTorch reference (Debian
 *     python3-torch, when installed).
 *  2. A frozen-base run (default 30 epochs) with the feature cache vs pushing every training
 *     image through the base every epoch (what Keras's fit on flow_from_directory does).
 *  3. Block-5 fine-tuning throughput (tfjs-wasm with the Conv2DBackpropFilter shim).
 * Flags: --epochs N (30) --per-class N (40 train, half as many validation) --size N (150)
 *        --seconds S (time per forward measurement, 5) --skip-torch --quick (small everything)
 *        --only forward|runs|fine-tune (one section).
 * Results are printed and written to bench-results/trainer.json. Mind the load average printed
 * first: on a shared 2-core machine other processes skew every figure.
 */
import os from 'node:os';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initTfjsBackend } from '../trainers/src/engines/tfjs-backend.ts';
import { createOnnxPrefix, createTfjsPrefix, type PrefixEngine } from '../trainers/src/engines/prefix.ts';
import { randomVggWeights } from '../trainers/src/model/weights.ts';
import { validateConfig } from '../trainers/src/config.ts';
import { train } from '../trainers/src/train/trainer.ts';
import { NullTracker } from '../trainers/src/tracking/tracker.ts';
import { exportFashionMnist, FMNIST_DIR } from '../trainers/src/data/fashion-mnist.ts';
import { hostInfo } from '../trainers/src/train/system-info.ts';

const { values: flags } = parseArgs({
  options: {
    epochs: { type: 'string', default: '30' },
    'per-class': { type: 'string', default: '40' },
    size: { type: 'string', default: '150' },
    seconds: { type: 'string', default: '5' },
    'skip-torch': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const quick = flags.quick!;
const EPOCHS = quick ? 3 : Number(flags.epochs);
const PER_CLASS = quick ? 6 : Number(flags['per-class']);
const SIZE = quick ? 48 : Number(flags.size);
const SECONDS = quick ? 1 : Number(flags.seconds);
const W = randomVggWeights(1);
const results: Record<string, unknown> = { host: hostInfo(), loadAverageAtStart: os.loadavg(), flags };
const log = (s: string) => process.stdout.write(`${s}\n`);
const r1 = (v: number) => Math.round(v * 10) / 10;

async function forwardRate(p: PrefixEngine, batch: number, seconds: number): Promise<number> {
  const x = Float32Array.from({ length: batch * p.size * p.size * 3 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  await p.run(x, batch); // warm-up (session/graph init, wasm compile)
  let n = 0;
  const t0 = performance.now();
  do {
    await p.run(x, batch);
    n += batch;
  } while (performance.now() - t0 < seconds * 1000);
  return n / ((performance.now() - t0) / 1000);
}

function torchRates(sizes: number[]): Record<number, number> | string {
  if (flags['skip-torch']) return 'skipped (--skip-torch)';
  const py = '/usr/bin/python3';
  if (!existsSync(py) || spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) return 'not installed (apt-get install -y python3-torch)';
  const r = spawnSync(py, ['bench/trainer-torch-ref.py', String(os.cpus().length), String(SECONDS), sizes.join(',')], {
    encoding: 'utf8',
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '4294967296', MALLOC_TRIM_THRESHOLD_: '4294967296' },
  });
  if (r.status !== 0) return `failed: ${r.stderr.slice(-300)}`;
  const out: Record<number, number> = {};
  for (const line of r.stdout.trim().split('\n')) {
    const j = JSON.parse(line) as { size: number; img_per_s: number; torch: string };
    out[j.size] = j.img_per_s;
    results.torchVersion = j.torch;
  }
  return out;
}

async function benchForward(): Promise<void> {
  log('\n== VGG16 conv base forward (img/s, batch 20 unless noted) ==');
  const sizes = quick ? [48] : [150, 48];
  const rows: Array<Record<string, unknown>> = [];
  const torch = torchRates(sizes);
  for (const size of sizes) {
    const onnx = await createOnnxPrefix(W, 'block5_pool', size);
    const onnxRate = await forwardRate(onnx, 20, SECONDS);
    await onnx.dispose();
    await initTfjsBackend('wasm');
    const wasm = await createTfjsPrefix(W, 'block5_pool', size);
    const wasmRate = await forwardRate(wasm, size >= 100 ? 4 : 20, SECONDS);
    await wasm.dispose();
    let cpuRate: number | string = 'skipped (~0.1 img/s at 150)';
    if (size < 100) {
      await tf.setBackend('cpu');
      const cpu = await createTfjsPrefix(W, 'block5_pool', size);
      cpuRate = r1(await forwardRate(cpu, 2, SECONDS));
      await cpu.dispose();
      await tf.setBackend('wasm');
    }
    const torchRate = typeof torch === 'string' ? torch : r1(torch[size] ?? NaN);
    rows.push({ size, onnxruntime: r1(onnxRate), 'tfjs-wasm': r1(wasmRate), 'tfjs-cpu': cpuRate, pytorch: torchRate, 'onnx/wasm': r1(onnxRate / wasmRate) });
  }
  console.table(rows);
  results.forward = rows;
}

async function dataset(root: string): Promise<{ train: string; val: string; source: string }> {
  if (existsSync(join(FMNIST_DIR, 'train-images-idx3-ubyte.gz'))) {
    await exportFashionMnist({ out: root, classes: [0, 9], size: SIZE, perClass: PER_CLASS, valPerClass: Math.max(2, PER_CLASS / 2), testPerClass: 1, valFraction: 0.1 });
    return { train: join(root, 'train'), val: join(root, 'validation'), source: 'fashion-mnist t-shirt vs ankle-boot' };
  }
  throw new Error('the bench uses Fashion-MNIST: apt-get install -y dataset-fashion-mnist');
}

async function benchRuns(root: string): Promise<void> {
  const d = await dataset(join(root, 'data'));
  const base = {
    experiment: 'bench',
    train: d.train,
    val: d.val,
    size: SIZE,
    batch: 20,
    epochs: EPOCHS,
    lr: 2e-5,
    offline: true,
    output: join(root, 'model'),
    cacheDir: join(root, 'cache'),
  };
  log(`\n== frozen base, ${EPOCHS} epochs, ${PER_CLASS * 2} train + ${PER_CLASS} val images at ${SIZE}x${SIZE} (${d.source}) ==`);
  const time = async (label: string, extra: Record<string, unknown>) => {
    const t0 = performance.now();
    const r = await train(validateConfig({ ...base, ...extra }), { tracker: new NullTracker(), weights: W });
    const s = (performance.now() - t0) / 1000;
    const ep = r.history.map((h) => h.metrics.epoch_seconds!);
    const row = { run: label, total_s: r1(s), epoch1_s: r1(ep[0]!), later_epoch_s: Math.round((ep.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, ep.length - 1)) * 1000) / 1000, base_images: r.cache.computed, cache_hits: r.cache.hits, val_acc: r.history.at(-1)!.metrics.val_acc };
    log(`${label}: ${JSON.stringify(row)}`);
    return row;
  };
  const rows = [
    await time('cache, cold (first run)', {}),
    await time('cache, warm (same data again)', {}),
    // Identity "augmentation" sends every training image through the base every epoch.
    await time('no cache: base recomputed every epoch', {
      noCache: true,
      augment: true,
      augmentation: { rotationRange: 0, widthShiftRange: 0, heightShiftRange: 0, shearRange: 0, zoomRange: 0, horizontalFlip: false },
    }),
  ];
  console.table(rows);
  results.frozenRuns = rows;
}

async function benchFineTune(root: string): Promise<void> {
  const d = await dataset(join(root, 'data-ft'));
  const base = { experiment: 'bench', train: d.train, val: d.val, size: SIZE, batch: 20, lr: 2e-5, offline: true, output: join(root, 'model'), cacheDir: join(root, 'cache') };
  log(`\n== block-5 fine-tuning at ${SIZE}x${SIZE} (prefix to block4_pool on onnxruntime, block 5 + head on tfjs-wasm) ==`);
  const r = await train(validateConfig({ ...base, epochs: 1, fineTuneFrom: 'block5_conv1', fineTuneEpochs: 2, fineTuneLr: 1e-5 }), { tracker: new NullTracker(), weights: W });
  const ft = r.history.filter((h) => h.phase === 'fine-tune');
  const row = { 'epoch 1 img/s (incl. prefix)': r1(ft[0]!.metrics.images_per_second!), 'epoch 2 img/s (train step only)': r1(ft[1]!.metrics.images_per_second!), engines: r.systemInfo.engines };
  console.log(row);
  results.fineTune = row;
}

const root = await mkdtemp(join(tmpdir(), 'rb-bench-trainer-'));
try {
  log(`load average at start: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
  const only = flags.only;
  if (!only || only === 'forward') await benchForward();
  if (!only || only === 'runs') await benchRuns(root);
  if (!only || only === 'fine-tune') await benchFineTune(root);
  await mkdir('bench-results', { recursive: true });
  const out = only ? `bench-results/trainer-${only}.json` : 'bench-results/trainer.json';
  await writeFile(out, JSON.stringify(results, null, 2));
  log(`\nwrote ${out}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
process.exit(0);
