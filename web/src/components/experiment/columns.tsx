import type { RunRowFragment } from '@/gql/graphql';
import { fieldSegment } from '@/lib/filter-complete';
import { flatten, formatJsonValue, utcTime } from '@/lib/format';
import { formatNumber, inferGoal, type NumberStyle, type WireNumber } from '@/lib/metric-value';

export interface Column {
  id: string;
  label: string;
  /** RunOrder.field for server-side sorting; null when the column cannot be sorted. */
  sortField: string | null;
  numeric?: boolean;
  /** The raw value (for export). */
  value(run: RunRowFragment): unknown;
  /** The cell text; numbers in the column's style (numberStyle over the loaded rows' values). */
  text(run: RunRowFragment, style?: NumberStyle): string;
}

export { fieldSegment };

export const BASE_COLUMNS: Column[] = [
  { id: 'name', label: 'Name', sortField: 'name', value: (r) => r.name, text: (r) => r.name },
  { id: 'status', label: 'Status', sortField: 'status', value: (r) => r.status, text: (r) => r.status },
  {
    id: 'createdAt',
    label: 'Created',
    sortField: 'createdAt',
    value: (r) => r.createdAt,
    text: (r) => utcTime(r.createdAt),
  },
  { id: 'tags', label: 'Tags', sortField: null, value: (r) => r.tags, text: (r) => r.tags.join(', ') },
];

const flatCache = new WeakMap<object, Record<string, unknown>>();
function flatConfig(run: RunRowFragment): Record<string, unknown> {
  const cfg = (run.config ?? {}) as object;
  let f = flatCache.get(cfg);
  if (!f) flatCache.set(cfg, (f = flatten(cfg)));
  return f;
}

export function configColumn(path: string): Column {
  return {
    id: `config.${path}`,
    label: path,
    sortField: `config.${path.split('.').map(fieldSegment).join('.')}`,
    numeric: true,
    value: (r) => flatConfig(r)[path] ?? null,
    text: (r, style) => {
      const v = flatConfig(r)[path];
      return typeof v === 'number' ? formatNumber(v, style) : formatJsonValue(v);
    },
  };
}

function summary(run: RunRowFragment, key: string) {
  return run.metrics.find((m) => m.key === key);
}

/**
 * A metric's columns: its last value, and its best (min or max by the goal its name implies, the
 * contract's inferGoal). A metric with no implied goal (lr, phase, ...) has no "best" column.
 */
export function metricColumns(key: string): Column[] {
  const field = `metrics.${fieldSegment(key)}`;
  const last: Column = {
    id: `last:${key}`,
    label: `${key} (last)`,
    sortField: field,
    numeric: true,
    value: (r) => summary(r, key)?.lastValue ?? null,
    text: (r, style) => formatNumber(summary(r, key)?.lastValue, style),
  };
  const goal = inferGoal(key);
  if (!goal) return [last];
  const agg = goal === 'MINIMIZE' ? 'min' : 'max';
  const best = (r: RunRowFragment): WireNumber => {
    const s = summary(r, key);
    return s ? (goal === 'MINIMIZE' ? s.min : s.max) : null;
  };
  return [
    last,
    {
      id: `best:${key}`,
      label: `${key} (${agg})`,
      sortField: `${agg}(${field})`,
      numeric: true,
      value: (r) => best(r),
      text: (r, style) => formatNumber(best(r), style),
    },
  ];
}

/** Config paths seen in the loaded runs, alphabetical (a stable place for every key). */
export function configPaths(runs: RunRowFragment[]): string[] {
  const seen = new Set<string>();
  for (const r of runs.slice(0, 500)) for (const k of Object.keys(flatConfig(r))) seen.add(k);
  return [...seen].sort((a, b) => a.localeCompare(b));
}

/** The config paths a run's user set: a launch's given keys, or the whole config of a createRun run. */
function setPaths(run: RunRowFragment): string[] {
  return run.userConfigKeys ?? Object.keys(flatConfig(run));
}

/**
 * Default config columns: the paths some run's user set (not the trainer defaults a launch filled in)
 * whose values differ between the loaded runs that have them; a path absent from some runs does not
 * count as differing. When none differ (one run, or identical runs), every user-set path. Alphabetical.
 */
export function defaultConfigPaths(runs: RunRowFragment[]): string[] {
  const sample = runs.slice(0, 500);
  const set = new Set(sample.flatMap(setPaths));
  const first = new Map<string, string>();
  const differ = new Set<string>();
  for (const run of sample) {
    for (const [k, v] of Object.entries(flatConfig(run))) {
      if (!set.has(k) || differ.has(k)) continue;
      const text = JSON.stringify(v);
      const seen = first.get(k);
      if (seen === undefined) first.set(k, text);
      else if (seen !== text) differ.add(k);
    }
  }
  return [...(differ.size ? differ : set)].sort((a, b) => a.localeCompare(b));
}

const MAX_DEFAULT_CONFIG_COLUMNS = 12;

/** The metrics people read first, in this order, when the experiment logs them. */
export const MAIN_METRICS = ['val_acc', 'val_loss', 'acc', 'loss', 'accuracy', 'val_accuracy'];

/**
 * Column choice as stored in the URL (`c:<path>`, `m:<key>`). Default: the user-set config keys that
 * vary (defaultConfigPaths) plus the main metrics (or the first two metrics when none of those is logged).
 */
export function chosenColumns(
  cols: string[] | null,
  runs: RunRowFragment[],
  metricKeys: string[],
): { config: string[]; metrics: string[] } {
  if (cols) {
    return {
      config: cols.filter((c) => c.startsWith('c:')).map((c) => c.slice(2)),
      metrics: cols.filter((c) => c.startsWith('m:')).map((c) => c.slice(2)),
    };
  }
  // Before the experiment's keys have loaded (e.g. server rendering), the keys the rows carry stand in.
  const known = metricKeys.length ? metricKeys : [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.key)))];
  const main = MAIN_METRICS.filter((k) => known.includes(k));
  return {
    // Capped so a run with hundreds of params still gives a readable table; the picker adds more.
    config: defaultConfigPaths(runs).slice(0, MAX_DEFAULT_CONFIG_COLUMNS),
    metrics: main.length ? main : known.filter((k) => !k.startsWith('system/')).slice(0, 2),
  };
}

/**
 * The metric summaries the runs query loads: the chosen metric columns, or by default the main metrics
 * (asked for before the experiment's keys are known, so the common case needs no second request),
 * falling back to the first two keys once it turns out none of the main ones is logged.
 */
export function metricKeysToFetch(cols: string[] | null, metricKeys: string[] | undefined): string[] {
  if (cols) return cols.filter((c) => c.startsWith('m:')).map((c) => c.slice(2));
  if (!metricKeys || MAIN_METRICS.some((k) => metricKeys.includes(k))) return MAIN_METRICS;
  return metricKeys.filter((k) => !k.startsWith('system/')).slice(0, 2);
}

export const columnIds = (c: { config: string[]; metrics: string[] }) => [
  ...c.config.map((p) => `c:${p}`),
  ...c.metrics.map((k) => `m:${k}`),
];
