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
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      this.dispatch(JSON.parse(msg.payload) as Notice);
    });
    client.on('error', (err) => this.lost(err));
    client.on('end', () => this.lost(new Error('connection ended')));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
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

  private lost(err: Error): void {
    if (this.stopped || !this.client) return;
    this.log(`LISTEN connection lost (${err.message}); reconnecting`);
    this.client = null;
    const retry = async () => {
      if (this.stopped) return;
      try {
        await this.start();
        for (const h of this.resyncHandlers) h();
      } catch {
        this.reconnectTimer = setTimeout(retry, 500);
      }
    };
    this.reconnectTimer = setTimeout(retry, 100);
  }
}
