/**
 * A durable, ordered queue of calls that could not be delivered yet (JSON lines on disk). A caller
 * appends a call before sending it (write-ahead) and shifts it once the server has it, so a call is
 * never lost by a crash or an outage; replaying it must therefore be safe (the trainer journals only
 * calls the server takes twice without harm: see idempotence.ts, and createRun's local placeholder id).
 *
 * Guarantees: the file is rewritten atomically after every change (a crash leaves the old or the new
 * content, never a mix); writes are serialised in call order; a torn last line (a crash on a filesystem
 * without atomic rename) is skipped on open; two processes replaying one journal never clobber each
 * other's temporary file; an empty journal leaves no file.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface JournalEntry<Op> {
  seq: number;
  at: string;
  call: Op;
}

let tmpCounter = 0;

export class Journal<Op> {
  protected entries: JournalEntry<Op>[] = [];
  private nextSeq = 1;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Reads what a previous process left (nothing when the file does not exist). */
  async load(): Promise<this> {
    const text = await readFile(this.path, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        this.entries.push(JSON.parse(line) as JournalEntry<Op>);
      } catch {
        // A torn last line (crash mid-write on a non-atomic filesystem): skip it.
      }
    }
    this.nextSeq = (this.entries.at(-1)?.seq ?? 0) + 1;
    return this;
  }

  get size(): number {
    return this.entries.length;
  }

  peek(): JournalEntry<Op> | undefined {
    return this.entries[0];
  }

  all(): readonly JournalEntry<Op>[] {
    return this.entries;
  }

  /**
   * The entries at the head that can go to the server as one request (batching a backlog): `add` folds
   * each next call into the batch's state, or returns null when it does not fit. At least the first entry.
   */
  leading<S>(start: S, add: (state: S, call: Op) => S | null): JournalEntry<Op>[] {
    const out: JournalEntry<Op>[] = [];
    let state: S | null = start;
    for (const e of this.entries) {
      state = add(state, e.call);
      if (state === null) break;
      out.push(e);
    }
    return out.length ? out : this.entries.slice(0, 1);
  }

  async append(call: Op): Promise<void> {
    this.entries.push({ seq: this.nextSeq++, at: new Date().toISOString(), call });
    await this.persist();
  }

  /** Removes the first `count` entries (delivered). */
  async shift(count = 1): Promise<void> {
    this.entries.splice(0, count);
    await this.persist();
  }

  /** Rewrites queued calls in place (e.g. a placeholder id once the server assigned the real one). */
  async rewrite(change: (call: Op) => void): Promise<void> {
    for (const e of this.entries) change(e.call);
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
