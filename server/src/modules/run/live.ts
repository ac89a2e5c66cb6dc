import { isUuid } from '@runboard/contract/ids';
import type pg from 'pg';
import { badInput } from '../../core/errors.ts';
import { AsyncQueue } from '../../pubsub/async-queue.ts';
import { OrderedWork, SharedReads } from '../../pubsub/ordered-work.ts';
import type { PgListener } from '../../pubsub/pg-listener.ts';
import { type RunEventKind, type RunNotice, topics } from '../../pubsub/topics.ts';
import { findRun, type RunRow, runsIn } from './store.ts';

export interface RunEvent {
  seq: number;
  runId: string;
  experimentId: string;
  kind: RunEventKind;
  run: RunRow | null;
}

/**
 * The runChanged stream: NOTIFY notices turned into run events with resume-by-seq. Per subscription, work
 * runs strictly in order (OrderedWork): a replay of missed changes is queued before any live notice, and a
 * per-run "last seq" drops what the replay already covered. A database outage pauses the stream and it
 * resumes by replay. A run row is read once per server per event, not once per subscriber.
 */
export class RunLive {
  private readonly runs = new SharedReads<RunRow | null>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly listener: PgListener,
  ) {}

  runChanged(
    args: { experimentId?: string | null; runIds?: string[] | null },
    since: { runId: string; seq: number }[] | null,
  ): AsyncIterableIterator<RunEvent> {
    const runIds = args.runIds?.map((id) => id.toLowerCase()) ?? null;
    if ((args.experimentId == null) === (runIds == null))
      throw badInput('runChanged', 'give exactly one of experimentId and runIds');
    const experimentId = args.experimentId?.toLowerCase() ?? null;
    const last = new Map<string, number>();
    const unsubscribers: (() => void)[] = [];
    const queue = new AsyncQueue<RunEvent>(() => unsubscribers.forEach((u) => u()));
    const given = new Map((since ?? []).map((s) => [s.runId.toLowerCase(), s.seq]));
    // Recovery replays as a LISTEN resync does: every run whose state is newer than what was delivered.
    const work = new OrderedWork(queue, () => replay(given, 0));
    const onNotice = (n: RunNotice) =>
      work.notice(async () => {
        if (n.seq <= (last.get(n.runId) ?? -1)) return;
        const run = n.kind === 'DELETED' ? null : await this.loadRun(n.runId, n.seq);
        // The row may already be newer than the notice; report it at its own seq so the next notice is skipped.
        const seq = run ? Math.max(n.seq, run.stateSeq) : n.seq;
        last.set(n.runId, seq);
        queue.push({
          seq,
          runId: n.runId,
          experimentId: n.experimentId,
          kind: run || n.kind === 'DELETED' ? n.kind : 'DELETED',
          run,
        });
      });
    const replay = async (given: Map<string, number>, fallback: number) => {
      if (experimentId && !isUuid(experimentId)) return;
      const scope = experimentId ? { experimentId } : { runIds: runIds!.filter((id) => isUuid(id)) };
      for (const run of await runsIn(this.pool, scope)) {
        const after = last.get(run.id) ?? given.get(run.id) ?? fallback;
        if (run.stateSeq <= after) continue;
        last.set(run.id, run.stateSeq);
        queue.push({ seq: run.stateSeq, runId: run.id, experimentId: run.experimentId, kind: 'UPDATED', run });
      }
    };
    if (experimentId) unsubscribers.push(this.listener.subscribe(topics.experiment(experimentId), onNotice));
    for (const id of runIds ?? []) unsubscribers.push(this.listener.subscribe(topics.run(id), onNotice));
    unsubscribers.push(this.listener.onResync(() => work.run(() => replay(new Map(), 0))));
    if (since) work.run(() => replay(given, 0));
    return queue;
  }

  private loadRun(runId: string, seq: number): Promise<RunRow | null> {
    return this.runs.read(`${runId}:${seq}`, () => findRun(this.pool, runId));
  }
}
