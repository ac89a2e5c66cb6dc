import { isConnectionError } from '../core/db-errors.ts';
import type { AsyncQueue } from './async-queue.ts';

/** How often a subscription retries its replay while the database is unreachable. */
const RECOVERY_RETRY_MS = 500;

/**
 * One subscription's work, strictly in order (a promise chain). A task that fails because the database is
 * unreachable (a restart, a killed connection) does not end the subscription: it turns to recovering, live
 * notices are set aside meanwhile (their rows are committed, so the recovery's replay from the last
 * delivered seq reads them), and `recover` is retried every RECOVERY_RETRY_MS until it succeeds or the
 * subscriber leaves. Other errors end the subscription. Before this, a notice whose rows could not be read
 * during a PostgreSQL restart ended the stream for good, and its subscriber saw nothing more.
 */
export class OrderedWork {
  private chain: Promise<void> = Promise.resolve();
  private recovering = false;
  /** One recovery attempt pending at a time, however many tasks fail while the database is away. */
  private retryPending = false;

  constructor(
    private readonly queue: Pick<AsyncQueue<unknown>, 'fail' | 'closed'>,
    private readonly recover: () => Promise<void>,
  ) {}

  /** A live notice: skipped while recovering, as the recovery's replay covers it. */
  notice(task: () => Promise<void>): void {
    this.run(async () => {
      if (!this.recovering) await task();
    });
  }

  /** Work that must happen (the start, a replay after LISTEN reconnected). */
  run(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err) => {
      if (!isConnectionError(err)) return this.queue.fail(err);
      this.recovering = true;
      if (this.retryPending) return;
      this.retryPending = true;
      setTimeout(() => {
        this.retryPending = false;
        if (this.queue.closed) return;
        this.run(async () => {
          await this.recover();
          this.recovering = false;
        });
      }, RECOVERY_RETRY_MS).unref();
    });
  }
}

/**
 * Many subscribers on this server share one read per event: the first asks the database, the others get the
 * same promise. Entries expire after a few seconds, and at once when the read fails.
 */
export class SharedReads<T> {
  private readonly entries = new Map<string, Promise<T>>();

  read(key: string, load: () => Promise<T>): Promise<T> {
    let hit = this.entries.get(key);
    if (!hit) {
      hit = load();
      this.entries.set(key, hit);
      setTimeout(() => this.entries.delete(key), 5000).unref();
      hit.catch(() => this.entries.delete(key));
    }
    return hit;
  }
}
