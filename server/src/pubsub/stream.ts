import { ErrorCode, userError } from '../core/errors.ts';
import { AsyncQueue } from './async-queue.ts';
import { OrderedWork } from './ordered-work.ts';
import type { PgListener } from './pg-listener.ts';
import type { TopicMap } from './topics.ts';

/**
 * Events a subscriber may leave unread before its stream ends with SUBSCRIBER_TOO_SLOW (a dashboard reads
 * each within milliseconds; 1,000 is minutes of one run's epochs, kept in memory per stalled subscriber).
 */
export const MAX_BUFFERED = 1000;

/** Delivers one item to the subscriber. */
export type Push<T> = (item: T) => void;

/**
 * What one live stream does; the stream keeps its own position (last seq or line delivered) in closures.
 * Every callback runs in order with the others (OrderedWork), never two at once.
 */
export interface StreamSpec<T, K extends keyof TopicMap> {
  /** The topics whose notices announce new rows for this stream. */
  topics: readonly K[];
  /** The first work, before any notice is handled: where the stream starts, and a replay when asked to resume. */
  start?: (push: Push<T>) => Promise<void>;
  /** A live notice: read and push what it announces, skipping what was already delivered. */
  notice: (notice: TopicMap[K], push: Push<T>) => Promise<void>;
  /** Reads and pushes everything committed after what was delivered. */
  replay: (push: Push<T>) => Promise<void>;
  /** After LISTEN reconnected (notices may have been missed); default: replay. */
  resync?: (push: Push<T>) => Promise<void>;
}

/**
 * The one way a module turns NOTIFY notices into a GraphQL subscription that resumes: the metric stream, run
 * events and the log tail all run on it, so each gets the same recovery.
 *
 * - Work runs strictly in order, so a replay is never overtaken by a live notice.
 * - LISTEN reconnected: `resync` (default `replay`) reads what was committed meanwhile.
 * - A read failed because the database is unreachable (a restart, a killed connection): the stream pauses
 *   instead of ending; notices meanwhile are skipped, and `replay` (or `start`, if the stream had not started)
 *   is retried until it succeeds or the subscriber leaves. Any other error ends the stream with that error.
 */
export function resumableStream<T, K extends keyof TopicMap>(
  listener: PgListener,
  spec: StreamSpec<T, K>,
): AsyncIterableIterator<T> {
  const unsubscribers: (() => void)[] = [];
  const queue = new AsyncQueue<T>(
    () => {
      for (const u of unsubscribers) u();
    },
    MAX_BUFFERED,
    () =>
      userError(
        ErrorCode.SUBSCRIBER_TOO_SLOW,
        `More than ${MAX_BUFFERED} events waited for this subscriber to read; subscribe again with \`since\` ` +
          'to resume where it stopped.',
      ),
  );
  const push: Push<T> = (item) => queue.push(item);
  let started = !spec.start;
  const start = async () => {
    await spec.start?.(push);
    started = true;
  };
  const work = new OrderedWork(queue, () => (started ? spec.replay(push) : start()));
  for (const topic of spec.topics) {
    unsubscribers.push(
      listener.subscribe(topic, (n) =>
        work.notice(async () => {
          if (started) await spec.notice(n, push);
        }),
      ),
    );
  }
  const resync = spec.resync ?? spec.replay;
  unsubscribers.push(listener.onResync(() => work.run(() => (started ? resync(push) : start()))));
  if (spec.start) work.run(start);
  return queue;
}
