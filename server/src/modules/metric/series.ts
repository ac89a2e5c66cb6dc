import { isUuid } from '@runboard/contract/ids';
import type pg from 'pg';
import { badInput } from '../../core/errors.ts';
import { ROLLUP_LEVELS } from './aggregate.ts';
import { DROPPED_ROLLUP_LEVELS } from './compaction.ts';
import { readPackedRollups, readSeries, seriesRowOf } from './history.ts';
import {
  ALL_EXTRAS,
  bucketedSeries,
  chunkedPairs,
  rawSeries,
  rolledSeries,
  type SeriesExtras,
  type SeriesRow,
  seriesExtents,
} from './store.ts';

export type { SeriesExtras } from './store.ts';

/**
 * Values as the API encodes MetricValue: numbers, or "NaN" / "Infinity" / "-Infinity". PostgreSQL's json
 * renders non-finite float8 exactly that way, so the columns pass from the database to the response as is.
 */
export type Encoded = number | string;

/** Columns not asked for (see SeriesExtras) are empty. */
export interface SeriesColumns {
  step: number[];
  value: Encoded[];
  min: (Encoded | null)[];
  max: (Encoded | null)[];
  wallTime: number[];
}

export interface Series {
  runId: string;
  key: string;
  downsampled: boolean;
  bucketSize: number;
  totalPoints: number;
  columns: SeriesColumns;
}

interface Plan {
  runId: string;
  key: string;
  count: number;
  firstStep: number;
  lastStep: number;
  /** raw points, buckets computed from raw history, or a rollup level */
  source: { kind: 'raw' } | { kind: 'bucket'; width: number } | { kind: 'rollup'; level: number };
}

const MAX_POINTS = 100_000;
const MAX_PAIRS = 100_000;

/** Series up to this many times maxPoints are bucketed from raw history: cheap enough, and exact widths. */
const RAW_BUCKETING_FACTOR = 8;

/**
 * Most raw rows one request may bucket from history. Above it every such series is read from the finest
 * rollup instead (fewer buckets, same min/max/last per bucket): bucketing costs ~1 ms per 1,000 raw rows,
 * so 100 runs x 2 keys x 2,500 steps took ~800 ms, while the rollups answer the same request in ~50 ms.
 * 100,000 rows still bucket 100 runs x 4 keys x 250 epochs exactly. Decided per request, not per series,
 * so the lines of one chart all have the same resolution.
 */
export const RAW_BUCKET_BUDGET = 100_000;

/**
 * Raw when the whole series fits; bucketed from history when it is at most 8x too long (so reading it is
 * bounded and the result has close to maxPoints buckets); else the finest rollup level that fits, which
 * then has at least maxPoints / 2 buckets (levels start at 16 = 2 x 8 steps and double).
 */
function choosePlan(count: number, firstStep: number, lastStep: number, maxPoints: number): Plan['source'] {
  if (count <= maxPoints) return { kind: 'raw' };
  if (count <= RAW_BUCKETING_FACTOR * maxPoints)
    return { kind: 'bucket', width: Math.ceil((lastStep - firstStep + 1) / maxPoints) };
  return rollupPlan(firstStep, lastStep, maxPoints);
}

/** The finest rollup level with at most maxPoints buckets over the series' step range. */
function rollupPlan(firstStep: number, lastStep: number, maxPoints: number): Plan['source'] {
  for (const level of ROLLUP_LEVELS) {
    const buckets = Math.floor(lastStep / 2 ** level) - Math.floor(firstStep / 2 ** level) + 1;
    if (buckets <= maxPoints) return { kind: 'rollup', level };
  }
  return { kind: 'rollup', level: ROLLUP_LEVELS[ROLLUP_LEVELS.length - 1]! };
}

/** Over the budget, series planned for raw bucketing read the rollups instead (see RAW_BUCKET_BUDGET). */
function withinBudget(plans: Plan[], maxPoints: number, budget: number): Plan[] {
  let rows = 0;
  for (const p of plans) if (p.source.kind === 'bucket') rows += p.count;
  if (rows <= budget) return plans;
  return plans.map((p) =>
    p.source.kind === 'bucket' ? { ...p, source: rollupPlan(p.firstStep, p.lastStep, maxPoints) } : p,
  );
}

/**
 * Many pairs are read as two queries on two pooled connections, so PostgreSQL builds one half's JSON while
 * this process parses the other's (the 400-series read went from ~190 to ~135 ms measured on 2 cores).
 * Each series is still read consistently on its own, as before (raw and rolled were already separate queries).
 */
const SPLIT_MIN_PAIRS = 64;

async function inParts(plans: Plan[], read: (part: Plan[]) => Promise<SeriesRow[]>): Promise<SeriesRow[]> {
  if (plans.length === 0) return [];
  if (plans.length < SPLIT_MIN_PAIRS) return read(plans);
  const half = Math.ceil(plans.length / 2);
  const parts = await Promise.all([read(plans.slice(0, half)), read(plans.slice(half))]);
  return parts.flat();
}

const widthOf = (p: Plan) => (p.source.kind === 'bucket' ? p.source.width : 0);
const levelOf = (p: Plan) => (p.source.kind === 'rollup' ? p.source.level : 0);

/** Series read through history.ts (rows + chunks) and bucketed here, the way the plan's SQL would have. */
async function fromHistory(db: pg.Pool, plans: Plan[]): Promise<SeriesRow[]> {
  if (plans.length === 0) return [];
  const series = await readSeries(db, plans);
  const out: SeriesRow[] = [];
  for (const p of plans) {
    const s = series.get(`${p.runId}\u0000${p.key}`);
    if (!s) continue;
    if (p.source.kind === 'raw') out.push(seriesRowOf(p.runId, p.key, s, 0, 0));
    else if (p.source.kind === 'bucket') out.push(seriesRowOf(p.runId, p.key, s, p.firstStep, p.source.width));
    else out.push(seriesRowOf(p.runId, p.key, s, 0, 2 ** p.source.level));
  }
  return out;
}

/**
 * Pairs the SQL reads did not answer: a rollup level compaction dropped is merged from the chunks' packed
 * level-4 buckets when the pair is all chunks; anything else is read and bucketed from decoded history.
 */
async function fromChunks(db: pg.Pool, plans: Plan[], allChunks: (p: Plan) => boolean): Promise<SeriesRow[]> {
  if (plans.length === 0) return [];
  const packed = plans.filter((p) => p.source.kind === 'rollup' && allChunks(p));
  const rest = plans.filter((p) => !(p.source.kind === 'rollup' && allChunks(p)));
  const [a, b] = await Promise.all([readPacked(db, packed, ALL_EXTRAS), fromHistory(db, rest)]);
  return [...a, ...b];
}

const readPacked = (db: pg.Pool, plans: Plan[], extras: SeriesExtras) =>
  readPackedRollups(
    db,
    plans.map((p) => ({ runId: p.runId, key: p.key, level: levelOf(p) })),
    extras,
  );

const DROPPED_LEVELS: readonly number[] = DROPPED_ROLLUP_LEVELS;

/**
 * metricSeries: the plan comes from metric_latest (counts and step ranges), then one query reads raw
 * history for small series and the chosen rollup level for long ones. Each series comes back as one
 * JSON row of arrays: far cheaper to transfer and parse than a row per point.
 * Each pair is read by its own ordered index range (LATERAL), so the aggregates consume rows already in
 * step/bucket order: no GROUP BY sort of every row (it spilled to disk at 400 series) and no per-aggregate
 * ORDER BY sorts. date_part (float8) instead of extract (numeric) for the wall times: same JSON, cheaper.
 * A series with fewer raw points than maxPoints is never downsampled, and a downsampled one never has
 * more than maxPoints buckets (see choosePlan and RAW_BUCKET_BUDGET for how many fewer).
 * `extras`: whether to build the min/max and wall-time columns (the resolver asks for what the query selects).
 */
export async function metricSeries(
  db: pg.Pool,
  runIds: string[],
  keys: string[],
  maxPoints: number,
  rawBucketBudget = RAW_BUCKET_BUDGET,
  extras: SeriesExtras = ALL_EXTRAS,
): Promise<Series[]> {
  if (!Number.isInteger(maxPoints) || maxPoints < 2 || maxPoints > MAX_POINTS)
    throw badInput('maxPoints', `must be between 2 and ${MAX_POINTS}`);
  const ids = runIds.filter((id) => isUuid(id));
  if (ids.length * keys.length > MAX_PAIRS)
    throw badInput('runIds', `at most ${MAX_PAIRS} (run, key) pairs per request`);
  if (ids.length === 0 || keys.length === 0) return [];
  const summaries = await seriesExtents(db, ids, keys);
  const plans = withinBudget(
    summaries.map((s) => ({ ...s, source: choosePlan(s.count, s.firstStep, s.lastStep, maxPoints) })),
    maxPoints,
    rawBucketBudget,
  );
  // Pairs with compressed chunks (issue #23) are read and bucketed from decoded history unless a rollup serves them.
  // All-chunk pairs at a level compaction dropped read the packed buckets at once: the rollup read finds nothing.
  const chunked = await chunkedPairs(db, ids, keys);
  const inRows = (p: Plan) => !chunked.has(`${p.runId}\u0000${p.key}`);
  const allChunks = (p: Plan) => chunked.get(`${p.runId}\u0000${p.key}`) === false;
  const isPacked = (p: Plan) => p.source.kind === 'rollup' && allChunks(p) && DROPPED_LEVELS.includes(levelOf(p));
  const raw = plans.filter((p) => p.source.kind === 'raw' && inRows(p));
  const bucketed = plans.filter((p) => p.source.kind === 'bucket' && inRows(p));
  const rolled = plans.filter((p) => p.source.kind === 'rollup' && !isPacked(p));
  const packed = plans.filter(isPacked);
  const [rawRows, bucketRows, rollRows, packedRows] = await Promise.all([
    inParts(raw, (part) => rawSeries(db, part, extras)),
    inParts(bucketed, (part) =>
      bucketedSeries(
        db,
        part.map((p) => ({ ...p, first: p.firstStep, width: widthOf(p) })),
        extras,
      ),
    ),
    inParts(rolled, (part) =>
      rolledSeries(
        db,
        part.map((p) => ({ ...p, level: levelOf(p) })),
        extras,
      ),
    ),
    inParts(packed, (part) => readPacked(db, part, extras)),
  ]);
  const byPair = new Map<string, SeriesRow>();
  for (const r of [...rawRows, ...bucketRows, ...rollRows, ...packedRows]) byPair.set(`${r.runId}\u0000${r.key}`, r);
  // Chunked pairs, and rolled pairs whose fine levels compaction dropped: from decoded history.
  const missing = plans.filter(
    (p) => !byPair.has(`${p.runId}\u0000${p.key}`) && (!inRows(p) || p.source.kind === 'rollup'),
  );
  for (const r of await fromChunks(db, missing, allChunks)) byPair.set(`${r.runId}\u0000${r.key}`, r);
  // Keep the caller's order: runs as given, keys as given.
  const planByPair = new Map(plans.map((p) => [`${p.runId}\u0000${p.key}`, p]));
  const out: Series[] = [];
  for (const runId of ids) {
    for (const key of keys) {
      const plan = planByPair.get(`${runId}\u0000${key}`);
      const row = byPair.get(`${runId}\u0000${key}`);
      if (!plan || !row) continue;
      out.push({
        runId,
        key,
        downsampled: plan.source.kind !== 'raw',
        bucketSize:
          plan.source.kind === 'raw' ? 1 : plan.source.kind === 'bucket' ? plan.source.width : 2 ** plan.source.level,
        totalPoints: plan.count,
        columns: {
          step: row.s,
          value: row.v,
          // raw points: each is its own bucket, whose min/max ignore NaN like the rollups do
          min: extras.extremes ? (row.mn ?? row.v.map((v) => (v === 'NaN' ? null : v))) : [],
          max: extras.extremes ? (row.mx ?? row.v.map((v) => (v === 'NaN' ? null : v))) : [],
          wallTime: row.w ?? [],
        },
      });
    }
  }
  return out;
}
