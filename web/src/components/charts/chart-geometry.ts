import { linearTicks, logDomain, logTicks, niceDomain, type Scale, type ScaleKind } from '@/lib/scale';
import type { ChartCols } from '@/lib/series';

/** What the chart draws for one line. */
export interface ChartLine {
  id: string;
  label: string;
  color: string;
  cols: ChartCols;
  /** Draw the bucket min/max band (only meaningful where the server downsampled). */
  band?: boolean;
  dashed?: boolean;
}

const usable = (v: number, kind: ScaleKind) => Number.isFinite(v) && (kind === 'linear' || v > 0);

/** First index with x >= v in an ascending array. */
export function lowerBound(xs: number[], v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with x > v in an ascending array. */
export function upperBound(xs: number[], v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The data's x range (from each line's start, see ChartCols.x0), or null when nothing is drawable. */
export function xExtent(lines: ChartLine[], kind: ScaleKind): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of lines) {
    const { x, x0 } = l.cols;
    if (!x.length) continue;
    const first = x0 !== undefined && usable(x0, kind) ? x0 : x.find((v) => usable(v, kind));
    const last = x[x.length - 1]!;
    if (first !== undefined && first < lo) lo = first;
    if (usable(last, kind) && last > hi) hi = last;
  }
  if (!(lo <= hi)) return null;
  if (lo === hi) return kind === 'log' ? [lo / 2, hi * 2] : [lo - 1, hi + 1];
  return [lo, hi];
}

/** Extent of every drawn y (smoothed, raw, band) whose x lies inside [x0, x1]. */
export function yExtent(lines: ChartLine[], [x0, x1]: [number, number], kind: ScaleKind): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  const see = (arr: number[] | undefined, from: number, to: number) => {
    if (!arr) return;
    for (let i = from; i < to; i++) {
      const v = arr[i]!;
      if (!usable(v, kind)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  };
  for (const l of lines) {
    const { x, y, raw, lo: blo, hi: bhi } = l.cols;
    const from = lowerBound(x, x0);
    const end = upperBound(x, x1);
    see(y, from, end);
    see(raw, from, end);
    if (l.band) {
      see(blo, from, end);
      see(bhi, from, end);
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/** A y domain ending on ticks: nice 1-2-5 bounds (linear) or decades (log). */
export function yDomainOf(ext: [number, number], kind: ScaleKind, ticks: number): [number, number] {
  return kind === 'log' ? logDomain(ext[0], ext[1]) : niceDomain(ext[0], ext[1], ticks);
}

/** Ticks of a scale; `integer` (step axes) keeps linear ticks on whole numbers. */
export function ticksOf(scale: Scale, count: number, integer = false): number[] {
  const [a, b] = scale.domain;
  if (scale.kind === 'log') {
    const t = logTicks(a, b);
    const whole = t.filter(Number.isInteger);
    return integer && whole.length >= 2 ? whole : t;
  }
  return linearTicks(a, b, count, integer);
}

/**
 * SVG path data in pixels for one column; a gap where a value is not drawable (NaN, or <= 0 on a log
 * axis). Only points inside [from, to) plus one neighbour each side, so a zoomed chart draws little.
 * A point with no drawable neighbour gets a zero-length segment, which round line caps show as a dot
 * (a run with one logged epoch is visible).
 */
export function pathOf(x: number[], y: number[], sx: Scale, sy: Scale, from: number, to: number): string {
  let d = '';
  let run = 0; // points in the current subpath
  for (let i = Math.max(0, from - 1); i < Math.min(x.length, to + 1); i++) {
    const px = sx.map(x[i]!);
    const py = sy.map(y[i]!);
    if (!Number.isFinite(px) || !Number.isFinite(py)) {
      if (run === 1) d += 'h0';
      run = 0;
      continue;
    }
    d += `${run ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`;
    run++;
  }
  if (run === 1) d += 'h0';
  return d;
}

/** Closed band polygons (top edge forward, bottom edge back) split at gaps. */
export function bandOf(x: number[], lo: number[], hi: number[], sx: Scale, sy: Scale, from: number, to: number) {
  let out = '';
  let top: string[] = [];
  let bottom: string[] = [];
  const flush = () => {
    if (top.length > 1) out += `M${top.join('L')}L${bottom.reverse().join('L')}Z`;
    top = [];
    bottom = [];
  };
  for (let i = Math.max(0, from - 1); i < Math.min(x.length, to + 1); i++) {
    const px = sx.map(x[i]!);
    const a = sy.map(lo[i]!);
    const b = sy.map(hi[i]!);
    if (!Number.isFinite(px) || !Number.isFinite(a) || !Number.isFinite(b)) {
      flush();
      continue;
    }
    top.push(`${px.toFixed(1)},${b.toFixed(1)}`);
    bottom.push(`${px.toFixed(1)},${a.toFixed(1)}`);
  }
  flush();
  return out;
}

/** y of a line at data x, linearly interpolated between its neighbours (NaN outside its data). */
function yAt(x: number[], y: number[], v: number): number {
  const i = lowerBound(x, v);
  if (i >= x.length) return Number.NaN;
  if (x[i] === v || i === 0) return i === 0 && x[0]! > v ? Number.NaN : y[i]!;
  const x0 = x[i - 1]!;
  const t = (v - x0) / (x[i]! - x0 || 1);
  return y[i - 1]! + (y[i]! - y[i - 1]!) * t;
}

export interface Nearest {
  id: string;
  index: number;
  /** the smoothed value at the nearest point */
  y: number;
  x: number;
}

/**
 * The line closest to a pixel position, by vertical pixel distance at that x (interpolated between
 * points), then the data point nearest in x on it. One binary search per line: cheap at hundreds of lines.
 */
export function nearestLine(lines: ChartLine[], sx: Scale, sy: Scale, px: number, py: number): Nearest | null {
  const vx = sx.invert(px);
  let best: Nearest | null = null;
  let bestDist = Infinity;
  for (const l of lines) {
    const { x, y } = l.cols;
    if (!x.length) continue;
    const py2 = sy.map(yAt(x, y, vx));
    if (!Number.isFinite(py2)) continue;
    const d = Math.abs(py2 - py);
    if (d < bestDist) {
      const i = lowerBound(x, vx);
      const j = i > 0 && (i >= x.length || vx - x[i - 1]! < x[i]! - vx) ? i - 1 : i;
      bestDist = d;
      best = { id: l.id, index: j, x: x[j]!, y: y[j]! };
    }
  }
  return best;
}
