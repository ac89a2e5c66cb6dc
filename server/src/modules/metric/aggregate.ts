/**
 * In-memory aggregation of one logMetrics batch, so the summary tables are updated with a few set-based
 * upserts instead of per-point work in SQL. NaN is kept as a value but ignored for min/max, like the SQL
 * that rebuilds summaries from history (see rebuildSummaries in store.ts and history.ts).
 */
export interface Point {
  key: string;
  step: number;
  value: number;
  wallTime: number; // ms since epoch
}

/** Rollup levels: bucket = step >> level, i.e. bucket widths 16, 32, ..., 65536 steps. */
export const ROLLUP_LEVELS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16] as const;

/**
 * "Fold on close" (issue #24): level 4 holds every point; the levels above it hold exactly the points before the
 * pair's frontier F = (last_step >> 4) << 4, i.e. all but those of the open level-4 bucket (last_step >> 4). A
 * batch writes its level-4 buckets only, plus, in the levels above, its points before the new frontier and the
 * stored level-4 bucket that closed (store.ts foldSql): a one-step batch of 10 keys inside an open bucket writes
 * 10 rollup rows instead of 130. Readers of levels >= 5 merge the open level-4 bucket into the last bucket
 * (store.ts withOpenBuckets).
 */
export const OPEN_LEVEL = 4;
export const FOLDED_LEVELS = ROLLUP_LEVELS.filter((l) => l > OPEN_LEVEL);

/** The first step of a pair's open level-4 bucket: levels above 4 hold exactly the points before it. */
export const frontierOf = (lastStep: number) => Math.floor(lastStep / 2 ** OPEN_LEVEL) * 2 ** OPEN_LEVEL;

export interface Extremes {
  minValue: number | null;
  minStep: number | null;
  maxValue: number | null;
  maxStep: number | null;
}

export interface KeySummary extends Extremes {
  key: string;
  firstStep: number;
  lastStep: number;
  lastValue: number;
  lastWallTime: number;
  count: number;
}

export interface BucketSummary {
  key: string;
  level: number;
  bucket: number;
  minValue: number | null;
  maxValue: number | null;
  lastStep: number;
  lastValue: number;
  lastWallTime: number;
  count: number;
}

/** Removes duplicate (key, step) pairs (the last one wins, as a sequential re-log would) and sorts by key, step. */
export function dedupe(points: Point[]): Point[] {
  const seen = new Map<string, Point>();
  for (const p of points) seen.set(`${p.key}\u0000${p.step}`, p);
  const out = seen.size === points.length ? points.slice() : [...seen.values()];
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.step - b.step));
}

/** Splits points sorted by key into runs of one key. */
export function groupByKey(sorted: Point[]): Point[][] {
  const groups: Point[][] = [];
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    if (i === sorted.length || sorted[i]!.key !== sorted[start]!.key) {
      groups.push(sorted.slice(start, i));
      start = i;
    }
  }
  return groups;
}

export function summarise(group: Point[]): KeySummary {
  const last = group[group.length - 1]!;
  const s: KeySummary = {
    key: last.key,
    firstStep: group[0]!.step,
    lastStep: last.step,
    lastValue: last.value,
    lastWallTime: last.wallTime,
    count: group.length,
    minValue: null,
    minStep: null,
    maxValue: null,
    maxStep: null,
  };
  for (const p of group) {
    if (Number.isNaN(p.value)) continue;
    // strict comparisons keep the first step at which an extreme was reached
    if (s.minValue === null || p.value < s.minValue) {
      s.minValue = p.value;
      s.minStep = p.step;
    }
    if (s.maxValue === null || p.value > s.maxValue) {
      s.maxValue = p.value;
      s.maxStep = p.step;
    }
  }
  return s;
}

/**
 * A key's rollup rows when its whole history is `group` (sorted by step): level 4 of every point, the levels
 * above of the points before the frontier (see OPEN_LEVEL). What a rebuild from history writes.
 */
export function settledBuckets(group: Point[]): BucketSummary[] {
  if (group.length === 0) return [];
  const frontier = frontierOf(group[group.length - 1]!.step);
  let n = 0;
  while (n < group.length && group[n]!.step < frontier) n++;
  return [...buckets(group, [OPEN_LEVEL]), ...buckets(group.slice(0, n), FOLDED_LEVELS)];
}

/** One pass per level over a key's points sorted by step. */
export function buckets(group: Point[], levels: readonly number[] = ROLLUP_LEVELS): BucketSummary[] {
  const out: BucketSummary[] = [];
  for (const level of levels) {
    const width = 2 ** level;
    let current: BucketSummary | null = null;
    for (const p of group) {
      const bucket = Math.floor(p.step / width);
      if (!current || current.bucket !== bucket) {
        current = {
          key: p.key,
          level,
          bucket,
          minValue: null,
          maxValue: null,
          lastStep: p.step,
          lastValue: p.value,
          lastWallTime: p.wallTime,
          count: 0,
        };
        out.push(current);
      }
      current.count++;
      current.lastStep = p.step;
      current.lastValue = p.value;
      current.lastWallTime = p.wallTime;
      if (!Number.isNaN(p.value)) {
        if (current.minValue === null || p.value < current.minValue) current.minValue = p.value;
        if (current.maxValue === null || p.value > current.maxValue) current.maxValue = p.value;
      }
    }
  }
  return out;
}
