/**
 * A push-to-pull bridge: events pushed by the listener are pulled by graphql-ws through
 * `for await`; graphql-ws pulls the next one only when the socket took the previous one, and calls return()
 * when the client goes away, which runs `onClose`. Bounded: a subscriber that stops reading (its socket
 * full) would otherwise make the server hold every event for it. Past `maxBuffered` waiting items the
 * queue fails with `overflow()`, and the subscriber resumes from its last seq by replay.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private waiters: ((r: IteratorResult<T>) => void)[] = [];
  private failure: unknown = null;
  private done = false;

  constructor(
    private readonly onClose: () => void = () => {},
    private readonly maxBuffered = Number.POSITIVE_INFINITY,
    private readonly overflow: () => unknown = () => new Error('subscriber too slow'),
  ) {}

  push(item: T): void {
    if (this.done) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter({ value: item, done: false });
    else if (this.items.length < this.maxBuffered) this.items.push(item);
    else {
      // What is buffered is dropped with it: the subscriber's resume (since its last seq) replays it in order.
      this.items = [];
      this.fail(this.overflow());
    }
  }

  fail(err: unknown): void {
    this.failure = err;
    for (const w of this.waiters.splice(0)) w(Promise.reject(err) as never);
    this.close();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.failure) return Promise.reject(this.failure);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(err);
  }

  /** The consumer left (or the stream failed): nothing more will be read. */
  get closed(): boolean {
    return this.done;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    if (this.done) return;
    this.done = true;
    for (const w of this.waiters.splice(0)) w({ value: undefined, done: true });
    this.onClose();
  }
}
