/**
 * Grouping on the compare page: the compared runs grouped by their config values (compareRuns' flattened
 * config rows), and what an overlay chart draws for a group: the mean over its runs with a min/max or
 * ±std band. The statistics themselves are group-series.ts's, shared with the experiment page.
 */
// With its extension, and without series.ts: the repository's tests type-check this file under NodeNext.
import { bandOf, groupRuns, groupStats, type RunGroup, type StepPoint } from './group-series.ts';

/** The part of a series (series.ts) a group line reads. */
export interface StepSeries {
  step: readonly number[];
  value: number[];
}

/** What a chart draws for a group: series.ts's ChartCols with the band always present. */
export interface GroupCols {
  x: number[];
  y: number[];
  lo: number[];
  hi: number[];
  /** The unsmoothed mean, when the runs were smoothed. */
  raw?: number[];
}

/** compareRuns' config: one row per dotted path, `values` aligned with the runs compareRuns returned. */
export interface ConfigRows {
  runIds: readonly string[];
  rows: readonly { path: string; values: readonly unknown[] }[];
}

/**
 * The runs grouped by `keys`. A key without a row is the same in every run (differencesOnly left it out)
 * or in none, so it cannot split a group and is skipped; with no key left, every run is one group.
 * compareRuns answers null where a run lacks a key: that run joins the "—" group.
 */
export function groupCompareRuns<R extends { id: string }>(
  runs: readonly R[],
  keys: readonly string[],
  config: ConfigRows,
): RunGroup<R>[] {
  const byPath = new Map(config.rows.map((r) => [r.path, r.values]));
  const index = new Map(config.runIds.map((id, i) => [id, i]));
  const used = keys.filter((k) => byPath.has(k));
  const groups = groupRuns(runs, used, (run, key) => {
    const i = index.get(run.id);
    const v = i === undefined ? undefined : byPath.get(key)?.[i];
    return v === null ? undefined : v;
  });
  return used.length ? groups : groups.map((g) => ({ ...g, label: 'all runs' }));
}

const pointsOf = (s: StepSeries, values: readonly number[]): StepPoint[] =>
  s.step.map((step, i) => ({ step, value: values[i]! }));

/**
 * Chart columns of one group for one metric, on the step axis (runs of a group log the same steps; their
 * clocks do not line up). `smooth` (the page's EMA) applies to each run before averaging, so the band and
 * the mean agree; the unsmoothed mean is then the faint raw line. Null when no run of the group logged it.
 */
export function groupChartCols(
  series: readonly (StepSeries | undefined)[],
  band: 'minmax' | 'std',
  smooth?: (values: number[]) => readonly number[],
): GroupCols | null {
  const present = series.filter((s): s is StepSeries => !!s && s.step.length > 0);
  if (!present.length) return null;
  const stats = groupStats(present.map((s) => pointsOf(s, smooth ? smooth(s.value) : s.value)));
  const bands = stats.map((p) => bandOf(p, band));
  const cols: GroupCols = {
    x: stats.map((p) => p.step),
    y: stats.map((p) => p.mean),
    lo: bands.map((b) => b[0]),
    hi: bands.map((b) => b[1]),
  };
  if (smooth) {
    const raw = new Map(groupStats(present.map((s) => pointsOf(s, s.value))).map((p) => [p.step, p.mean]));
    cols.raw = cols.x.map((step) => raw.get(step) ?? Number.NaN);
  }
  return cols;
}
