/**
 * Sweep analysis in the browser: how each swept parameter is laid out on an axis, its correlation with
 * the metric, and a model-based importance (a small seeded random forest's impurity decrease, the kind
 * of importance W&B's parameter-importance panel shows next to the correlation).
 */
// Also loaded by node's test runner (web/test/chart-math.test.ts): imports only what node resolves alone.
import { makeRng } from '@runboard/contract/rng';

/** How a value reads on a category axis (as the runs table shows it). */
export function formatJsonValue(v: unknown): string {
  if (v === undefined || v === null) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Whether positive values span at least `decades` powers of ten. */
export function spansDecades(values: number[], decades: number): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!(v > 0)) return false;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi / lo >= 10 ** decades;
}

/** One run of the sweep: its value of each parameter and its metric (NaN until logged). */
export interface SweepRow {
  runId: string;
  name: string;
  values: Record<string, unknown>;
  metric: number;
}

export type ParamAxis =
  | { name: string; kind: 'linear' | 'log'; min: number; max: number }
  | { name: string; kind: 'category'; categories: string[] };

/**
 * Numbers get a numeric axis: logarithmic when the space draws them log-uniformly, or when they are
 * positive and span two decades or more (a grid of learning rates); anything else (strings, booleans,
 * lists, a mix) is a category in order of first appearance.
 */
export function paramAxis(name: string, values: unknown[], space?: unknown): ParamAxis {
  const present = values.filter((v) => v !== undefined && v !== null);
  if (present.length && present.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const nums = present as number[];
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    const logSpace = (space as { distribution?: unknown } | null)?.distribution === 'log_uniform';
    return { name, kind: (logSpace && min > 0) || spansDecades(nums, 2) ? 'log' : 'linear', min, max };
  }
  return { name, kind: 'category', categories: [...new Set(values.map((v) => formatJsonValue(v)))] };
}

/** A parameter value as a number for the models: log10 on log axes, the category's index otherwise. */
export function encode(axis: ParamAxis, v: unknown): number {
  if (axis.kind === 'category') return axis.categories.indexOf(formatJsonValue(v));
  if (typeof v !== 'number') return Number.NaN;
  return axis.kind === 'log' ? Math.log10(v) : v;
}

export function pearson(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx && syy ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

interface ForestOptions {
  trees?: number;
  maxDepth?: number;
  minLeaf?: number;
  seed?: number;
}

const sse = (ys: number[], idx: number[]) => {
  let s = 0;
  let q = 0;
  for (const i of idx) {
    s += ys[i]!;
    q += ys[i]! * ys[i]!;
  }
  return q - (s * s) / (idx.length || 1);
};

/**
 * Grows one regression tree on `idx`, adding each split's decrease in squared error to `gain` of the
 * feature it split on. Each node tries a random subset of features (sqrt-ish, at least 1) and, per feature,
 * every threshold between distinct sorted values.
 */
function grow(
  X: number[][],
  ys: number[],
  idx: number[],
  depth: number,
  o: Required<ForestOptions>,
  gain: number[],
  rand: () => number,
) {
  if (depth >= o.maxDepth || idx.length < 2 * o.minLeaf) return;
  const parent = sse(ys, idx);
  if (parent <= 1e-12) return;
  const features = X[0]!.length;
  const tryCount = Math.max(1, Math.ceil(features * 0.6));
  const order = Array.from({ length: features }, (_, f) => f)
    .sort(() => rand() - 0.5)
    .slice(0, tryCount);
  let best: { f: number; t: number; gain: number } | null = null;
  for (const f of order) {
    const sorted = [...idx].sort((a, b) => X[a]![f]! - X[b]![f]!);
    // Running sums make every threshold of this feature O(1).
    let ls = 0;
    let lq = 0;
    let rs = 0;
    let rq = 0;
    for (const i of sorted) {
      rs += ys[i]!;
      rq += ys[i]! * ys[i]!;
    }
    for (let k = 0; k < sorted.length - 1; k++) {
      const y = ys[sorted[k]!]!;
      ls += y;
      lq += y * y;
      rs -= y;
      rq -= y * y;
      const a = X[sorted[k]!]![f]!;
      const b = X[sorted[k + 1]!]![f]!;
      const nl = k + 1;
      const nr = sorted.length - nl;
      if (a === b || nl < o.minLeaf || nr < o.minLeaf) continue;
      const g = parent - (lq - (ls * ls) / nl) - (rq - (rs * rs) / nr);
      if (!best || g > best.gain) best = { f, t: (a + b) / 2, gain: g };
    }
  }
  if (!best || best.gain <= 0) return;
  gain[best.f]! += best.gain;
  const left = idx.filter((i) => X[i]![best.f]! <= best.t);
  const right = idx.filter((i) => X[i]![best.f]! > best.t);
  grow(X, ys, left, depth + 1, o, gain, rand);
  grow(X, ys, right, depth + 1, o, gain, rand);
}

/**
 * Random-forest importance: total squared-error decrease per feature over bootstrap-sampled trees,
 * normalised to sum to 1 (all zeros when nothing explains the metric). X: rows x features, no NaN.
 */
export function forestImportance(X: number[][], ys: number[], opts: ForestOptions = {}): number[] {
  const o: Required<ForestOptions> = { trees: 60, maxDepth: 6, minLeaf: 2, seed: 1, ...opts };
  const features = X[0]?.length ?? 0;
  const gain = new Array<number>(features).fill(0);
  if (X.length < 4 || features === 0) return gain;
  const rand = makeRng(o.seed); // seeded, so the forest (and the importances shown) are reproducible
  for (let t = 0; t < o.trees; t++) {
    const sample = Array.from({ length: X.length }, () => Math.floor(rand() * X.length));
    grow(X, ys, sample, 0, o, gain, rand);
  }
  const total = gain.reduce((a, b) => a + b, 0);
  return total > 0 ? gain.map((g) => g / total) : gain;
}

export interface Importance {
  name: string;
  /** Pearson correlation with the metric (numeric: of the value, log10 on log axes; categories: the one-hot level with the largest |r|). */
  correlation: number;
  /** For categories: which level that correlation is of. */
  level?: string;
  /** Share of the forest's error reduction, 0..1. */
  importance: number;
}

/** Importance and correlation of each parameter over the runs that logged the metric, most important first. */
export function parameterImportance(rows: SweepRow[], axes: ParamAxis[]): Importance[] {
  const done = rows.filter((r) => Number.isFinite(r.metric));
  const ys = done.map((r) => r.metric);
  const X = done.map((r) => axes.map((a) => encode(a, r.values[a.name])));
  const usable = X.every((row) => row.every(Number.isFinite));
  const imp = usable ? forestImportance(X, ys) : axes.map(() => Number.NaN);
  return axes
    .map((a, f) => {
      if (a.kind !== 'category')
        return {
          name: a.name,
          correlation: pearson(
            X.map((r) => r[f]!),
            ys,
          ),
          importance: imp[f]!,
        };
      let best: { r: number; level: string } = { r: Number.NaN, level: '' };
      for (const [k, level] of a.categories.entries()) {
        const r = pearson(
          X.map((row) => (row[f] === k ? 1 : 0)),
          ys,
        );
        if (Number.isFinite(r) && !(Math.abs(r) <= Math.abs(best.r))) best = { r, level };
      }
      return { name: a.name, correlation: best.r, level: best.level || undefined, importance: imp[f]! };
    })
    .sort((a, b) => (b.importance || 0) - (a.importance || 0) || Math.abs(b.correlation) - Math.abs(a.correlation));
}
