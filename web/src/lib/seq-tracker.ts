/**
 * Last applied seq per run: decides which live events are new and what to pass as `since` on resubscribe.
 * Kept free of React and the API client so it can be unit-tested in plain Node.
 */
export interface RunSeq {
  runId: string;
  seq: number;
}

/** What a named tracker did with each run's events, on `window.__runboardLive` (read by browser tests). */
export interface LiveCounts {
  applied: number;
  dropped: number;
}
type LiveStats = Record<string, LiveCounts>;

function statsFor(name: string | undefined): LiveStats | null {
  if (!name) return null;
  const g = globalThis as { __runboardLive?: Record<string, LiveStats> };
  g.__runboardLive ??= {};
  g.__runboardLive[name] ??= {};
  return g.__runboardLive[name]!;
}

export class SeqTracker {
  private seqs = new Map<string, number>();
  private readonly stats: LiveStats | null;
  /** `name`: publish counts of applied and dropped (already seen) events per run under this name. */
  constructor(initial: Iterable<RunSeq> = [], name?: string) {
    for (const r of initial) this.seqs.set(r.runId, r.seq);
    this.stats = statsFor(name);
  }
  /** True (and records it) when the event is newer than anything applied for that run. */
  accept(runId: string, seq: number): boolean {
    const prev = this.seqs.get(runId);
    const fresh = prev === undefined || seq > prev;
    if (fresh) this.seqs.set(runId, seq);
    if (this.stats) {
      const c = (this.stats[runId] ??= { applied: 0, dropped: 0 });
      if (fresh) c.applied++;
      else c.dropped++;
    }
    return fresh;
  }
  get(runId: string): number | undefined {
    return this.seqs.get(runId);
  }
  set(runId: string, seq: number) {
    this.seqs.set(runId, Math.max(seq, this.seqs.get(runId) ?? -1));
  }
  since(): RunSeq[] {
    return [...this.seqs].map(([runId, seq]) => ({ runId, seq }));
  }
}
