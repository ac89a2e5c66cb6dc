// Forwards a child's output to the server line by line, in order, in small batches.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { SerialBatcher } from '@runboard/client';
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
  /** 500 lines or 250 ms per appendRunLogs, batches one after another (so lines keep their order). */
  private readonly batcher: SerialBatcher<Line>;
  lastStderr: string[] = [];
  /** The trainer's own one-line cause ("error: ..."), preferred over the last stderr lines (stack frames). */
  cause: string | null = null;

  constructor(
    api: AgentApi,
    runId: string,
    private readonly echo: (line: string) => void = () => {},
    onError: (message: string) => void = () => {},
  ) {
    this.batcher = new SerialBatcher((lines) => api.appendLogs(runId, lines), {
      maxItems: 500,
      delayMs: 250,
      onError: (err, batch) => onError(`could not forward ${batch.length} log line(s): ${err.message}`),
    });
  }

  /** A line from the agent itself (resolving data and weights before the trainer starts). */
  line(kind: 'STDOUT' | 'STDERR', text: string): void {
    this.batcher.push({ stream: kind, text, time: new Date().toISOString() });
  }

  attach(stream: Readable, kind: 'STDOUT' | 'STDERR'): void {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (raw) => {
      const text = sanitiseLine(raw);
      if (kind === 'STDERR') this.lastStderr = [...this.lastStderr.slice(-4), text];
      if (kind === 'STDERR' && text.startsWith('error: ')) this.cause = text.slice('error: '.length);
      this.echo(text);
      this.line(kind, text);
    });
  }

  /** Sends what is queued; resolves once every line so far was delivered or reported. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }
}
