// The trainer's tracking calls as they wait in @runboard/client's journal (durable, ordered, atomic
// rewrites: see client/src/journal.ts); `npm run train -- --replay-journal FILE` delivers what a dead
// process left.
import { Journal as ClientJournal, type JournalEntry as ClientJournalEntry } from '@runboard/client/journal';
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

export type JournalEntry = ClientJournalEntry<JournalOp>;

export class Journal extends ClientJournal<JournalOp> {
  static open(path: string): Promise<Journal> {
    return new Journal(path).load();
  }

  /** After an offline createRun got its real id: rewrite the placeholder in queued calls. */
  resolveRunId(localId: string, realId: string): Promise<void> {
    return this.rewrite((call) => {
      if ('runId' in call && call.runId === localId) call.runId = realId;
    });
  }
}
