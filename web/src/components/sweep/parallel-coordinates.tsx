'use client';

import { useEffect, useMemo, useState } from 'react';
import { type Brushes, useBrushesInUrl } from '@/lib/brushes';
import { formatNumber } from '@/lib/metric-value';
import { linearTicks, logTicks, niceDomain, tickLabel } from '@/lib/scale';
import { encode, type ParamAxis, type SweepRow } from '@/lib/sweep-analysis';
import '../charts/charts.css';
import { useWidth } from '../charts/use-width';

const M = { top: 30, right: 56, bottom: 14, left: 56 };
const HEIGHT = 300;
/** Vertical drags shorter than this are clicks (which clear the axis' brush). */
const MIN_BRUSH_PX = 4;

interface Axis {
  name: string;
  label: string;
  kind: 'linear' | 'log' | 'category';
  /** value -> y in [0, h] (NaN when the value cannot be placed) */
  y: (row: SweepRow) => number;
  /** data units (see Brushes) <-> y */
  at: (v: number) => number;
  invert: (y: number) => number;
  ticks: { y: number; label: string }[];
}

function numericAxis(a: Extract<ParamAxis, { kind: 'linear' | 'log' }>, h: number): Axis {
  const log = a.kind === 'log';
  const [lo, hi] = a.min === a.max ? (log ? [a.min / 2, a.max * 2] : [a.min - 1, a.max + 1]) : [a.min, a.max];
  const l0 = log ? Math.log10(lo) : lo;
  const span = (log ? Math.log10(hi) : hi) - l0 || 1;
  const at = (v: number) => h - (((log ? Math.log10(v) : v) - l0) / span) * h;
  const invert = (y: number) => {
    const u = l0 + ((h - y) / h) * span;
    return log ? 10 ** u : u;
  };
  const ticks = (log ? logTicks(lo, hi) : linearTicks(lo, hi, 4)).map((t) => ({ y: at(t), label: tickLabel(t) }));
  return {
    name: a.name,
    label: a.name,
    kind: a.kind,
    at,
    invert,
    y: (r) => {
      const v = r.values[a.name];
      return typeof v === 'number' && (!log || v > 0) ? at(v) : Number.NaN;
    },
    ticks,
  };
}

function categoryAxis(a: Extract<ParamAxis, { kind: 'category' }>, h: number): Axis {
  const n = a.categories.length;
  const at = (k: number) => h - ((k + 0.5) / n) * h;
  return {
    name: a.name,
    label: a.name,
    kind: 'category',
    at,
    invert: (y) => ((h - y) / h) * n - 0.5,
    y: (r) => {
      const k = encode(a, r.values[a.name]);
      return k >= 0 ? at(k) : Number.NaN;
    },
    ticks: a.categories.map((c, k) => ({ y: at(k), label: c })),
  };
}

function metricAxis(metric: string, rows: SweepRow[], h: number): Axis {
  const ms = rows.map((r) => r.metric).filter(Number.isFinite);
  const [lo, hi] = ms.length ? niceDomain(Math.min(...ms), Math.max(...ms), 4) : [0, 1];
  const at = (v: number) => h - ((v - lo) / (hi - lo || 1)) * h;
  return {
    name: metric,
    label: metric,
    kind: 'linear',
    at,
    invert: (y) => lo + ((h - y) / h) * (hi - lo || 1),
    y: (r) => (Number.isFinite(r.metric) ? at(r.metric) : Number.NaN),
    ticks: linearTicks(lo, hi, 4).map((t) => ({ y: at(t), label: tickLabel(t) })),
  };
}

/** Good runs warm, poor runs cool, whichever way the goal points. */
function colorOf(metric: number, lo: number, hi: number, minimize: boolean): string {
  let t = hi > lo ? (metric - lo) / (hi - lo) : 0.5;
  if (minimize) t = 1 - t;
  return `hsl(${Math.round(230 - 200 * t)}, 70%, ${Math.round(45 + 5 * t)}%)`;
}

/** A brush in pixels of its axis ([top, bottom]); null when the axis is gone. */
function pixelsOf(axis: Axis | undefined, b: [number, number]): [number, number] | null {
  if (!axis) return null;
  const [p, q] = [axis.at(b[0]), axis.at(b[1])];
  return Number.isFinite(p) && Number.isFinite(q) ? [Math.min(p, q), Math.max(p, q)] : null;
}

/**
 * Parallel coordinates: one vertical axis per swept parameter (log for those spanning decades, categories
 * for non-numbers) and the metric last; one line per run that logged the metric. Drag along an axis to
 * brush a range; runs outside any brush fade, and `onSelect` receives the runs inside every brush (null
 * when nothing is brushed). A click on an axis clears its brush. Brushes live in the URL (`?brush=`).
 */
export function ParallelCoordinates({
  rows,
  axes: paramAxes,
  metric,
  minimize,
  onSelect,
}: {
  rows: SweepRow[];
  axes: ParamAxis[];
  metric: string;
  minimize: boolean;
  onSelect: (ids: Set<string> | null) => void;
}) {
  const [box, measured] = useWidth<HTMLDivElement>();
  const width = measured ?? 0;
  // Brushes in data units by axis name (see Brushes), in the URL.
  const [brushes, setBrushes] = useBrushesInUrl();
  const [drag, setDrag] = useState<{ axis: string; a: number; b: number } | null>(null);

  const h = HEIGHT - M.top - M.bottom;
  const plotted = useMemo(() => rows.filter((r) => Number.isFinite(r.metric)), [rows]);
  const axes = useMemo(
    () => [
      ...paramAxes.map((a) => (a.kind === 'category' ? categoryAxis(a, h) : numericAxis(a, h))),
      metricAxis(metric, plotted, h),
    ],
    [paramAxes, metric, plotted, h],
  );
  const step = axes.length > 1 ? Math.max(1, width - M.left - M.right) / (axes.length - 1) : 0;
  // The brushes in pixels of their axes (0 = top).
  const px = useMemo(() => {
    const out: Record<string, [number, number]> = {};
    for (const [name, b] of Object.entries(brushes)) {
      const p = pixelsOf(
        axes.find((a) => a.name === name),
        b,
      );
      if (p) out[name] = p;
    }
    return out;
  }, [brushes, axes]);
  const lines = useMemo(() => {
    const ms = plotted.map((r) => r.metric);
    const lo = Math.min(...ms);
    const hi = Math.max(...ms);
    return plotted.map((r) => {
      const ys = axes.map((a) => a.y(r));
      const inside = axes.every((a, i) => {
        const b = px[a.name];
        return !b || (ys[i]! >= b[0] && ys[i]! <= b[1]);
      });
      let d = '';
      let pen = false;
      ys.forEach((y, i) => {
        if (!Number.isFinite(y)) {
          pen = false;
          return;
        }
        d += `${pen ? 'L' : 'M'}${(i * step).toFixed(1)},${y.toFixed(1)}`;
        pen = true;
      });
      return { row: r, d, inside, color: colorOf(r.metric, lo, hi, minimize) };
    });
  }, [plotted, axes, px, step, minimize]);

  const brushed = Object.keys(px).length > 0;
  const selectedKey = brushed
    ? lines
        .filter((l) => l.inside)
        .map((l) => l.row.runId)
        .join(',')
    : null;
  useEffect(
    () => onSelect(selectedKey === null ? null : new Set(selectedKey ? selectedKey.split(',') : [])),
    [selectedKey, onSelect],
  );

  const yOf = (e: React.PointerEvent) => {
    const r = (e.currentTarget as Element).getBoundingClientRect();
    return Math.min(h, Math.max(0, e.clientY - r.top));
  };
  const endDrag = () => {
    if (!drag) return;
    const [a, b] = [Math.min(drag.a, drag.b), Math.max(drag.a, drag.b)];
    const axis = axes.find((x) => x.name === drag.axis);
    const next: Brushes = { ...brushes };
    if (b - a < MIN_BRUSH_PX || !axis) delete next[drag.axis];
    else next[drag.axis] = [axis.invert(b), axis.invert(a)];
    setBrushes(next);
    setDrag(null);
  };

  const selected = lines.filter((l) => l.inside).length;
  return (
    <figure
      className="chart"
      data-testid="parallel-coordinates"
      data-total={lines.length}
      data-selected={selected}
      data-brushed={Object.keys(px).join(',')}
    >
      <figcaption className="chart-head">
        <span className="chart-title">
          Parameters → {metric}
          <span className="muted small">
            {' '}
            ·{' '}
            {brushed
              ? `${selected} of ${lines.length} runs in the brushed ranges`
              : 'drag along an axis to filter runs'}
            {rows.length > plotted.length && ` · ${rows.length - plotted.length} without ${metric} yet`}
          </span>
        </span>
        {brushed && (
          <button type="button" className="chip" onClick={() => setBrushes({})} data-testid="pc-clear">
            clear brushes
          </button>
        )}
      </figcaption>
      <div ref={box} className="chart-box" style={{ height: HEIGHT }}>
        {width > 0 && (
          <svg width={width} height={HEIGHT} role="img" aria-label={`Parameters against ${metric}`}>
            <g transform={`translate(${M.left},${M.top})`}>
              <g className="pc-lines" fill="none">
                {lines.map((l) => (
                  <path
                    key={l.row.runId}
                    d={l.d}
                    stroke={l.inside ? l.color : 'var(--chart-muted)'}
                    strokeOpacity={l.inside ? 0.85 : 0.15}
                    strokeWidth={l.inside ? 1.5 : 1}
                    data-run-id={l.row.runId}
                    data-selected={l.inside ? 'true' : 'false'}
                  >
                    <title>
                      {l.row.name}: {metric} {formatNumber(l.row.metric)}
                    </title>
                  </path>
                ))}
              </g>
              {axes.map((a, i) => {
                const brush = drag?.axis === a.name ? [Math.min(drag.a, drag.b), Math.max(drag.a, drag.b)] : px[a.name];
                return (
                  <g
                    key={a.name}
                    transform={`translate(${i * step},0)`}
                    data-testid={`pc-axis-${a.name}`}
                    data-scale={a.kind}
                  >
                    <line y1={0} y2={h} stroke="currentColor" strokeOpacity={0.5} />
                    <text y={-12} textAnchor="middle" fontSize={12} fontWeight={600} fill="currentColor">
                      {a.label}
                      {a.kind === 'log' ? ' (log)' : ''}
                    </text>
                    {a.ticks.map((t) => (
                      <text
                        key={`${t.label}-${t.y}`}
                        x={-5}
                        y={t.y}
                        dy="0.32em"
                        textAnchor="end"
                        fontSize={10}
                        fill="currentColor"
                        className="pc-tick"
                      >
                        {t.label}
                      </text>
                    ))}
                    {brush && (
                      <rect
                        x={-7}
                        width={14}
                        y={brush[0]}
                        height={Math.max(1, brush[1]! - brush[0]!)}
                        fill="var(--accent, #2563eb)"
                        fillOpacity={0.25}
                        stroke="var(--accent, #2563eb)"
                        data-testid={`pc-brush-${a.name}`}
                      />
                    )}
                    <rect
                      x={-12}
                      width={24}
                      height={h}
                      fill="transparent"
                      style={{ cursor: 'ns-resize', touchAction: 'none' }}
                      data-testid={`pc-hit-${a.name}`}
                      onPointerDown={(e) => {
                        (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
                        const y = yOf(e);
                        setDrag({ axis: a.name, a: y, b: y });
                      }}
                      onPointerMove={(e) => drag?.axis === a.name && setDrag({ ...drag, b: yOf(e) })}
                      onPointerUp={endDrag}
                    />
                  </g>
                );
              })}
            </g>
          </svg>
        )}
      </div>
    </figure>
  );
}
