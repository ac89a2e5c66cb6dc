import { isUuid } from '@runboard/contract/ids';
import type pg from 'pg';
import { badInput } from '../../core/errors.ts';
import { SharedReads } from '../../pubsub/ordered-work.ts';
import type { PgListener } from '../../pubsub/pg-listener.ts';
import { type Push, resumableStream } from '../../pubsub/stream.ts';
import { type RunEventKind, topics } from '../../pubsub/topics.ts';
import { findRun, type RunRow, runsIn } from './store.ts';

export interface RunEvent {
  /** null for RESYNC */
  seq: number | null;
  /** null for RESYNC */
  runId: string | null;
  /** null for RESYNC by runIds, and for a run followed by id that a replay finds deleted (its experiment is gone). */
  experimentId: string | null;
  kind: RunEventKind | 'RESYNC';
  run: RunRow | null;
}

export interface RunChangedOptions {
  /** The last seq the subscriber applied per run (the schema's `since`); null: no replay. */
  since: { runId: string; seq: number }[] | null;
  /** Replay only the runs `since` lists (see the schema's `sinceListedOnly`). */
  listedOnly?: boolean;
  /** Send RESYNC once listening, after the replay, and after every recovery (the schema's `startWithResync`). */
  startWithResync?: boolean;
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
    options: RunChangedOptions,
  ): AsyncIterableIterator<RunEvent> {
    const { since, listedOnly = false, startWithResync = false } = options;
    const runIds = args.runIds?.map((id) => id.toLowerCase()) ?? null;
    if ((args.experimentId == null) === (runIds == null))
      throw badInput('runChanged', 'give exactly one of experimentId and runIds');
    const experimentId = args.experimentId?.toLowerCase() ?? null;
    const last = new Map<string, number>();
    /** Runs this stream reported DELETED (live or by replay): reported once. */
    const gone = new Set<string>();
    const given = new Map((since ?? []).map((s) => [s.runId.toLowerCase(), s.seq]));
    const replay = async (push: Push<RunEvent>, given: Map<string, number>, listed: boolean) => {
      if (experimentId && !isUuid(experimentId)) return;
      // Listed: what the subscriber gave and what this stream has delivered since.
      const found = await this.replayRuns(
        experimentId,
        runIds,
        listed ? [...new Set([...given.keys(), ...last.keys()])] : null,
      );
      for (const run of found) {
        const after = last.get(run.id) ?? given.get(run.id) ?? 0;
        if (run.stateSeq <= after) continue;
        last.set(run.id, run.stateSeq);
        push({ seq: run.stateSeq, runId: run.id, experimentId: run.experimentId, kind: 'UPDATED', run });
      }
      this.replayDeleted(push, { experimentId, runIds, given, last, gone }, found);
    };
    /** The replay, then (when asked) RESYNC: the subscriber re-reads what no seq can name (runs created meanwhile). */
    const replayThenResync = async (push: Push<RunEvent>, given: Map<string, number>, first = false) => {
      // The first work replays only when asked to (`since`); a recovery always does.
      if (!first || since) await replay(push, given, listedOnly);
      if (startWithResync) push({ seq: null, runId: null, experimentId, kind: 'RESYNC', run: null });
    };
    return resumableStream(this.listener, {
      topics: experimentId ? [topics.experiment(experimentId)] : (runIds ?? []).map((id) => topics.run(id)),
      // `start` runs once the topics are subscribed, so a list re-read on its RESYNC sees every change committed
      // before it, and every later one comes as a notice.
      start: since || startWithResync ? (push) => replayThenResync(push, given, true) : undefined,
      notice: async (n, push) => {
        // A notice committed before the replay's read can arrive after it (LISTEN delivers late under load): what
        // the subscriber holds (`since`) or was sent counts, and a run reported DELETED is reported once.
        if (gone.has(n.runId) || n.seq <= (last.get(n.runId) ?? given.get(n.runId) ?? -1)) return;
        const run = n.kind === 'DELETED' ? null : await this.loadRun(n.runId, n.seq);
        // The row may already be newer than the notice; report it at its own seq so the next notice is skipped.
        const seq = run ? Math.max(n.seq, run.stateSeq) : n.seq;
        last.set(n.runId, seq);
        if (!run) gone.add(n.runId);
        push({
          seq,
          runId: n.runId,
          experimentId: n.experimentId,
          kind: run || n.kind === 'DELETED' ? n.kind : 'DELETED',
          run,
        });
      },
      // Recovery replays as the client asked: every run whose state is newer than what was delivered or given.
      replay: (push) => replayThenResync(push, given),
      // After LISTEN reconnected: every run newer than what this stream delivered.
      resync: (push) => replayThenResync(push, new Map()),
    });
  }

  /**
   * A run the subscriber holds (given in `since`, or delivered on this stream) that a replay no longer finds was
   * deleted while the subscriber was not listening: without this its row would stay on screen. Its seq is one past
   * what the subscriber holds, so it is applied once. By run id the deleted run's experiment is unknown (the row is
   * gone) and so is whether the id ever named a run: every such id gets the same event with a null experimentId, so a
   * key limited to some experiments learns nothing of another experiment's runs (an existing run of one is refused
   * before the stream starts, by runAccess).
   */
  private replayDeleted(
    push: Push<RunEvent>,
    s: {
      experimentId: string | null;
      runIds: string[] | null;
      given: Map<string, number>;
      last: Map<string, number>;
      gone: Set<string>;
    },
    found: RunRow[],
  ) {
    const present = new Set(found.map((r) => r.id));
    const held = new Set([...s.given.keys(), ...s.last.keys()]);
    for (const runId of held) {
      if (present.has(runId) || s.gone.has(runId) || !isUuid(runId)) continue;
      // By id: only the runs followed (a `since` entry for another id is not this stream's to report).
      if (s.runIds && !s.runIds.includes(runId)) continue;
      s.gone.add(runId);
      const deletedSeq = Math.max(s.given.get(runId) ?? 0, s.last.get(runId) ?? 0) + 1;
      s.last.set(runId, deletedSeq);
      push({ seq: deletedSeq, runId, experimentId: s.experimentId, kind: 'DELETED', run: null });
    }
  }

  /** The runs a replay compares: the listed ones (of the scope) when `listed` is given, else the whole scope. */
  private async replayRuns(experimentId: string | null, runIds: string[] | null, listed: string[] | null) {
    const ids = (listed ?? runIds)?.filter((id) => isUuid(id) && (!runIds || runIds.includes(id)));
    if (!ids) return runsIn(this.pool, { experimentId: experimentId! });
    const runs = await runsIn(this.pool, { runIds: ids });
    return experimentId ? runs.filter((r) => r.experimentId === experimentId) : runs;
  }

  private loadRun(runId: string, seq: number): Promise<RunRow | null> {
    return this.runs.read(`${runId}:${seq}`, () => findRun(this.pool, runId));
  }
}
