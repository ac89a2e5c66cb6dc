// Durable, ordered queue of tracking calls that could not be delivered yet (JSONL on disk).
// The file is rewritten atomically after every change, so a crash leaves either the old or the
// new content; `npm run train -- --replay-journal FILE` delivers what a dead process left.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MetricPoint, RunStatus } from './tracker.ts';

/** Run ids not known yet (created while offline) are "local:<uuid>" until createRun succeeds. */
export type JournalOp =
  | {
      op: 'createRun';
      localId: string;
      input: { experimentName: string; name: string; config: unknown; tags: string[]; systemInfo: unknown };
    }
  | { op: 'startRun'; runId: string; systemInfo: unknown }
  // values already in MetricValue wire form: JSON would turn NaN/Infinity into null
  | { op: 'logMetrics'; runId: string; points: WirePoint[] }
  | { op: 'uploadArtifact'; runId: string; name: string; path: string; kind: string }
  | { op: 'finishRun'; runId: string; status: RunStatus; exitCode: number; error?: string };

export type WirePoint = Omit<MetricPoint, 'value'> & { value: number | string };

export interface JournalEntry {
  seq: number;
  at: string;
  call: JournalOp;
}

let tmpCounter = 0;

export class Journal {
  private entries: JournalEntry[] = [];
  private nextSeq = 1;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  static async open(path: string): Promise<Journal> {
    const j = new Journal(path);
    const text = await readFile(path, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        j.entries.push(JSON.parse(line) as JournalEntry);
      } catch {
        // A torn last line (crash mid-write on a non-atomic filesystem): skip it.
      }
    }
    j.nextSeq = (j.entries.at(-1)?.seq ?? 0) + 1;
    return j;
  }

  get size(): number {
    return this.entries.length;
  }

  peek(): JournalEntry | undefined {
    return this.entries[0];
  }

  all(): readonly JournalEntry[] {
    return this.entries;
  }

  async append(call: JournalOp): Promise<void> {
    this.entries.push({ seq: this.nextSeq++, at: new Date().toISOString(), call });
    await this.persist();
  }

  async shift(count = 1): Promise<void> {
    this.entries.splice(0, count);
    await this.persist();
  }

  /** After an offline createRun got its real id: rewrite the placeholder in queued calls. */
  async resolveRunId(localId: string, realId: string): Promise<void> {
    for (const e of this.entries) if ('runId' in e.call && e.call.runId === localId) e.call.runId = realId;
    await this.persist();
  }

  private persist(): Promise<void> {
    const snapshot = this.entries.map((e) => JSON.stringify(e)).join('\n');
    this.writing = this.writing.then(async () => {
      if (!snapshot) {
        await rm(this.path, { force: true });
        return;
      }
      await mkdir(dirname(this.path), { recursive: true });
      // unique temp name: a replaying process may write the same journal concurrently
      const tmp = `${this.path}.${process.pid}.${++tmpCounter}.tmp`;
      await writeFile(tmp, `${snapshot}\n`);
      await rename(tmp, this.path);
    });
    return this.writing;
  }
}
