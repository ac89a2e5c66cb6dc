// Terminal progress: a redrawn single-line bar on a TTY, plain lines otherwise (CI logs,
// files), so logs stay readable when stdout is not a terminal.
export interface ProgressSink {
  phase(name: string, epochs: number, detail?: string): void;
  batch(s: BatchState): void;
  epochEnd(line: string): void;
  message(line: string): void;
  close(): void;
}

export interface BatchState {
  phase: string;
  epoch: number; // 1-based within the phase
  epochs: number;
  batch: number; // 1-based
  batches: number;
  elapsedSeconds: number; // within this epoch
  metrics: Record<string, number>;
}

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  const r = Math.round(s % 60);
  return m ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

export function fmtMetrics(m: Record<string, number>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2)}`)
    .join(' ');
}

/** Keras's fit() epoch summary: `Epoch 3/30 - 2.1s - loss: 0.4120 - acc: 0.8100 - val_loss: 0.3900 - val_acc: 0.8300`. */
export function kerasEpochLine(
  epoch: number,
  epochs: number,
  seconds: number,
  m: Record<string, number>,
  note: string | null = null,
): string {
  const shown = ['loss', 'acc', 'val_loss', 'val_acc'].filter((k) => m[k] !== undefined);
  return [
    `Epoch ${epoch}/${epochs}`,
    `${seconds.toFixed(1)}s`,
    ...shown.map((k) => `${k}: ${m[k]!.toFixed(4)}`),
    ...(note ? [note] : []),
  ].join(' - ');
}

export function renderBar(s: BatchState, width = 24): string {
  const frac = s.batch / s.batches;
  const filled = Math.round(frac * width);
  const eta = (s.elapsedSeconds / s.batch) * (s.batches - s.batch);
  return `[${s.phase}] epoch ${s.epoch}/${s.epochs} [${'='.repeat(filled)}${filled < width ? '>' : ''}${' '.repeat(Math.max(0, width - filled - 1))}] ${s.batch}/${s.batches} ETA ${fmtSeconds(eta)} ${fmtMetrics(s.metrics)}`;
}

export class TerminalProgress implements ProgressSink {
  private lastPlain = 0;
  constructor(
    private readonly out:
      | NodeJS.WriteStream
      | { write(s: string): unknown; isTTY?: boolean; columns?: number } = process.stdout,
    private readonly plainEverySeconds = 30,
  ) {}

  private get tty(): boolean {
    return Boolean(this.out.isTTY);
  }

  phase(name: string, epochs: number, detail?: string): void {
    this.message(`phase ${name}: ${detail ? `${detail}, ` : ''}${epochs} epoch(s)`);
  }

  batch(s: BatchState): void {
    if (this.tty) {
      const cols = (this.out as { columns?: number }).columns ?? 120;
      this.out.write(`\r${renderBar(s).slice(0, cols - 1)}\x1b[K`);
      return;
    }
    // Not a TTY: an occasional plain line so long epochs still show life, no \r spam.
    const now = Date.now();
    if (now - this.lastPlain >= this.plainEverySeconds * 1000 && s.batch < s.batches) {
      this.lastPlain = now;
      this.out.write(`${renderBar(s)}\n`);
    }
  }

  epochEnd(line: string): void {
    this.message(line);
  }

  message(line: string): void {
    this.out.write(this.tty ? `\r\x1b[K${line}\n` : `${line}\n`);
  }

  close(): void {}
}

export const silentProgress: ProgressSink = { phase() {}, batch() {}, epochEnd() {}, message() {}, close() {} };
