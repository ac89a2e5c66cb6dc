// Tracker that talks to a Runboard server. Every call goes through the on-disk journal first
// (write-ahead), then is delivered in order; when the server is unreachable the calls simply
// stay queued and training goes on. Retries are safe: logMetrics is idempotent per
// (run, key, step). A heartbeat runs on an interval; if the server reports the run CANCELED
// (someone stopped it from the dashboard) the trainer is asked to stop.
import { randomUUID } from 'node:crypto';
import { ApiError, encodeMetricValue, type RunboardClient, TransportError } from './graphql-client.ts';
import { Journal, type JournalEntry, type JournalOp } from './journal.ts';
import type { MetricPoint, RunStartInfo, RunStatus, Tracker } from './tracker.ts';

export interface DeliveryState {
  /** local placeholder id -> server id, for runs created while offline */
  ids: Map<string, string>;
  log: (msg: string) => void;
}

async function deliver(client: RunboardClient, journal: Journal, e: JournalEntry, st: DeliveryState): Promise<void> {
  const c = e.call;
  const id = (r: string) => st.ids.get(r) ?? r;
  switch (c.op) {
    case 'createRun': {
      const run = await client.createRun(c.input);
      st.ids.set(c.localId, run.id);
      await journal.resolveRunId(c.localId, run.id);
      return;
    }
    case 'startRun':
      await client.startRun(id(c.runId), c.systemInfo);
      return;
    case 'logMetrics':
      await client.logMetrics(id(c.runId), c.points);
      return;
    case 'uploadArtifact':
      await client.uploadArtifact(id(c.runId), c.name, c.path, c.kind);
      return;
    case 'finishRun':
      await client.finishRun(id(c.runId), c.status, c.exitCode, c.error);
      return;
  }
}

/**
 * Deliver queued calls in order until the queue is empty or the server is unreachable.
 * Returns true when everything was delivered. Calls the server rejects are dropped (logged):
 * retrying them can never succeed, and they must not block the calls behind them.
 */
export async function drainJournal(client: RunboardClient, journal: Journal, st: DeliveryState): Promise<boolean> {
  for (let e = journal.peek(); e; e = journal.peek()) {
    // Consecutive logMetrics of one run go as ONE request (the API takes any batch size), so a
    // backlog after an outage, or epochs faster than a round trip, drain in a few requests.
    const batch = journal.leading(0, (points: number, c) => joinable(e.call, c, points));
    const n = batch.length;
    try {
      if (n > 1) {
        const points = batch.flatMap((x) => (x.call.op === 'logMetrics' ? x.call.points : []));
        await deliver(client, journal, { ...e, call: { ...e.call, points } as typeof e.call }, st);
      } else await deliver(client, journal, e, st);
    } catch (err) {
      if (err instanceof TransportError) return false;
      if (!(err instanceof ApiError)) throw err;
      st.log(
        `tracking: server rejected ${e.call.op} (#${e.seq}${n > 1 ? `..#${e.seq + n - 1}` : ''}): ${err.message}; dropped`,
      );
    }
    await journal.shift(n);
  }
  return true;
}

const MAX_COALESCED_POINTS = 50_000;

/** The points in a batch once `c` joins it, or null: consecutive logMetrics of one run, up to a bound. */
function joinable(first: JournalOp, c: JournalOp, points: number): number | null {
  if (first.op !== 'logMetrics' || c.op !== 'logMetrics' || c.runId !== first.runId) return null;
  return points + c.points.length > MAX_COALESCED_POINTS ? null : points + c.points.length;
}

export interface ServerTrackerOptions {
  client: RunboardClient;
  journalPath: string;
  heartbeatSeconds: number;
  /** How long finish() keeps retrying an unreachable server before leaving the journal on disk. */
  finishTimeoutMs?: number;
  onCanceled?: () => void;
  log?: (msg: string) => void;
  /** Start this existing run (launched through the queue) instead of creating one. */
  existingRunId?: string;
}

export class ServerTracker implements Tracker {
  runId: string | null = null;
  online = true;
  private localId = `local:${randomUUID()}`;
  private journal!: Journal;
  private flushing: Promise<boolean> | null = null;
  private queuedFlush: Promise<boolean> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly st: DeliveryState;
  private readonly log: (msg: string) => void;

  constructor(private readonly o: ServerTrackerOptions) {
    this.log = o.log ?? ((m) => process.stderr.write(`${m}\n`));
    this.st = { ids: new Map(), log: this.log };
  }

  get pending(): number {
    return this.journal?.size ?? 0;
  }

  get journalPath(): string {
    return this.o.journalPath;
  }

  private get ref(): string {
    return this.runId ?? this.localId;
  }

  async start(info: RunStartInfo): Promise<void> {
    this.journal = await Journal.open(this.o.journalPath);
    if (this.o.existingRunId) {
      this.runId = this.o.existingRunId;
      await this.journal.append({ op: 'startRun', runId: this.runId, systemInfo: info.systemInfo });
    } else {
      await this.journal.append({ op: 'createRun', localId: this.localId, input: { ...info } });
      await this.journal.append({ op: 'startRun', runId: this.localId, systemInfo: info.systemInfo });
    }
    await this.flush();
    // tick() must never reject: an unhandled rejection would take the trainer down
    this.timer = setInterval(
      () => void this.tick().catch((e: Error) => this.log(`tracking: ${e.message}`)),
      this.o.heartbeatSeconds * 1000,
    );
    this.timer.unref();
  }

  async logMetrics(points: MetricPoint[]): Promise<void> {
    if (!points.length) return;
    const wire = points.map((p) => ({ ...p, value: encodeMetricValue(p.value) }));
    await this.journal.append({ op: 'logMetrics', runId: this.ref, points: wire });
    this.flushInBackground();
  }

  async addArtifact(name: string, path: string, kind: string): Promise<void> {
    await this.journal.append({ op: 'uploadArtifact', runId: this.ref, name, path, kind });
    this.flushInBackground();
  }

  /**
   * startRun again: the server accepts it on a RUNNING run (a journal replay repeats it too) and
   * merges systemInfo's top-level keys into the run's. A run already final rejects it: dropped, logged.
   */
  async updateSystemInfo(systemInfo: Record<string, unknown>): Promise<void> {
    await this.journal.append({ op: 'startRun', runId: this.ref, systemInfo: structuredClone(systemInfo) });
    this.flushInBackground();
  }

  async finish(status: RunStatus, exitCode: number, error?: string): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.journal.append({
      op: 'finishRun',
      runId: this.ref,
      status,
      exitCode,
      ...(error ? { error: error.slice(0, 10_000) } : {}),
    });
    const deadline = Date.now() + (this.o.finishTimeoutMs ?? 30_000);
    while (this.journal.size && Date.now() < deadline) {
      if (!(await this.flush())) await new Promise((r) => setTimeout(r, 1000));
    }
    if (this.journal.size) {
      this.log(
        `tracking: server still unreachable; ${this.journal.size} call(s) kept in ${this.o.journalPath}. ` +
          `Deliver them later with: npm run train -- --replay-journal ${this.o.journalPath} --server ${this.o.client.graphqlUrl}`,
      );
    }
  }

  /**
   * Training never waits on the network: once a call is safely in the journal, delivery runs in
   * the background (a black-holed server would otherwise stall every epoch for the HTTP timeout).
   */
  private flushInBackground(): void {
    this.flush().catch((e: Error) => this.log(`tracking: ${e.message}`));
  }

  /**
   * One delivery pass at a time. A call made while a pass is running gets the NEXT pass (at most
   * one is queued), so whatever it appended before calling is always attempted.
   */
  flush(): Promise<boolean> {
    if (!this.flushing) {
      this.flushing = this.pass().finally(() => {
        this.flushing = null;
      });
      return this.flushing;
    }
    this.queuedFlush ??= this.flushing.then(
      () => this.startQueued(),
      () => this.startQueued(),
    );
    return this.queuedFlush;
  }

  private startQueued(): Promise<boolean> {
    this.queuedFlush = null;
    return this.flush();
  }

  private async pass(): Promise<boolean> {
    const ok = await drainJournal(this.o.client, this.journal, this.st);
    if (ok !== this.online)
      this.log(
        ok
          ? 'tracking: server reachable again, journal replayed'
          : `tracking: server unreachable, journaling to ${this.o.journalPath}`,
      );
    this.online = ok;
    const id = this.st.ids.get(this.localId);
    if (id) this.runId = id;
    return ok;
  }

  /**
   * Heartbeat interval: push any backlog (in the background) and, while the server is reachable,
   * heartbeat to learn about a cancel, even when metrics are queued faster than they drain.
   */
  async tick(): Promise<void> {
    if (this.journal.size) this.flushInBackground();
    if (!this.runId || !this.online) return;
    try {
      const run = await this.o.client.heartbeat(this.runId);
      if (run.status === 'CANCELED' || run.cancelRequested) this.o.onCanceled?.();
    } catch (err) {
      if (!(err instanceof TransportError) && !(err instanceof ApiError)) throw err;
    }
  }
}

/** `--replay-journal FILE`: deliver what a previous (dead) trainer process left behind. */
export async function replayJournalFile(
  client: RunboardClient,
  path: string,
  log: (m: string) => void = (m) => process.stderr.write(`${m}\n`),
): Promise<{ delivered: number; left: number }> {
  const journal = await Journal.open(path);
  const before = journal.size;
  await drainJournal(client, journal, { ids: new Map(), log });
  return { delivered: before - journal.size, left: journal.size };
}
