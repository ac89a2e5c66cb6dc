import type pg from 'pg';
import { inTransaction } from '../../db/database.ts';
import type { RunQueue } from '../launch/queue.ts';
import { FINAL_STATUSES, findRun, lockRun } from '../run/store.ts';
import { encodeChunk } from './chunk-codec.ts';
import { bucketsOf, packBuckets } from './rollup-pack.ts';
import {
  dropFineRollups,
  longRunsToCompact,
  replaceRowsWithChunk,
  rowKeysOf,
  rowsForNextChunk,
  runsToCompact,
  type StoredColumns,
} from './store.ts';

/**
 * Compaction (issue #23): moves settled points of a (run, key) from rows of `metrics` into compressed chunks
 * (chunk-codec.ts). A run is compacted whole when it ends; a long-running run has its older rows compacted
 * in full chunks, keeping the newest KEEP_RECENT_ROWS of each key as rows (where re-logs usually land).
 *
 * Crash safety: each chunk is one transaction that inserts the chunk and deletes exactly its rows, under the
 * run row's lock (the lock ingest and truncate take), so a killed compaction leaves either the rows or the
 * chunk, never both or neither. Idempotent: it only ever looks at rows still there, so repeating it, or two
 * servers doing it at once, converges on the same state.
 */

/** Points per chunk: big enough that the per-chunk row and TOAST overhead is small, small enough to explode cheaply. */
export const CHUNK_POINTS = 4000;
/** Rows each key of an active run keeps uncompacted. */
export const KEEP_RECENT_ROWS = 4000;
/**
 * Rollup levels dropped once a key of an ended run is all chunks: bucket widths 16-128 hold ~94% of the rollup
 * rows (they halve per level), ~20 of the ~21 bytes a point rollups cost. Each chunk carries its level-4 buckets
 * packed instead (rollup-pack.ts), which series at these levels merge (series.ts); the coarser levels stay, and
 * first take the open level-4 bucket (store.ts dropFineRollups), so they then hold every point.
 */
export const DROPPED_ROLLUP_LEVELS = [4, 5, 6, 7] as const;

function chunkOf(runId: string, key: string, cols: StoredColumns) {
  let min: number | null = null;
  let max: number | null = null;
  for (const v of cols.values) {
    if (Number.isNaN(v)) continue;
    if (min === null || v < min) min = v;
    if (max === null || v > max) max = v;
  }
  const n = cols.steps.length;
  return {
    runId,
    key,
    firstStep: cols.steps[0]!,
    lastStep: cols.steps[n - 1]!,
    count: n,
    minValue: min,
    maxValue: max,
    minSeq: Math.min(...cols.seqs),
    maxSeq: Math.max(...cols.seqs),
    data: Buffer.from(encodeChunk(cols)),
    rollup: packBuckets(bucketsOf(cols)),
  };
}

/**
 * Writes the next chunk of a pair in one transaction. With `full`, only a chunk of exactly CHUNK_POINTS
 * points. False when there was nothing (more) to write or the run is gone.
 */
export async function compactNextChunk(
  pool: pg.Pool,
  runId: string,
  key: string,
  full: boolean,
  chunkPoints = CHUNK_POINTS,
): Promise<boolean> {
  return inTransaction(pool, async (c) => {
    if (!(await lockRun(c, runId))) return false;
    const cols = await rowsForNextChunk(c, runId, key, Number.MAX_SAFE_INTEGER, chunkPoints);
    if (cols.steps.length === 0 || (full && cols.steps.length < chunkPoints)) return false;
    await replaceRowsWithChunk(c, chunkOf(runId, key, cols));
    return true;
  });
}

/** Drops the fine rollup levels of the keys that are all chunks, if the run has ended (ingest may still merge otherwise). */
async function settleRollups(pool: pg.Pool, runId: string): Promise<void> {
  await inTransaction(pool, async (c) => {
    const run = await lockRun(c, runId);
    if (run && FINAL_STATUSES.includes(run.status)) await dropFineRollups(c, runId, DROPPED_ROLLUP_LEVELS);
  });
}

export interface CompactionOptions {
  chunkPoints?: number;
  keepRecentRows?: number;
  /** Compact every row, as for an ended run, whatever the status (tests); fine rollups still go only when ended. */
  all?: boolean;
}

/** Compacts a run: every row of an ended run; full chunks of older rows of an active one. Returns chunks written. */
export async function compactRun(pool: pg.Pool, runId: string, opts: CompactionOptions = {}): Promise<number> {
  const { chunkPoints = CHUNK_POINTS, keepRecentRows = KEEP_RECENT_ROWS } = opts;
  const run = await findRun(pool, runId);
  if (!run) return 0;
  const all = opts.all || FINAL_STATUSES.includes(run.status);
  let written = 0;
  for (const { key, rows } of await rowKeysOf(pool, runId)) {
    if (all) {
      while (await compactNextChunk(pool, runId, key, false, chunkPoints)) written++;
      continue;
    }
    for (let left = rows; left >= keepRecentRows + chunkPoints; left -= chunkPoints) {
      if (!(await compactNextChunk(pool, runId, key, true, chunkPoints))) break;
      written++;
    }
  }
  // Also when no key had rows left (compacted before the run ended): the job that follows the end drops them.
  if (all) await settleRollups(pool, runId);
  return written;
}

/** The pg-boss queue compaction jobs ({ runId }) go through. */
export const COMPACTION_QUEUE = 'metric-compaction';

/** Queues a run's compaction, in the caller's transaction when given (RunState's hook when a run ends). */
export function queueCompaction(queue: RunQueue, c: pg.ClientBase | null, runId: string): Promise<void> {
  return queue.sendBackground(c, COMPACTION_QUEUE, { runId }, runId);
}

/** What the periodic sweep hands to the queue: ended runs with rows, then long active runs. */
export async function compactionCandidates(pool: pg.Pool, limit: number): Promise<string[]> {
  const ended = await runsToCompact(pool, limit);
  return [...ended, ...(await longRunsToCompact(pool, KEEP_RECENT_ROWS + CHUNK_POINTS, limit))];
}
