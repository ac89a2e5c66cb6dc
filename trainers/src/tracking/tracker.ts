// What the training core needs from experiment tracking. The core only sees this interface,
// so it runs the same offline (NullTracker) and against the Runboard server.
export type RunStatus = 'FINISHED' | 'FAILED' | 'CANCELED';

export interface MetricPoint {
  key: string;
  step: number;
  value: number; // NaN/±Infinity allowed; encoded as MetricValue strings on the wire
  wallTime: string; // ISO-8601
}

export interface RunStartInfo {
  experimentName: string;
  name: string;
  config: Record<string, unknown>;
  tags: string[];
  systemInfo: Record<string, unknown>;
}

export interface Tracker {
  readonly runId: string | null;
  start(info: RunStartInfo): Promise<void>;
  /** Must not throw: a tracking outage never stops training. */
  logMetrics(points: MetricPoint[]): Promise<void>;
  /** Store a file with the run (the model). Optional: offline trackers just note it. */
  addArtifact?(name: string, path: string, kind: string): Promise<void>;
  finish(status: RunStatus, exitCode: number, error?: string): Promise<void>;
  /**
   * systemInfo again, once what ran is known (the lazily built base engine, a fallback, the artifact
   * format); sent before finish. Must not throw.
   */
  updateSystemInfo?(systemInfo: Record<string, unknown>): Promise<void>;
}

/** --offline: keeps the points in memory (handy for tests and the final summary). */
export class NullTracker implements Tracker {
  runId: string | null = null;
  started: RunStartInfo | null = null;
  points: MetricPoint[] = [];
  finished: { status: RunStatus; exitCode: number; error?: string } | null = null;

  async start(info: RunStartInfo): Promise<void> {
    this.started = info;
  }
  async logMetrics(points: MetricPoint[]): Promise<void> {
    this.points.push(...points);
  }
  artifacts: Array<{ name: string; path: string; kind: string }> = [];
  async addArtifact(name: string, path: string, kind: string): Promise<void> {
    this.artifacts.push({ name, path, kind });
  }
  systemInfoUpdates: Record<string, unknown>[] = [];
  async updateSystemInfo(systemInfo: Record<string, unknown>): Promise<void> {
    this.systemInfoUpdates.push(structuredClone(systemInfo));
  }
  async finish(status: RunStatus, exitCode: number, error?: string): Promise<void> {
    this.finished = { status, exitCode, ...(error ? { error } : {}) };
  }
}
