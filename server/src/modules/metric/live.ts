import { isUuid } from '@runboard/contract/ids';
import type pg from 'pg';
import { badInput } from '../../core/errors.ts';
import { SharedReads } from '../../pubsub/ordered-work.ts';
import type { PgListener } from '../../pubsub/pg-listener.ts';
import { type Push, resumableStream } from '../../pubsub/stream.ts';
import { type MetricsNotice, topics } from '../../pubsub/topics.ts';
import { seqsOf } from '../run/store.ts';
import { readBatchPoints } from './history.ts';
import { type BatchPoint, batchesAfter } from './store.ts';

/** Points carried by the notice itself, converted once per notice however many subscribers deliver them. */
const converted = new WeakMap<MetricsNotice, BatchPoint[]>();

function pointsOfNotice(n: MetricsNotice): BatchPoint[] | null {
  if (!n.points) return null;
  let points = converted.get(n);
  if (!points) {
    points = n.points.map((p) => ({ key: p.key, step: p.step, value: p.value, wallTime: new Date(p.wallTime) }));
    converted.set(n, points);
  }
  return points;
}

/**
 * One event object per batch for every subscriber without a key filter, so the GraphQL result for it is
 * computed once per server (http/shared-execution.ts keys its results by this object).
 */
const events = new WeakMap<BatchPoint[], MetricsEvent>();

function eventOf(runId: string, seq: number, points: BatchPoint[]): MetricsEvent {
  let e = events.get(points);
  if (!e) events.set(points, (e = { runId, seq, points }));
  return e;
}

export interface MetricsEvent {
  runId: string;
  seq: number;
  points: BatchPoint[];
}

/**
 * The metricsLogged stream, on pubsub's resumableStream: the replay of missed batches comes before any live
 * notice, and every delivery advances a per-run "last seq", so a batch the replay already covered is dropped.
 * A batch's points come in its NOTIFY when they fit (else they are read once per server, not once per
 * subscriber). A database outage pauses the stream and it
 * resumes by replay.
 */
export class MetricLive {
  private readonly batches = new SharedReads<BatchPoint[]>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly listener: PgListener,
  ) {}

  metricsLogged(
    runIds: string[],
    keys: string[] | null,
    since: { runId: string; seq: number }[] | null,
  ): AsyncIterableIterator<MetricsEvent> {
    if (runIds.length === 0) throw badInput('runIds', 'must name at least one run');
    const ids = runIds.map((id) => id.toLowerCase()).filter((id) => isUuid(id));
    const keySet = keys?.length ? new Set(keys) : null;
    const last = new Map<string, number>();
    const deliver = (push: Push<MetricsEvent>, runId: string, seq: number, points: BatchPoint[]) => {
      last.set(runId, seq);
      if (!keySet) return push(eventOf(runId, seq, points));
      const mine = points.filter((p) => keySet.has(p.key));
      if (mine.length > 0) push({ runId, seq, points: mine });
    };
    const replay = async (push: Push<MetricsEvent>) => {
      for (const r of await batchesAfter(this.pool, last))
        if (r.seq > (last.get(r.runId) ?? 0)) deliver(push, r.runId, r.seq, await this.loadBatch(r.runId, r.seq));
    };
    return resumableStream(this.listener, {
      topics: ids.map((id) => topics.metrics(id)),
      start: async (push) => {
        // Where each run's stream starts: the seq the client gave, else "now".
        const given = new Map((since ?? []).map((s) => [s.runId.toLowerCase(), s.seq]));
        for (const r of await seqsOf(this.pool, ids)) last.set(r.id, given.get(r.id) ?? (since ? 0 : r.seq));
        if (since) await replay(push);
      },
      notice: async (n, push) => {
        if (n.seq <= (last.get(n.runId) ?? -1)) return;
        deliver(push, n.runId, n.seq, pointsOfNotice(n) ?? (await this.loadBatch(n.runId, n.seq)));
      },
      replay,
    });
  }

  private loadBatch(runId: string, seq: number): Promise<BatchPoint[]> {
    return this.batches.read(`${runId}:${seq}`, () => readBatchPoints(this.pool, runId, seq));
  }
}
