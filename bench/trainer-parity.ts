/**
 * npm run bench:parity — correctness of the trainer against a PyTorch reference.
 * Runs the real train() (offline, NullTracker, frozen random-init VGG16 base, seeded) on a small
 * Fashion-MNIST pair, then replays the same run in PyTorch (bench/trainer-parity-ref.py) from the
 * same frozen features, initial head weights, batch order, loss and RMSprop update, and compares
 * per-epoch val_acc / val_loss. PASS when every epoch's val_acc is within --tolerance points.
 * Flags: --classes 5,9 (sandal vs ankle-boot: learnable from a random base, not 100%) --size 32
 *        --per-class 150 (train; --val-per-class 100) --epochs 10 --batch 20 --seed 42
 *        --lr 1e-3 (the config default 2e-5 barely moves the head off a random base in 10 epochs,
 *        so the curves would be flat and the comparison uninformative)
 *        --control-order: negative control, feeds the reference a DIFFERENT batch order (seed+1)
 *        to show the comparison does detect a run that is not the same
 *        --dropout 0.5 (Chollet's head; the reference multiplies in the masks the trainer drew from the seed)
 *        --keep (leave the temp dir)
 * Writes bench-results/parity.json (parity-control.json for the negative control); exit code 1 on MISS.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  exportFashionMnist,
  FMNIST_CLASSES,
  NullTracker,
  randomVggWeights,
  train,
  validateConfig,
} from '@runboard/trainers/testing';
import * as tf from '@tensorflow/tfjs';
import { cachedFeatures, epochOrders, initialHead, splitsOf, writeParityInputs } from './lib/parity-inputs.ts';

const { values: a } = parseArgs({
  options: {
    classes: { type: 'string', default: '5,9' },
    size: { type: 'string', default: '32' },
    'per-class': { type: 'string', default: '150' },
    'val-per-class': { type: 'string', default: '100' },
    epochs: { type: 'string', default: '10' },
    batch: { type: 'string', default: '20' },
    lr: { type: 'string', default: '1e-3' },
    seed: { type: 'string', default: '42' },
    tolerance: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
    'control-order': { type: 'boolean', default: false },
    dropout: { type: 'string', default: '0' },
  },
});
const classes = a.classes!.split(',').map(Number);
const size = Number(a.size);
const tolerance = Number(a.tolerance);
const seed = Number(a.seed);
const PY = '/usr/bin/python3'; // Debian's python with torch, not the pyenv one on PATH

const root = await mkdtemp(join(tmpdir(), 'rb-parity-'));
try {
  const data = join(root, 'fmnist');
  await exportFashionMnist({
    out: data,
    classes,
    size,
    perClass: Number(a['per-class']),
    valPerClass: Number(a['val-per-class']),
    testPerClass: 1,
    valFraction: 0.2,
  });
  const cfg = validateConfig({
    experiment: 'parity',
    name: 'parity',
    train: join(data, 'train'),
    val: join(data, 'validation'),
    size,
    epochs: Number(a.epochs),
    batch: Number(a.batch),
    lr: Number(a.lr),
    seed,
    // caffe: mean-subtracted 0-255 inputs give the random base features with usable spread
    preprocessing: 'caffe',
    // > 0: the masks come from the run's seed (vgg16.ts dropoutRng) and are replayed in the reference
    dropout: Number(a.dropout),
    cacheDir: join(root, 'cache'), // the reference reads the trainer's features back from here
    output: join(root, 'model'),
    offline: true,
  });
  const weights = randomVggWeights(seed);

  // 1. The real trainer.
  const t0 = performance.now();
  const r = await train(cfg, { tracker: new NullTracker(), weights });
  const trainerSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 'FINISHED' || r.task !== 'binary') throw new Error(`trainer run: ${r.status}, task ${r.task}`);
  const ours = r.history.map((h) => h.metrics);

  // 2. The same inputs for the reference, read from outside the trainer.
  const ds = await splitsOf(cfg);
  const trainF = await cachedFeatures(cfg, weights, ds.train);
  const valF = await cachedFeatures(cfg, weights, ds.val);
  const head = initialHead(cfg);
  const orders = epochOrders(trainF.n, a['control-order'] ? cfg.seed + 1 : cfg.seed, cfg.epochs);
  const inputs = join(root, 'ref');
  await writeParityInputs(inputs, cfg, trainF, valF, head, orders);

  // 3. The PyTorch replay.
  const py = spawnSync(PY, ['bench/trainer-parity-ref.py', inputs], {
    encoding: 'utf8',
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '4294967296', MALLOC_TRIM_THRESHOLD_: '4294967296' },
  });
  if (py.status !== 0) throw new Error(`reference failed (${py.status}): ${py.stderr}`);
  const ref = JSON.parse(py.stdout.trim().split('\n').at(-1)!) as {
    torch: string;
    epochs: Array<Record<string, number>>;
  };

  // 4. Compare.
  const rows = ours.map((m, i) => {
    const t = ref.epochs[i]!;
    return {
      epoch: i + 1,
      val_acc: m.val_acc!,
      val_acc_torch: t.val_acc!,
      d_val_acc_points: Math.abs(m.val_acc! - t.val_acc!) * 100,
      val_loss: m.val_loss!,
      val_loss_torch: t.val_loss!,
      d_val_loss: Math.abs(m.val_loss! - t.val_loss!),
      loss: m.loss!,
      loss_torch: t.loss!,
    };
  });
  const maxDAcc = Math.max(...rows.map((x) => x.d_val_acc_points));
  const maxDLoss = Math.max(...rows.map((x) => x.d_val_loss));
  const pass = maxDAcc <= tolerance;

  const f = (x: number, d = 4) => x.toFixed(d).padStart(d + 3);
  console.log(
    `trainer vs PyTorch — ${classes.map((c) => FMNIST_CLASSES[c]).join(' vs ')} at ${size}x${size}, ${trainF.n} train / ${valF.n} val, batch ${cfg.batch}, RMSprop lr ${cfg.lr}, dropout ${cfg.dropout}, seed ${seed}`,
  );
  // Correctness, not speed: the machine is printed so a re-run can be compared like for like.
  console.log(
    `${os.cpus()[0]?.model ?? 'unknown CPU'}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `tfjs ${tf.version_core} (${tf.getBackend()}), prefix ${String((r.systemInfo.engines as Record<string, unknown>).prefix)}; torch ${ref.torch}`,
  );
  console.log(
    'epoch  val_acc  val_acc_torch  |Δacc| pts   val_loss  val_loss_torch  |Δloss|    train_loss  train_loss_torch',
  );
  for (const x of rows)
    console.log(
      `${String(x.epoch).padStart(5)} ${f(x.val_acc)} ${f(x.val_acc_torch).padStart(14)} ${x.d_val_acc_points.toFixed(2).padStart(11)} ${f(x.val_loss).padStart(10)} ${f(x.val_loss_torch).padStart(15)} ${x.d_val_loss.toExponential(1).padStart(8)} ${f(x.loss).padStart(12)} ${f(x.loss_torch).padStart(17)}`,
    );
  if (a['control-order']) console.log('NEGATIVE CONTROL: the reference used a different batch order on purpose');
  console.log(
    `max |Δ val_acc| = ${maxDAcc.toFixed(2)} points, max |Δ val_loss| = ${maxDLoss.toExponential(2)} → ${pass ? 'PASS' : 'MISS'} (tolerance ${tolerance} point)`,
  );

  await mkdir('bench-results', { recursive: true });
  await writeFile(
    a['control-order']
      ? 'bench-results/parity-control.json'
      : cfg.dropout > 0
        ? 'bench-results/parity-dropout.json'
        : 'bench-results/parity.json',
    `${JSON.stringify(
      {
        when: new Date().toISOString(),
        control: a['control-order'] ? 'reference fed a different batch order (negative control)' : null,
        setup: {
          classes: classes.map((c) => FMNIST_CLASSES[c]),
          size,
          nTrain: trainF.n,
          nVal: valF.n,
          epochs: cfg.epochs,
          batch: cfg.batch,
          lr: cfg.lr,
          dropout: cfg.dropout,
          seed,
          preprocessing: cfg.preprocessing,
          weights: weights.source,
        },
        engines: {
          tfjs: `${tf.version_core} (${tf.getBackend()})`,
          prefix: (r.systemInfo.engines as Record<string, unknown>).prefix,
          torch: ref.torch,
        },
        trainerSeconds,
        rows,
        maxDeltaValAccPoints: maxDAcc,
        maxDeltaValLoss: maxDLoss,
        tolerancePoints: tolerance,
        result: pass ? 'PASS' : 'MISS',
      },
      null,
      2,
    )}\n`,
  );
  process.exitCode = pass ? 0 : 1;
} finally {
  if (a.keep) console.log(`kept ${root}`);
  else await rm(root, { recursive: true, force: true });
}
