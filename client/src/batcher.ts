/**
 * Items queued by a producer and sent in batches, one batch at a time and in order: a batch goes when it
 * holds `maxItems`, `delayMs` after its first item, or on flush(). Batches never overlap, so what was
 * queued first arrives first even while the client retries one. A batch that fails for good is reported
 * to `onError` and the next one goes on: a producer (a trainer's output) must never block on the API.
 */
export interface BatcherOptions<T> {
  maxItems: number;
  delayMs: number;
  onError?: (err: Error, batch: T[]) => void;
}

export class SerialBatcher<T> {
  private pending: T[] = [];
  private sending: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (batch: T[]) => Promise<unknown>,
    private readonly o: BatcherOptions<T>,
  ) {}

  push(item: T): void {
    this.pending.push(item);
    if (this.pending.length >= this.o.maxItems) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.o.delayMs);
  }

  /** Sends what is queued (after any batch in flight); resolves when everything queued so far was sent or reported. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return this.sending;
    this.sending = this.sending
      .then(() => this.send(batch).then(() => undefined))
      .catch((err: Error) => this.o.onError?.(err, batch));
    return this.sending;
  }
}
