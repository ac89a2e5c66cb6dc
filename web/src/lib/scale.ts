/**
 * Axis maths for the charts: 1-2-5 "nice" ticks and domains, log decades, and the maps between data and
 * pixels. Plain functions so the chart and the parallel-coordinates plot share them.
 */

export type ScaleKind = 'linear' | 'log';

export interface Scale {
  kind: ScaleKind;
  domain: [number, number];
  range: [number, number];
  /** data -> pixel (NaN for values a log scale cannot show) */
  map(v: number): number;
  /** pixel -> data */
  invert(px: number): number;
}

export function makeScale(kind: ScaleKind, domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (kind === 'log') {
    const l0 = Math.log10(d0);
    const k = (r1 - r0) / (Math.log10(d1) - l0 || 1);
    return {
      kind,
      domain,
      range,
      map: (v) => (v > 0 ? r0 + (Math.log10(v) - l0) * k : Number.NaN),
      invert: (px) => 10 ** (l0 + (px - r0) / k),
    };
  }
  const k = (r1 - r0) / (d1 - d0 || 1);
  return { kind, domain, range, map: (v) => r0 + (v - d0) * k, invert: (px) => d0 + (px - r0) / k };
}

/**
 * The 1, 2 or 5 x 10^n step that splits `span` into about `count` intervals (the nearest on a log scale,
 * as d3's ticks choose it).
 */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f >= Math.sqrt(50) ? 10 : f >= Math.sqrt(10) ? 5 : f >= Math.SQRT2 ? 2 : 1) * mag;
}

/** Rounds away float noise (0.30000000000000004 -> 0.3) at the step's precision. */
function clean(v: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(20, digits)));
}

/**
 * Multiples of a 1-2-5 step inside [lo, hi]. `integer` axes (steps, epochs) never get a step below 1:
 * a 3-step run is labelled 0, 1, 2, 3, not 0, 0.5, 1 ...
 */
export function linearTicks(lo: number, hi: number, count: number, integer = false): number[] {
  const step = integer ? Math.max(1, niceStep(hi - lo, count)) : niceStep(hi - lo, count);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(clean(v, step));
  return out;
}

/** Powers of ten inside [lo, hi]; over at most two decades also 2x and 5x. */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi > lo)) return [lo];
  const e0 = Math.floor(Math.log10(lo));
  const e1 = Math.ceil(Math.log10(hi));
  const mults = Math.log10(hi / lo) <= 2 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let e = e0; e <= e1; e++)
    for (const m of mults) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  // A narrow log range may hold no decade tick at all: fall back to nice linear ticks.
  return out.length >= 2 ? out : linearTicks(lo, hi, 4).filter((v) => v > 0);
}

/**
 * [lo, hi] widened to the enclosing 1-2-5 tick marks, so the axis ends on a labelled tick: 0.41..0.98
 * becomes 0.4..1 (not 1.05); a flat series gets a small span around its value.
 */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1;
    return [lo - pad, hi + pad];
  }
  const step = niceStep(hi - lo, count);
  return [clean(Math.floor(lo / step + 1e-9) * step, step), clean(Math.ceil(hi / step - 1e-9) * step, step)];
}

/** Domain of a log axis: the enclosing powers of ten when close, else the data's own ends. */
export function logDomain(lo: number, hi: number): [number, number] {
  if (!(lo > 0)) return [1, 10];
  if (lo === hi) return [lo / 2, hi * 2];
  const a = 10 ** Math.floor(Math.log10(lo));
  const b = 10 ** Math.ceil(Math.log10(hi));
  // Snap to decades only when that wastes less than half a decade on either side.
  return [Math.log10(lo / a) < 0.5 ? a : lo, Math.log10(b / hi) < 0.5 ? b : hi];
}

/** A tick label: the tick's own digits (ticks are already round), exponents for tiny and huge values. */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6))
    return v
      .toExponential()
      .replace(/\.?0+e/, 'e')
      .replace('e+', 'e');
  return String(Number(v.toPrecision(10)));
}
