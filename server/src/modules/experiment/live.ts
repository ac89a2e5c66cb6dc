import type pg from 'pg';
import { SharedReads } from '../../pubsub/ordered-work.ts';
import type { PgListener } from '../../pubsub/pg-listener.ts';
import { resumableStream } from '../../pubsub/stream.ts';
import { type ExperimentNotice, type RunNotice, topics } from '../../pubsub/topics.ts';
import { experimentName } from './store.ts';

export type ExperimentChangeKind = 'CREATED' | 'UPDATED' | 'DELETED' | 'RUNS_CHANGED' | 'RESYNC';

export interface ExperimentChange {
  /** null for RESYNC */
  experimentId: string | null;
  kind: ExperimentChangeKind;
}

/** Which experiments the subscriber may hear of: null = all (no read needed); else a test on id and name. */
export type ExperimentFilter = ((e: { id: string; name: string }) => boolean) | null;

/**
 * The experimentsChanged stream: experiments created, changed or deleted, and experiments whose runs changed,
 * so a list of experiments (the home page) stays current without polling. A key limited to some experiments
 * hears only of those: the experiment's current name is read (once per server per notice, shared by every
 * subscriber) and the caller's filter decides. After an outage or a LISTEN reconnect notices may have been
 * missed, and there is nothing to replay by seq: the stream says RESYNC and the client re-reads its list.
 */
export class ExperimentLive {
  private readonly names = new SharedReads<string | null>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly listener: PgListener,
  ) {}

  changed(allowed: ExperimentFilter, startWithResync = false): AsyncIterableIterator<ExperimentChange> {
    return resumableStream(this.listener, {
      topics: [topics.experiments],
      // `start` runs after the topic is subscribed: a list re-read on this RESYNC sees every change committed
      // before it, and every later one comes as a notice.
      start: startWithResync ? async (push) => push({ experimentId: null, kind: 'RESYNC' }) : undefined,
      notice: async (n, push) => {
        if (allowed && !allowed({ id: n.experimentId, name: (await this.nameOf(n)) ?? '' })) return;
        push(
          n.type === 'experiment'
            ? { experimentId: n.experimentId, kind: n.kind }
            : { experimentId: n.experimentId, kind: 'RUNS_CHANGED' },
        );
      },
      replay: async (push) => push({ experimentId: null, kind: 'RESYNC' }),
    });
  }

  /** The name an experiment notice carries, else (a run notice) the experiment's name now. */
  private nameOf(n: RunNotice | ExperimentNotice): Promise<string | null> {
    if (n.type === 'experiment') return Promise.resolve(n.name);
    return this.names.read(`${n.runId}:${n.seq}`, () => experimentName(this.pool, n.experimentId));
  }
}
