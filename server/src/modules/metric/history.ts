import type pg from 'pg';
import { type Point, settledBuckets, summarise } from './aggregate.ts';
import { decodeChunk } from './chunk-codec.ts';
import { type BucketColumns, emptyBuckets, mergePacked } from './rollup-pack.ts';
import {
  ALL_EXTRAS,
  type BatchPoint,
  type ChunkData,
  chunkDataOf,
  chunkedKeys,
  chunkMetasAfter,
  chunkRollupsOfPairs,
  chunksOfBatch,
  chunksOfPairs,
  deleteSummaries,
  type HistoryPoint,
  historyRows,
  insertStoredRows,
  mergeLatest,
  mergeRollups,
  pointsOfBatchRows,
  rawSeries,
  rebuildSummaries as rebuildSummariesFromRows,
  type SeriesExtras,
  type SeriesRow,
  type StoredColumns,
} from './store.ts';

/**
 * The one reader of metric history over both forms it is stored in (issue #23): rows of `metrics` for recent
 * points and compressed chunks (metric_chunks) for settled ones. Every history read — pages, series, live
 * replay, summaries rebuilt after a re-log or truncate — goes through here, so no caller knows the format.
 * Rows and chunks of a pair never hold the same step (see store.ts), so a read is a merge of two sorted lists.
 */

type Db = pg.Pool | pg.ClientBase;

export function decodeStored(chunk: ChunkData): StoredColumns {
  const c = decodeChunk(chunk.data);
  return { steps: c.steps, values: c.values, wallTimes: c.wallTimes, seqs: c.seqs };
}

/** Puts chunks taken by the write path back as rows (only steps <= keepUpTo); returns the points dropped per key. */
export async function restoreChunksAsRows(
  c: pg.ClientBase,
  runId: string,
  chunks: ChunkData[],
  keepUpTo = Number.POSITIVE_INFINITY,
): Promise<Map<string, number>> {
  const dropped = new Map<string, number>();
  for (const chunk of chunks) {
    const cols = decodeStored(chunk);
    let n = cols.steps.length;
    while (n > 0 && cols.steps[n - 1]! > keepUpTo) n--;
    const kept: StoredColumns = {
      steps: cols.steps.slice(0, n),
      values: cols.values.slice(0, n),
      wallTimes: cols.wallTimes.slice(0, n),
      seqs: cols.seqs.slice(0, n),
    };
    await insertStoredRows(c, runId, chunk.key, kept);
    if (n < cols.steps.length) dropped.set(chunk.key, (dropped.get(chunk.key) ?? 0) + cols.steps.length - n);
  }
  return dropped;
}

/** One page of a key's history after a step: rows and the chunks needed to fill `limit` points. */
export async function readHistory(
  db: Db,
  runId: string,
  key: string,
  afterStep: number,
  limit: number,
): Promise<HistoryPoint[]> {
  const [rows, metas] = await Promise.all([
    historyRows(db, runId, key, afterStep, limit),
    chunkMetasAfter(db, runId, key, afterStep),
  ]);
  if (metas.length === 0) return rows;
  // Only the first chunk can hold steps <= afterStep; past the last row of a full page nothing is needed.
  const bound = rows.length === limit ? rows[rows.length - 1]!.step : Number.POSITIVE_INFINITY;
  const wanted: number[] = [];
  let points = 0;
  for (const [i, m] of metas.entries()) {
    if (m.firstStep > bound || (i > 0 && points >= limit)) break;
    wanted.push(m.firstStep);
    if (i > 0) points += m.count;
  }
  const fromChunks: HistoryPoint[] = [];
  for (const chunk of await chunkDataOf(db, runId, key, wanted)) {
    const cols = decodeStored(chunk);
    for (let i = 0; i < cols.steps.length; i++) {
      if (cols.steps[i]! <= afterStep) continue;
      fromChunks.push({ key, step: cols.steps[i]!, value: cols.values[i]!, wallTime: new Date(cols.wallTimes[i]!) });
    }
  }
  return mergeByStep(rows, fromChunks).slice(0, limit);
}

function mergeByStep<T extends { step: number }>(a: T[], b: T[]): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.step < b[j]!.step)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** The points one batch wrote and still holds, from rows and from chunks (by their seq ranges). */
export async function readBatchPoints(db: pg.Pool, runId: string, seq: number): Promise<BatchPoint[]> {
  const [rows, chunks] = await Promise.all([pointsOfBatchRows(db, runId, seq), chunksOfBatch(db, runId, seq)]);
  if (chunks.length === 0) return rows;
  const out = rows.slice();
  for (const chunk of chunks) {
    const cols = decodeStored(chunk);
    for (let i = 0; i < cols.steps.length; i++) {
      if (cols.seqs[i] !== seq) continue;
      out.push({
        key: chunk.key,
        step: cols.steps[i]!,
        value: cols.values[i]!,
        wallTime: new Date(cols.wallTimes[i]!),
      });
    }
  }
  // A chunk's range lies within the batch's step range only if a point of the batch is in it: keep key, step order.
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.step - b.step));
}

/** A whole series in columns: steps, values (numbers), wall times (ms). */
export interface FullSeries {
  steps: number[];
  values: number[];
  wallTimes: number[];
}

const decodeJsonValue = (v: number | string): number => (typeof v === 'number' ? v : Number(v));

/** Whole series of these pairs, rows and chunks merged, keyed by `${runId}\0${key}` (absent: no points). */
export async function readSeries(db: Db, pairs: { runId: string; key: string }[]): Promise<Map<string, FullSeries>> {
  const [rows, chunks] = await Promise.all([rawSeries(db, pairs), chunksOfPairs(db, pairs)]);
  const out = new Map<string, FullSeries>();
  const fromChunks = new Map<string, FullSeries>();
  for (const chunk of chunks) {
    const id = `${chunk.runId}\u0000${chunk.key}`;
    let s = fromChunks.get(id);
    if (!s) fromChunks.set(id, (s = { steps: [], values: [], wallTimes: [] }));
    const cols = decodeStored(chunk);
    for (let i = 0; i < cols.steps.length; i++) {
      s.steps.push(cols.steps[i]!);
      s.values.push(cols.values[i]!);
      s.wallTimes.push(cols.wallTimes[i]!);
    }
  }
  for (const r of rows) {
    const id = `${r.runId}\u0000${r.key}`;
    // Read with every column (readSeries asks for wall times), so w is present.
    const mine: FullSeries = { steps: r.s, values: r.v.map(decodeJsonValue), wallTimes: r.w ?? [] };
    const other = fromChunks.get(id);
    out.set(id, other ? mergeSeries(mine, other) : mine);
    fromChunks.delete(id);
  }
  for (const [id, s] of fromChunks) out.set(id, s);
  return out;
}

function mergeSeries(a: FullSeries, b: FullSeries): FullSeries {
  const out: FullSeries = { steps: [], values: [], wallTimes: [] };
  let i = 0;
  let j = 0;
  while (i < a.steps.length || j < b.steps.length) {
    const fromA = j >= b.steps.length || (i < a.steps.length && a.steps[i]! < b.steps[j]!);
    const [s, k] = fromA ? [a, i++] : [b, j++];
    out.steps.push(s.steps[k]!);
    out.values.push(s.values[k]!);
    out.wallTimes.push(s.wallTimes[k]!);
  }
  return out;
}

/** A value as the API's JSON encodes it (PostgreSQL's json does the same for rows read in SQL). */
const encode = (v: number): number | string => (Number.isFinite(v) ? v : String(v));

/**
 * A series as raw points (width 0) or as buckets of `width` steps counted from `origin`, each with its last
 * point and its min/max ignoring NaN: the same shape BUCKET_SQL and the rollups return.
 */
export function seriesRowOf(runId: string, key: string, s: FullSeries, origin: number, width: number): SeriesRow {
  if (width === 0) return { runId, key, s: s.steps, v: s.values.map(encode), mn: null, mx: null, w: s.wallTimes };
  const w: number[] = [];
  const row: SeriesRow = { runId, key, s: [], v: [], mn: [], mx: [], w };
  let bucket = Number.NaN;
  let mn: number | null = null;
  let mx: number | null = null;
  const close = () => {
    row.mn!.push(mn === null ? null : encode(mn));
    row.mx!.push(mx === null ? null : encode(mx));
  };
  for (let i = 0; i < s.steps.length; i++) {
    const b = Math.floor((s.steps[i]! - origin) / width);
    if (b !== bucket) {
      if (row.s.length > 0) close();
      bucket = b;
      mn = null;
      mx = null;
      row.s.push(s.steps[i]!);
      row.v.push(encode(s.values[i]!));
      w.push(s.wallTimes[i]!);
    }
    const last = row.s.length - 1;
    row.s[last] = s.steps[i]!;
    row.v[last] = encode(s.values[i]!);
    w[last] = s.wallTimes[i]!;
    const v = s.values[i]!;
    if (!Number.isNaN(v)) {
      if (mn === null || v < mn) mn = v;
      if (mx === null || v > mx) mx = v;
    }
  }
  if (row.s.length > 0) close();
  return row;
}

/**
 * Series of all-chunk pairs at a rollup level >= 4 from the chunks' packed level-4 buckets (a sixteenth of the
 * points to decode), in the shape ROLLUP_SQL returns. One query for all pairs; buckets are merged as columns.
 */
export async function readPackedRollups(
  db: pg.Pool,
  pairs: { runId: string; key: string; level: number }[],
  extras: SeriesExtras = ALL_EXTRAS,
): Promise<SeriesRow[]> {
  if (pairs.length === 0) return [];
  const byPair = new Map<string, BucketColumns>();
  const levels = new Map(pairs.map((p) => [`${p.runId}\u0000${p.key}`, p.level]));
  for (const r of await chunkRollupsOfPairs(db, pairs)) {
    const id = `${r.runId}\u0000${r.key}`;
    let cols = byPair.get(id);
    if (!cols) byPair.set(id, (cols = emptyBuckets()));
    mergePacked(cols, r.rollup, levels.get(id)!, extras.extremes);
  }
  const out: SeriesRow[] = [];
  const opt = (v: number) => (Number.isNaN(v) ? null : encode(v));
  for (const p of pairs) {
    const b = byPair.get(`${p.runId}\u0000${p.key}`);
    if (!b) continue;
    out.push({
      runId: p.runId,
      key: p.key,
      s: b.steps,
      v: b.values.map(encode),
      mn: extras.extremes ? b.mins.map(opt) : null,
      mx: extras.extremes ? b.maxs.map(opt) : null,
      w: extras.wallTime ? b.wallTimes : null,
    });
  }
  return out;
}

/**
 * Recomputes metric_latest and metric_rollups for some keys of a run from their whole history (the rare path
 * after a re-log or truncate). Keys without chunks keep the set-based SQL; chunked keys are aggregated here
 * with the same functions ingest uses, so both give the same summaries.
 */
export async function rebuildSummaries(c: pg.ClientBase, runId: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  const chunked = await chunkedKeys(c, runId, keys);
  await rebuildSummariesFromRows(
    c,
    runId,
    keys.filter((k) => !chunked.has(k)),
  );
  if (chunked.size === 0) return;
  const list = [...chunked];
  await deleteSummaries(c, runId, list);
  const series = await readSeries(
    c,
    list.map((key) => ({ runId, key })),
  );
  for (const key of list) {
    const s = series.get(`${runId}\u0000${key}`);
    if (!s) continue;
    const points: Point[] = s.steps.map((step, i) => ({ key, step, value: s.values[i]!, wallTime: s.wallTimes[i]! }));
    await mergeLatest(c, runId, [summarise(points)]);
    await mergeRollups(c, runId, settledBuckets(points));
  }
}
