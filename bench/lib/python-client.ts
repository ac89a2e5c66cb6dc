/**
 * The Python client's figures for bench:ingest: runs bench/python-client.py with Debian's /usr/bin/python3
 * (python3-torch makes the overhead loop a real training step) against the bench's server.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';

export const PYTHON = '/usr/bin/python3';

export interface PythonClientResult {
  ingest: {
    trials: number;
    steps: number;
    keys: number;
    points_per_s: number;
    trial_points_per_s: number[];
    log_us_per_call: number;
  };
  overhead: {
    loop: string;
    steps: number;
    pairs: number;
    /** The client's flush interval (RUNBOARD_FLUSH_SECONDS). */
    flush_s: number;
    /** The core the Python process was pinned to (BENCH_PY_CPU), or null. */
    pinned_cpu: number | null;
    without_s: number;
    with_s: number;
    trials_without_s: number[];
    trials_with_s: number[];
    /** Median over pairs of (with / without - 1), in %. */
    overhead_pct: number;
    pair_ratios: number[];
    /** Ratio of the medians, in %. */
    median_ratio_pct: number;
    /** Median over pairs of CPU with the client (training + sender thread) / CPU without, in %. */
    cpu_overhead_pct: number;
    in_log_pct: number;
    sender_cpu_pct: number;
    train_thread_cpu_pct: number;
    /** The Python process's CPU time (all threads: training + sender) per loop step, medians. */
    proc_cpu_us_per_step_without: number;
    proc_cpu_us_per_step_with: number;
    /** Median over pairs of process CPU with / without - 1, in %. */
    proc_cpu_overhead_pct: number;
    wall_us_per_step_without: number;
    wall_us_per_step_with: number;
    /** The training thread's time inside run.log() per step (median trial). */
    log_us_per_step: number;
    /** run.finish() after the loop (the last flush), median. */
    finish_s: number;
  };
}

/** null (with the reason printed) when there is no /usr/bin/python3 to run it. */
export async function benchPythonClient(graphqlUrl: string, trials: number): Promise<PythonClientResult | null> {
  if (!existsSync(PYTHON)) {
    console.log(`python-client: skipped, no ${PYTHON} (apt-get install python3 python3-torch)`);
    return null;
  }
  const root = path.resolve(import.meta.dirname, '../..');
  const child = spawn(PYTHON, [path.join(root, 'bench/python-client.py')], {
    env: {
      ...process.env,
      PYTHONPATH: path.join(root, 'python'),
      RUNBOARD_API: graphqlUrl,
      BENCH_TRIALS: String(trials),
      // the training process on the last core (see bench/python-client.py); BENCH_PY_CPU= turns it off
      BENCH_PY_CPU: process.env.BENCH_PY_CPU ?? (availableParallelism() > 1 ? String(availableParallelism() - 1) : ''),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`bench/python-client.py exited ${code}`);
  return JSON.parse(out) as PythonClientResult;
}
