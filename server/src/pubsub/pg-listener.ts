import pg from 'pg';
import { CHANNEL, type Notice, type TopicMap, topicsOf } from './topics.ts';

type Handler<T> = (payload: T) => void;

/**
 * One LISTEN connection per server process, dispatching NOTIFY payloads to local subscribers by topic.
 * This is what lets several server processes behind a load balancer all deliver every event.
 * If the connection drops, it reconnects and calls every `onResync` handler: events may have been
 * missed meanwhile, so subscriptions replay from the last sequence they delivered.
 */
export class PgListener {
  private client: pg.Client | null = null;
  private readonly handlers = new Map<string, Set<Handler<never>>>();
  private readonly resyncHandlers = new Set<() => void>();
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly log: (m: string) => void = () => {},
  ) {}

  async start(): Promise<void> {
    await this.open(() => {});
  }

  /**
   * Connects and LISTENs, then runs `beforeDispatch` before the new connection's first notice is dispatched.
   * A notice can arrive in the same socket read as LISTEN's answer, and pg emits it before the code awaiting
   * LISTEN resumes; dispatched ahead of a resync, it advanced a subscription's seq past the batches committed
   * while the connection was down, so the resync's replay skipped them (database-faults.test.ts).
   */
  private async open(beforeDispatch: () => void): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    let held: Notice[] | null = [];
    client.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      const notice = JSON.parse(msg.payload) as Notice;
      if (held) held.push(notice);
      else this.dispatch(notice);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    beforeDispatch();
    const pending = held;
    held = null;
    for (const notice of pending) this.dispatch(notice);
  }

  /** Whether the LISTEN connection is up now (for /healthz). */
  get connected(): boolean {
    return this.client !== null;
  }

  subscribe<K extends keyof TopicMap>(topic: K, handler: Handler<TopicMap[K]>): () => void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler as Handler<never>);
    return () => {
      set.delete(handler as Handler<never>);
      if (set.size === 0) this.handlers.delete(topic);
    };
  }

  onResync(handler: () => void): () => void {
    this.resyncHandlers.add(handler);
    return () => this.resyncHandlers.delete(handler);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }

  private dispatch(notice: Notice): void {
    for (const topic of topicsOf(notice)) {
      const set = this.handlers.get(topic);
      if (set) for (const h of set) (h as Handler<Notice>)(notice);
    }
  }

  /** Only the current connection's loss counts: a failed attempt's client may report its end later. */
  private lost(client: pg.Client, err: Error): void {
    if (this.stopped || this.client !== client) return;
    this.log(`LISTEN connection lost (${err.message}); reconnecting`);
    this.client = null;
    const retry = async () => {
      if (this.stopped) return;
      try {
        await this.open(() => {
          for (const h of this.resyncHandlers) h();
        });
      } catch {
        this.reconnectTimer = setTimeout(retry, 500);
      }
    };
    this.reconnectTimer = setTimeout(retry, 100);
  }
}
