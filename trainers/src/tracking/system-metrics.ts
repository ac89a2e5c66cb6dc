// System metrics over time (W&B's "System" charts): the trainer process's CPU and resident memory, and
// GPU utilisation and memory when `nvidia-smi` is on the PATH, logged as `system/*` series every few
// seconds. The step of a sample is whole seconds since sampling started, so the x axis reads as time.

import { execFile } from 'node:child_process';
import type { MetricPoint, Tracker } from './tracker.ts';

export const SYSTEM_KEYS = {
  cpu: 'system/cpu_percent',
  rss: 'system/rss_mb',
  gpuUtil: 'system/gpu_util',
  gpuMem: 'system/gpu_mem_mb',
} as const;

export interface GpuSample {
  /** Utilisation in percent (0..100). */
  util: number;
  /** Memory in use, MiB. */
  memMb: number;
}

/** The query whose output parseNvidiaSmi reads: one CSV line per GPU, no header, no units. */
export const NVIDIA_SMI_ARGS = ['--query-gpu=utilization.gpu,memory.used', '--format=csv,noheader,nounits'];

/**
 * Parses `nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits`, e.g.
 * "37, 10240\n0, 5\n". Lines that are not two numbers (e.g. "[N/A]" on some boards) are skipped.
 */
export function parseNvidiaSmi(text: string): GpuSample[] {
  const out: GpuSample[] = [];
  for (const line of text.split(/\r?\n/)) {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length < 2) continue;
    const util = Number(cells[0]);
    const memMb = Number(cells[1]);
    if (cells[0] === '' || cells[1] === '' || !Number.isFinite(util) || !Number.isFinite(memMb)) continue;
    out.push({ util, memMb });
  }
  return out;
}

/** Mean utilisation and total memory over the run's GPUs (one series each, however many boards). */
export function combineGpus(gpus: GpuSample[]): GpuSample | null {
  if (!gpus.length) return null;
  return {
    util: gpus.reduce((a, g) => a + g.util, 0) / gpus.length,
    memMb: gpus.reduce((a, g) => a + g.memMb, 0),
  };
}

/**
 * nvidia-smi's --id for the run's own GPUs: CUDA_VISIBLE_DEVICES as the agent set it (indices or
 * GPU-UUIDs, comma-separated); null queries every GPU (not set), "none" means the run sees no GPU.
 * Indices match nvidia-smi's only in PCI bus order (CUDA_DEVICE_ORDER=PCI_BUS_ID); UUIDs always do.
 */
export function gpuSelection(visible: string | undefined): string | null | 'none' {
  if (visible === undefined) return null;
  const ids = visible
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // CUDA stops at the first invalid entry (e.g. -1): everything from there on is hidden (no invalid
  // entry: findIndex gives -1, which >>> 0 turns into "up to the end").
  const valid = ids.slice(0, ids.findIndex((id) => !/^(\d+|GPU-[\w-]+|MIG-[\w/-]+)$/.test(id)) >>> 0);
  return valid.length ? valid.join(',') : 'none';
}

/** Runs nvidia-smi for the run's GPUs; null when it is missing or fails, or the run sees no GPU. */
export function queryNvidiaSmi(
  command = 'nvidia-smi',
  timeoutMs = 3000,
  visible = process.env.CUDA_VISIBLE_DEVICES,
): Promise<GpuSample | null> {
  const ids = gpuSelection(visible);
  if (ids === 'none') return Promise.resolve(null);
  const args = ids === null ? NVIDIA_SMI_ARGS : [...NVIDIA_SMI_ARGS, `--id=${ids}`];
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (err, stdout) =>
      resolve(err ? null : combineGpus(parseNvidiaSmi(stdout))),
    );
  });
}

/** CPU time as a percentage of wall time between two readings (100 = one core busy; may exceed 100). */
export function cpuPercent(prev: NodeJS.CpuUsage, cur: NodeJS.CpuUsage, wallMs: number): number {
  if (wallMs <= 0) return 0;
  const usedUs = cur.user - prev.user + (cur.system - prev.system);
  return Math.round((usedUs / 1000 / wallMs) * 1000) / 10;
}

export interface SystemSamplerOptions {
  intervalMs?: number;
  /** The GPU query; replaceable so tests can run a stand-in command. */
  gpu?: () => Promise<GpuSample | null>;
  now?: () => number;
}

/**
 * Logs system/* points through a tracker on an interval. Sampling never throws into training: a
 * failed sample is skipped, and the GPU query is dropped for good after its first failure.
 */
export class SystemSampler {
  private timer: NodeJS.Timeout | null = null;
  private readonly t0: number;
  private lastCpu = process.cpuUsage();
  private lastAt: number;
  private gpu: (() => Promise<GpuSample | null>) | null;
  private lastStep = -1;
  private busy = false;

  constructor(
    private readonly tracker: Pick<Tracker, 'logMetrics'>,
    private readonly o: SystemSamplerOptions = {},
  ) {
    this.t0 = this.now();
    this.lastAt = this.t0;
    this.gpu = o.gpu ?? (() => queryNvidiaSmi());
  }

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  start(): this {
    this.timer = setInterval(() => void this.sample(), this.o.intervalMs ?? 5000);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One sample (also called by tests directly). Returns the points logged. */
  async sample(): Promise<MetricPoint[]> {
    if (this.busy) return [];
    this.busy = true;
    try {
      const at = this.now();
      const step = Math.round((at - this.t0) / 1000);
      if (step <= this.lastStep) return []; // two samples within one second: keep steps unique
      this.lastStep = step;
      const cpu = process.cpuUsage();
      const wallTime = new Date(at).toISOString();
      const points: MetricPoint[] = [
        { key: SYSTEM_KEYS.cpu, step, value: cpuPercent(this.lastCpu, cpu, at - this.lastAt), wallTime },
        { key: SYSTEM_KEYS.rss, step, value: Math.round(process.memoryUsage.rss() / 1048576), wallTime },
      ];
      this.lastCpu = cpu;
      this.lastAt = at;
      const g = this.gpu ? await this.gpu() : null;
      if (g) {
        points.push({ key: SYSTEM_KEYS.gpuUtil, step, value: g.util, wallTime });
        points.push({ key: SYSTEM_KEYS.gpuMem, step, value: g.memMb, wallTime });
      } else this.gpu = null;
      await this.tracker.logMetrics(points);
      return points;
    } catch {
      return [];
    } finally {
      this.busy = false;
    }
  }
}
