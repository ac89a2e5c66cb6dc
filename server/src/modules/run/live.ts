import { isUuid } from '@runboard/contract/ids';
import type pg from 'pg';
import { badInput } from '../../core/errors.ts';
import { SharedReads } from '../../pubsub/ordered-work.ts';
import type { PgListener } from '../../pubsub/pg-listener.ts';
import { type Push, resumableStream } from '../../pubsub/stream.ts';
import { type RunEventKind, topics } from '../../pubsub/topics.ts';
import { findRun, type RunRow, runsIn } from './store.ts';

export interface RunEvent {
  seq: number;
  runId: string;
  experimentId: string;
  kind: RunEventKind;
  run: RunRow | null;
}

/**
 * The runChanged stream, on pubsub's resumableStream: a replay of missed changes comes before any live
 * notice, and a per-run "last seq" drops what the replay already covered. A database outage pauses the stream and it
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
    const given = new Map((since ?? []).map((s) => [s.runId.toLowerCase(), s.seq]));
    const replay = async (push: Push<RunEvent>, given: Map<string, number>) => {
      if (experimentId && !isUuid(experimentId)) return;
      const scope = experimentId ? { experimentId } : { runIds: runIds!.filter((id) => isUuid(id)) };
      for (const run of await runsIn(this.pool, scope)) {
        const after = last.get(run.id) ?? given.get(run.id) ?? 0;
        if (run.stateSeq <= after) continue;
        last.set(run.id, run.stateSeq);
        push({ seq: run.stateSeq, runId: run.id, experimentId: run.experimentId, kind: 'UPDATED', run });
      }
    };
    return resumableStream(this.listener, {
      topics: experimentId ? [topics.experiment(experimentId)] : (runIds ?? []).map((id) => topics.run(id)),
      start: since ? (push) => replay(push, given) : undefined,
      notice: async (n, push) => {
        if (n.seq <= (last.get(n.runId) ?? -1)) return;
        const run = n.kind === 'DELETED' ? null : await this.loadRun(n.runId, n.seq);
        // The row may already be newer than the notice; report it at its own seq so the next notice is skipped.
        const seq = run ? Math.max(n.seq, run.stateSeq) : n.seq;
        last.set(n.runId, seq);
        push({
          seq,
          runId: n.runId,
          experimentId: n.experimentId,
          kind: run || n.kind === 'DELETED' ? n.kind : 'DELETED',
          run,
        });
      },
      // Recovery replays as the client asked: every run whose state is newer than what was delivered or given.
      replay: (push) => replay(push, given),
      // After LISTEN reconnected: every run newer than what this stream delivered.
      resync: (push) => replay(push, new Map()),
    });
  }

  private loadRun(runId: string, seq: number): Promise<RunRow | null> {
    return this.runs.read(`${runId}:${seq}`, () => findRun(this.pool, runId));
  }
}
