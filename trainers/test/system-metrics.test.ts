/**
 * system/* metrics: the nvidia-smi CSV parser on captured output, CPU percent arithmetic, and the
 * sampler logging through a tracker (with a stand-in nvidia-smi script, and without one).
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  combineGpus,
  cpuPercent,
  gpuSelection,
  parseNvidiaSmi,
  queryNvidiaSmi,
  SYSTEM_KEYS,
  SystemSampler,
} from '../src/tracking/system-metrics.ts';
import { NullTracker } from '../src/tracking/tracker.ts';

// Captured from `nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits`
// on a two-GPU machine (A100 + T4), plus the "[N/A]" some boards report for utilisation.
const CAPTURED = '87, 31245\r\n3, 412\n[N/A], 1024\n\n';

test('parses nvidia-smi CSV: one sample per GPU, N/A lines skipped, CRLF tolerated', () => {
  assert.deepEqual(parseNvidiaSmi(CAPTURED), [
    { util: 87, memMb: 31245 },
    { util: 3, memMb: 412 },
  ]);
  assert.deepEqual(parseNvidiaSmi(''), []);
  assert.deepEqual(parseNvidiaSmi('NVIDIA-SMI has failed because it could not communicate with the driver.'), []);
  assert.deepEqual(parseNvidiaSmi(', 5\n7,\n'), []);
});

test('several GPUs combine to mean utilisation and total memory', () => {
  assert.deepEqual(combineGpus(parseNvidiaSmi(CAPTURED)), { util: 45, memMb: 31657 });
  assert.equal(combineGpus([]), null);
});

test('CPU percent is CPU time over wall time (100 = one core)', () => {
  const prev = { user: 1_000_000, system: 500_000 };
  assert.equal(cpuPercent(prev, { user: 3_000_000, system: 1_000_000 }, 2000), 125);
  assert.equal(cpuPercent(prev, prev, 1000), 0);
  assert.equal(cpuPercent(prev, prev, 0), 0);
});

test('queryNvidiaSmi runs the command and reads its output; a missing command means no GPU', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'smi-'));
  const fake = path.join(dir, 'nvidia-smi');
  await writeFile(
    fake,
    `#!/bin/sh\n[ "$1" = "--query-gpu=utilization.gpu,memory.used" ] || exit 2\nprintf '50, 2048\\n30, 1024\\n'\n`,
  );
  await chmod(fake, 0o755);
  assert.deepEqual(await queryNvidiaSmi(fake, 3000, undefined), { util: 40, memMb: 3072 });
  assert.equal(await queryNvidiaSmi(path.join(dir, 'absent'), 3000, undefined), null);
});

test("nvidia-smi is asked about the run's own GPUs (CUDA_VISIBLE_DEVICES), not the host's average", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'smi-'));
  const fake = path.join(dir, 'nvidia-smi');
  // GPU 1 busy, GPU 0 idle: a run on GPU 1 must see 90 %, not the 45 % average
  await writeFile(
    fake,
    `#!/bin/sh
case "$3" in --id=1) printf '90, 4096\\n' ;; --id=0,1) printf '0, 10\\n90, 4096\\n' ;; '') printf '0, 10\\n90, 4096\\n' ;; *) exit 6 ;; esac
`,
  );
  await chmod(fake, 0o755);
  assert.deepEqual(await queryNvidiaSmi(fake, 3000, '1'), { util: 90, memMb: 4096 });
  assert.deepEqual(await queryNvidiaSmi(fake, 3000, '0, 1'), { util: 45, memMb: 4106 });
  assert.deepEqual(await queryNvidiaSmi(fake, 3000, undefined), { util: 45, memMb: 4106 });
  for (const hidden of ['', '-1', '-1,0']) assert.equal(await queryNvidiaSmi(fake, 3000, hidden), null, hidden);
  assert.equal(gpuSelection('1,-1,0'), '1');
  assert.equal(gpuSelection('GPU-8f2c1e7a-0b1d-4c1e-9a3b-1234567890ab'), 'GPU-8f2c1e7a-0b1d-4c1e-9a3b-1234567890ab');
});

test('the sampler logs CPU and RSS at whole-second steps, GPU series only when a GPU answers', async () => {
  let t = 1_000_000;
  const tracker = new NullTracker();
  const withGpu = new SystemSampler(tracker, { now: () => t, gpu: async () => ({ util: 12, memMb: 800 }) });
  t += 5000;
  await withGpu.sample();
  t += 300; // within the same second: skipped, steps stay unique
  assert.deepEqual(await withGpu.sample(), []);
  t += 4700;
  await withGpu.sample();
  const keys = (k: string) => tracker.points.filter((p) => p.key === k);
  assert.deepEqual(
    keys(SYSTEM_KEYS.cpu).map((p) => p.step),
    [5, 10],
  );
  assert.ok(
    keys(SYSTEM_KEYS.rss).every((p) => (p.value as number) > 10),
    'RSS in MB of a live node process',
  );
  assert.deepEqual(
    keys(SYSTEM_KEYS.gpuUtil).map((p) => p.value),
    [12, 12],
  );

  const cpuOnly = new NullTracker();
  let calls = 0;
  const noGpu = new SystemSampler(cpuOnly, {
    now: () => t,
    gpu: async () => {
      calls++;
      return null;
    },
  });
  t += 2000;
  await noGpu.sample();
  t += 2000;
  await noGpu.sample();
  assert.equal(calls, 1, 'a machine without a GPU is asked once');
  assert.deepEqual([...new Set(cpuOnly.points.map((p) => p.key))].sort(), [SYSTEM_KEYS.cpu, SYSTEM_KEYS.rss]);
});
