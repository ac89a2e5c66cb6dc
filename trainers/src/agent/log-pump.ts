// Forwards a child's output to the server line by line, in order, in small batches.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { AgentApi } from './api.ts';

/**
 * A trainer may print anything (binary junk, a NUL from a C library): such a line is made storable
 * (NUL and lone surrogates become U+FFFD) rather than failing, and losing, its whole batch.
 */
export function sanitiseLine(text: string): string {
  return text.replace(/\0|\p{Surrogate}/gu, '\ufffd');
}

type Line = { stream: 'STDOUT' | 'STDERR'; text: string; time: string };

export class LogPump {
  private pending: Line[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  lastStderr: string[] = [];
  /** The trainer's own one-line cause ("error: ..."), preferred over the last stderr lines (stack frames). */
  cause: string | null = null;

  constructor(
    private readonly api: AgentApi,
    private readonly runId: string,
    private readonly echo: (line: string) => void = () => {},
    private readonly onError: (message: string) => void = () => {},
  ) {}

  /** A line from the agent itself (resolving data and weights before the trainer starts). */
  line(kind: 'STDOUT' | 'STDERR', text: string): void {
    this.pending.push({ stream: kind, text, time: new Date().toISOString() });
    if (this.pending.length >= 500) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), 250);
  }

  attach(stream: Readable, kind: 'STDOUT' | 'STDERR'): void {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (raw) => {
      const text = sanitiseLine(raw);
      this.pending.push({ stream: kind, text, time: new Date().toISOString() });
      if (kind === 'STDERR') this.lastStderr = [...this.lastStderr.slice(-4), text];
      if (kind === 'STDERR' && text.startsWith('error: ')) this.cause = text.slice('error: '.length);
      this.echo(text);
      if (this.pending.length >= 500) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), 250);
    });
  }

  /** Batches are sent one after another, so lines keep their order even across retries. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing
      .then(() => this.api.appendLogs(this.runId, batch).then(() => undefined))
      .catch((err) => this.onError(`could not forward ${batch.length} log line(s): ${(err as Error).message}`));
    return this.flushing;
  }
}
