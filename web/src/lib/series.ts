import { toNumber, type WireNumber } from './metric-value';

/**
 * One (run, metric) series in columnar form, as metricSeries returns it, kept mutable so live points
 * can be merged in cheaply. min/max are bucket extremes when the server downsampled.
 */
export interface Series {
  runId: string;
  key: string;
  step: number[];
  value: number[];
  wall: number[];
  min: number[];
  max: number[];
  downsampled: boolean;
  /** Steps per bucket (1 for raw points): each x is a bucket's last step, so the data starts up to this much earlier. */
  bucketSize: number;
}

/** metricSeries' columns; a lean query (WorkspaceSeries) selects only steps and values. */
export interface SeriesColumnsWire {
  step: WireNumber[];
  value: WireNumber[];
  wallTime?: WireNumber[];
  min?: WireNumber[];
  max?: WireNumber[];
}

export function seriesFromColumns(
  runId: string,
  key: string,
  downsampled: boolean,
  c: SeriesColumnsWire,
  bucketSize = 1,
): Series {
  const value = c.value.map(toNumber);
  // Columns a lean query left out: each bucket is its last value, at an unknown time (mergePoint keeps
  // the arrays aligned with step).
  return {
    runId,
    key,
    downsampled,
    bucketSize,
    step: c.step.map(toNumber),
    value,
    wall: c.wallTime ? c.wallTime.map(toNumber) : new Array<number>(value.length).fill(Number.NaN),
    min: c.min ? c.min.map(toNumber) : value.slice(),
    max: c.max ? c.max.map(toNumber) : value.slice(),
  };
}

export function emptySeries(runId: string, key: string): Series {
  return { runId, key, step: [], value: [], wall: [], min: [], max: [], downsampled: false, bucketSize: 1 };
}

/**
 * Puts a raw point in step order. Logging the same (key, step) again replaces the value on the
 * server, so it replaces here too: re-applying a point is harmless (no duplicates).
 */
export function mergePoint(s: Series, step: number, value: number, wall: number) {
  const n = s.step.length;
  if (n === 0 || step > s.step[n - 1]!) {
    s.step.push(step);
    s.value.push(value);
    s.wall.push(wall);
    s.min.push(value);
    s.max.push(value);
    return;
  }
  // Binary search for the first index with step >= the new one.
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.step[mid]! < step) lo = mid + 1;
    else hi = mid;
  }
  if (s.step[lo] === step) {
    s.value[lo] = value;
    s.wall[lo] = wall;
    s.min[lo] = Math.min(s.min[lo]!, value);
    s.max[lo] = Math.max(s.max[lo]!, value);
  } else {
    s.step.splice(lo, 0, step);
    s.value.splice(lo, 0, value);
    s.wall.splice(lo, 0, wall);
    s.min.splice(lo, 0, value);
    s.max.splice(lo, 0, value);
  }
}

/**
 * Exponential moving average with TensorBoard's debiasing, so the first points are not dragged to 0.
 * NaN and infinities are skipped (kept as-is) rather than poisoning everything after them.
 */
export function ema(values: number[], weight: number): number[] {
  if (weight <= 0) return values;
  const out = new Array<number>(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    count++;
    out[i] = last / (1 - weight ** count);
  }
  return out;
}

export type XAxisMode = 'step' | 'wall' | 'relative';

/**
 * What a chart draws for one line, as parallel arrays (no object per point: with 100 runs x 4 metrics
 * the allocations alone were noticeable). y is NaN where there is nothing to draw (NaN/Infinity values).
 * lo/hi: bucket extremes, present when a min/max band should be drawn.
 */
export interface ChartCols {
  x: number[];
  y: number[];
  /** The unsmoothed values, drawn faintly behind y when smoothing is on. */
  raw?: number[];
  lo?: number[];
  hi?: number[];
  /** Where the data starts on x: a downsampled series' first x is its first bucket's LAST step. */
  x0?: number;
}

/** Chart columns for one series; reuses the series' own arrays where nothing needs computing. */
export function toChartCols(s: Series, xMode: XAxisMode, smoothing: number, withBand: boolean): ChartCols {
  const t0 = s.wall[0] ?? 0;
  const x = xMode === 'step' ? s.step : xMode === 'wall' ? s.wall : s.wall.map((w) => (w - t0) / 1000);
  const y = ema(s.value, smoothing);
  const cols: ChartCols = { x, y };
  if (smoothing > 0) cols.raw = s.value;
  if (withBand) {
    cols.lo = s.min;
    cols.hi = s.max;
  }
  // Buckets are aligned to multiples of their size (rollups) or start at the first step (bucketed history).
  if (xMode === 'step' && s.downsampled && s.step.length)
    cols.x0 = Math.max(0, Math.floor(s.step[0]! / s.bucketSize) * s.bucketSize);
  return cols;
}

/** The points the chart needs: roughly one per horizontal pixel is enough, never fewer than 50. */
export function maxPointsFor(widthPx: number): number {
  return Math.max(50, Math.min(2000, Math.round(widthPx)));
}

/**
 * Points per line of a chart that overlays `lines` runs: at most one per pixel, and about 10,000 per chart in
 * all, so 100 overlaid runs get 100 points each (the server keeps each bucket's min/max, so spikes survive)
 * and the page stays light enough to draw in well under a second.
 */
export const POINTS_PER_CHART = 10_000;
export function maxPointsForOverlay(widthPx: number, lines: number): number {
  return Math.max(50, Math.min(maxPointsFor(widthPx), Math.floor(POINTS_PER_CHART / Math.max(1, lines))));
}
