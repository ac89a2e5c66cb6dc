'use client';

import { memo, useMemo } from 'react';
import { useXAxisScale, useYAxisScale } from 'recharts';
import type { ChartLine } from './metric-chart';

/** Paths are built in a normalised 0..SPAN space in whole units: cheap to format, still sub-pixel. */
const SPAN = 10_000;

interface Built {
  id: string;
  color: string;
  label: string;
  dashed?: boolean;
  d: string;
  band: string;
}

/** Path strings, built once per data change (not per recharts re-render). */
function build(lines: ChartLine[], [x0, x1]: [number, number], [y0, y1]: [number, number]): Built[] {
  const kx = SPAN / (x1 - x0 || 1);
  const ky = SPAN / (y1 - y0 || 1);
  const nx = (v: number) => Math.round((v - x0) * kx);
  const ny = (v: number) => Math.round((v - y0) * ky);
  return lines.map((l) => {
    const { x, y, lo, hi } = l.cols;
    let d = '';
    let pen = false;
    let band = '';
    let top = '';
    let bottom: string[] = [];
    const flush = () => {
      if (bottom.length > 1) band += `M${top}L${bottom.reverse().join('L')}Z`;
      top = '';
      bottom = [];
    };
    for (let i = 0; i < x.length; i++) {
      const v = y[i]!;
      if (!Number.isFinite(v)) pen = false;
      else {
        d += `${pen ? 'L' : 'M'}${nx(x[i]!)},${ny(v)}`;
        pen = true;
      }
      if (l.band && lo && hi) {
        const a = lo[i]!;
        const b = hi[i]!;
        if (Number.isFinite(a) && Number.isFinite(b)) {
          const px = nx(x[i]!);
          top += `${top ? 'L' : ''}${px},${ny(b)}`;
          bottom.push(`${px},${ny(a)}`);
        } else flush();
      }
    }
    flush();
    return { id: l.id, color: l.color, label: l.label, dashed: l.dashed, d, band };
  });
}

const Paths = memo(function Paths({ built, transform }: { built: Built[]; transform: string }) {
  return (
    <g className="fast-lines" transform={transform}>
      {built.map((b) => (
        <g key={b.id} className={`run-line run-line-${b.id}`}>
          {b.band && <path className="band" d={b.band} fill={b.color} fillOpacity={0.12} stroke="none" />}
          <path
            className="line-curve"
            d={b.d}
            fill="none"
            stroke={b.color}
            strokeWidth={1.25}
            strokeDasharray={b.dashed ? '5 3' : undefined}
            // The group is scaled to pixels; keep strokes one pixel-ish wide.
            vectorEffect="non-scaling-stroke"
          >
            <title>{b.label}</title>
          </path>
        </g>
      ))}
    </g>
  );
});

/**
 * Draws many lines inside a recharts chart as plain SVG paths placed with the chart's own axis scales.
 * Used above a dozen lines: one recharts <Line> per run registers itself in recharts' store and costs
 * several re-render passes, which made 100 runs x 4 charts take seconds. Here paths are built once in
 * a normalised space and one transform maps them to pixels, so axis/layout re-renders cost nothing.
 * Same markup contract as <Line>: a `.run-line` group holding the path. x/y: the axes' domains.
 */
export function FastLines({ lines, x, y }: { lines: ChartLine[]; x: [number, number]; y: [number, number] }) {
  const xs = useXAxisScale();
  const ys = useYAxisScale();
  const built = useMemo(() => build(lines, x, y), [lines, x, y]);
  if (!xs || !ys) return null;
  // Linear scales: the domain ends give the affine map normalised -> pixels.
  const px0 = Number(xs(x[0]));
  const px1 = Number(xs(x[1]));
  const py0 = Number(ys(y[0]));
  const py1 = Number(ys(y[1]));
  if (![px0, px1, py0, py1].every(Number.isFinite)) return null;
  return <Paths built={built} transform={`matrix(${(px1 - px0) / SPAN} 0 0 ${(py1 - py0) / SPAN} ${px0} ${py0})`} />;
}

/** [min, max] over every drawn value (bands included), rounded outwards to readable tick bounds. */
export function extent(lines: ChartLine[], axis: 'x' | 'y'): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  const see = (arr: number[] | undefined) => {
    if (!arr) return;
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i]!;
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  };
  for (const l of lines) {
    if (axis === 'x') see(l.cols.x);
    else {
      see(l.cols.y);
      if (l.band) {
        see(l.cols.lo);
        see(l.cols.hi);
      }
    }
  }
  if (lo === Infinity) return null;
  if (axis === 'x') return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
  const span = hi - lo || Math.abs(hi) || 1;
  const unit = 10 ** Math.floor(Math.log10(span)) / 2;
  return [Math.floor(lo / unit) * unit, Math.ceil(hi / unit) * unit];
}
