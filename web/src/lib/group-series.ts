/**
 * Grouping runs by config values, and the per-step statistics a chart draws for a group
 * (mean line with a min/max or ±std band). Pure functions: the runs table and any chart can call them.
 */

/** Value at a dotted path of a (nested) config object, or undefined when absent. */
export function configValue(config: unknown, path: string): unknown {
  let cur: unknown = config;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** Display text of one grouping value ("—" when the run lacks the key). */
export function groupValueText(v: unknown): string {
  if (v === undefined) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export interface RunGroup<R> {
  /** Stable identity: the JSON of the values, in key order. */
  key: string;
  /** `lr=0.01, batch=32`. */
  label: string;
  values: unknown[];
  runs: R[];
}

/**
 * Runs grouped by the values at `keys` (runs without a key form their own "—" group). Groups are
 * ordered by their values (numbers numerically, then text), so `lr=0.001` comes before `lr=0.01`.
 */
export function groupRuns<R extends { config: unknown }>(runs: readonly R[], keys: readonly string[]): RunGroup<R>[];
/** The same over runs whose values are looked up elsewhere (the compare page has flattened config rows). */
export function groupRuns<R>(
  runs: readonly R[],
  keys: readonly string[],
  lookup: (run: R, key: string) => unknown,
): RunGroup<R>[];
export function groupRuns<R>(
  runs: readonly R[],
  keys: readonly string[],
  lookup: (run: R, key: string) => unknown = (run, key) => configValue((run as { config: unknown }).config, key),
): RunGroup<R>[] {
  const groups = new Map<string, RunGroup<R>>();
  for (const run of runs) {
    const values = keys.map((k) => lookup(run, k));
    const key = JSON.stringify(values.map((v) => (v === undefined ? null : v)));
    let g = groups.get(key);
    if (!g) {
      const label = keys.map((k, i) => `${k}=${groupValueText(values[i])}`).join(', ');
      groups.set(key, (g = { key, label, values, runs: [] }));
    }
    g.runs.push(run);
  }
  return [...groups.values()].sort((a, b) => compareValueLists(a.values, b.values));
}

function rank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  return v === undefined ? 4 : 3;
}

function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return groupValueText(a).localeCompare(groupValueText(b));
}

function compareValueLists(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

export interface StepPoint {
  step: number;
  value: number;
}

export interface GroupPoint {
  step: number;
  mean: number;
  min: number;
  max: number;
  std: number;
  /** How many runs contributed at this step (runs stop at different epochs). */
  n: number;
}

/**
 * Per-step mean, min, max and population std over the runs of a group. A step counts the runs that
 * logged it; NaN and infinite values are left out (they would turn the whole band into NaN).
 */
export function groupStats(series: readonly (readonly StepPoint[])[]): GroupPoint[] {
  const acc = new Map<number, { sum: number; sq: number; min: number; max: number; n: number }>();
  for (const points of series) {
    for (const { step, value } of points) {
      if (!Number.isFinite(value)) continue;
      const a = acc.get(step);
      if (!a) acc.set(step, { sum: value, sq: value * value, min: value, max: value, n: 1 });
      else {
        a.sum += value;
        a.sq += value * value;
        if (value < a.min) a.min = value;
        if (value > a.max) a.max = value;
        a.n++;
      }
    }
  }
  return [...acc.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([step, a]) => {
      const mean = a.sum / a.n;
      return { step, mean, min: a.min, max: a.max, std: Math.sqrt(Math.max(0, a.sq / a.n - mean * mean)), n: a.n };
    });
}

/**
 * The band to draw around the mean: [min, max], or mean ± std clipped to [min, max]. The clip keeps the
 * band inside what some run actually logged at that step: a loss band never dips below 0 and an accuracy
 * band never passes 1, while a tight group still shows its spread as ±std.
 */
export function bandOf(p: GroupPoint, band: 'minmax' | 'std'): [number, number] {
  if (band !== 'std') return [p.min, p.max];
  return [Math.max(p.min, p.mean - p.std), Math.min(p.max, p.mean + p.std)];
}

/**
 * Config paths (flattened, dotted) that vary between runs, alphabetical: first those whose values differ
 * among the runs that have them, then those only some runs have (e.g. keys a single launched run added),
 * so a cap on the number of columns keeps the informative ones.
 */
export function varyingPaths(flatConfigs: readonly Record<string, unknown>[]): string[] {
  const first = new Map<string, string>();
  const differ = new Set<string>();
  for (const flat of flatConfigs) {
    for (const [k, v] of Object.entries(flat)) {
      const text = JSON.stringify(v);
      const seen = first.get(k);
      if (seen === undefined) first.set(k, text);
      else if (seen !== text) differ.add(k);
    }
  }
  const partial = [...first.keys()].filter((k) => !differ.has(k) && flatConfigs.some((f) => !(k in f)));
  const alpha = (a: string, b: string) => a.localeCompare(b);
  return [...[...differ].sort(alpha), ...partial.sort(alpha)];
}
