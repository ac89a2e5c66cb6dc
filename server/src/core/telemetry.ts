import { AsyncLocalStorage } from 'node:async_hooks';
import {
  createHistogram,
  type IntervalHistogram,
  monitorEventLoopDelay,
  PerformanceObserver,
  type RecordableHistogram,
} from 'node:perf_hooks';

/**
 * Where a server's time goes, for finding latency tails (docs/performance.md): event-loop delay, garbage
 * collection pauses, pool waits, transaction and COMMIT times, statements sent. All process-wide and cheap
 * (a libuv timer, a GC observer, a histogram insert per statement), so always on; /metrics shows them to
 * ADMIN keys. Per request, with RUNBOARD_DEBUG_TIMING on, the same phases go into a Server-Timing header.
 */

/** One request's phases, filled in by the database layer while the request runs (see timeRequest). */
export interface RequestTiming {
  start: number;
  poolWaitMs: number;
  dbMs: number;
  commitMs: number;
  statements: number;
}

const requests = new AsyncLocalStorage<RequestTiming>();

/** Runs `fn` with a fresh RequestTiming that the database layer fills in. */
export function timeRequest<T>(fn: (timing: RequestTiming) => T): T {
  const timing: RequestTiming = { start: performance.now(), poolWaitMs: 0, dbMs: 0, commitMs: 0, statements: 0 };
  return requests.run(timing, () => fn(timing));
}

/** Runs `fn` outside any request's timing (work done for several requests at once). */
export const untimed = <T>(fn: () => T): T => requests.exit(fn);

/** The timing of the request this code runs for, if it is being timed. */
export const currentTiming = (): RequestTiming | undefined => requests.getStore();

/** The Server-Timing header value for a finished request (milliseconds; `stmts` counts statements). */
export function serverTimingHeader(t: RequestTiming): string {
  const ms = (v: number) => v.toFixed(2);
  const now = performance.now();
  // Wall-clock start and end (ms since the epoch): a client on the same machine splits the time outside the
  // handler into before it (socket, event loop, HTTP parsing) and after it (the answer's way back).
  const at = (v: number) => (performance.timeOrigin + v).toFixed(3);
  return [
    `total;dur=${ms(now - t.start)}`,
    `start;desc=${at(t.start)}`,
    `end;desc=${at(now)}`,
    `pool;dur=${ms(t.poolWaitMs)}`,
    `db;dur=${ms(t.dbMs)}`,
    `commit;dur=${ms(t.commitMs)}`,
    `stmts;desc=${t.statements}`,
  ].join(', ');
}

export interface HistogramSummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  totalMs: number;
}

/** A histogram of durations kept in microseconds (perf_hooks histograms hold integers >= 1). */
class Durations {
  private h: RecordableHistogram = createHistogram();
  private totalUs = 0;

  record(ms: number): void {
    const us = Math.max(1, Math.round(ms * 1000));
    this.h.record(us);
    this.totalUs += us;
  }

  summary(): HistogramSummary {
    return summarize(this.h, this.totalUs);
  }

  reset(): void {
    this.h.reset();
    this.totalUs = 0;
  }
}

function summarize(h: RecordableHistogram | IntervalHistogram, totalUs: number, unit = 1000): HistogramSummary {
  const ms = (v: number) => Math.round((v / unit) * 1000) / 1000;
  if (h.count === 0) return { count: 0, meanMs: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, totalMs: 0 };
  return {
    count: h.count,
    meanMs: ms(h.mean),
    p50Ms: ms(h.percentile(50)),
    p99Ms: ms(h.percentile(99)),
    maxMs: ms(h.max),
    totalMs: ms(totalUs),
  };
}

/** The process-wide figures; `snapshot(true)` also starts a new measuring window. */
class Telemetry {
  readonly poolWait = new Durations();
  readonly transaction = new Durations();
  readonly commit = new Durations();
  readonly gc = new Durations();
  statements = 0;
  transactions = 0;
  /** Subscription events executed (shared ones once per event and document, see http/shared-execution.ts). */
  subscriptionExecutions = 0;
  /** Forward logMetrics batches, and the statements (commits) they went in (metric/forward-groups.ts). */
  forwardBatches = 0;
  forwardStatements = 0;
  /** Forward statements that failed because a run's rollup frontier moved under them (metric/store.ts FRONTIER_MOVED). */
  forwardFrontierMoved = 0;
  /** Forward batches sent to the transactional path after their statement failed (forward-groups.ts failed). */
  forwardFallbacks = 0;
  /** Forward batches waiting for a statement now (a gauge, never reset): queued behind the statements in flight. */
  forwardQueued = 0;
  private loop: IntervalHistogram | null = null;
  private gcObserver: PerformanceObserver | null = null;
  private users = 0;
  private windowStart = performance.now();
  private cpuStart = process.cpuUsage();

  /** Starts the event-loop and GC monitors (reference-counted: several servers may share a process in tests). */
  start(): void {
    if (this.users++ > 0) return;
    // 10 ms resolution: a libuv timer firing 100 times a second; delays are measured past that period.
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.loop.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.gc.record(e.duration);
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    if (--this.users > 0) return;
    this.loop?.disable();
    this.gcObserver?.disconnect();
    this.loop = null;
    this.gcObserver = null;
  }

  snapshot(reset = false) {
    const cpu = process.cpuUsage(this.cpuStart);
    const out = {
      windowMs: Math.round(performance.now() - this.windowStart),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      eventLoopDelay: this.loop ? summarize(this.loop, 0, 1e6) : null,
      gc: this.gc.summary(),
      poolWait: this.poolWait.summary(),
      transaction: this.transaction.summary(),
      commit: this.commit.summary(),
      statements: this.statements,
      transactions: this.transactions,
      subscriptionExecutions: this.subscriptionExecutions,
      forwardBatches: this.forwardBatches,
      forwardStatements: this.forwardStatements,
      forwardFrontierMoved: this.forwardFrontierMoved,
      forwardFallbacks: this.forwardFallbacks,
      forwardQueued: this.forwardQueued,
      memory: process.memoryUsage(),
    };
    if (reset) {
      for (const d of [this.poolWait, this.transaction, this.commit, this.gc]) d.reset();
      this.loop?.reset();
      this.statements = 0;
      this.transactions = 0;
      this.subscriptionExecutions = 0;
      this.forwardBatches = 0;
      this.forwardStatements = 0;
      this.forwardFrontierMoved = 0;
      this.forwardFallbacks = 0;
      this.windowStart = performance.now();
      this.cpuStart = process.cpuUsage();
    }
    return out;
  }
}

export const telemetry = new Telemetry();
export type TelemetrySnapshot = ReturnType<Telemetry['snapshot']>;
