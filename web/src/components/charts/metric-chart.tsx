'use client';

import { memo, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Area, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from 'recharts';
import { formatNumber } from '@/lib/metric-value';
import type { ChartCols, XAxisMode } from '@/lib/series';
import { extent, FastLines } from './fast-lines';

/** Above this many lines, draw them with FastLines instead of one recharts <Line> each. */
const FAST_ABOVE = 12;

export interface ChartLine {
  id: string;
  label: string;
  color: string;
  cols: ChartCols;
  /** Draw the bucket min/max band (only meaningful where the server downsampled). */
  band?: boolean;
  dashed?: boolean;
}

interface Props {
  title: string;
  lines: ChartLine[];
  xMode: XAxisMode;
  height?: number;
  legend?: boolean;
  testId?: string;
}

function formatX(mode: XAxisMode) {
  if (mode === 'wall') return (v: number) => new Date(v).toLocaleTimeString();
  if (mode === 'relative') return (v: number) => `${formatNumber(v)}s`;
  return (v: number) => String(v);
}

const X_LABEL: Record<XAxisMode, string> = { step: 'step', wall: 'wall time', relative: 'seconds since first point' };

/**
 * Width of the element, measured before paint. Used instead of ResponsiveContainer, which renders an
 * empty frame first and the chart only on the next ResizeObserver callback (a visible delay with
 * many charts).
 */
function useWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState<number | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth((w) => (w === el.clientWidth ? w : el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width] as const;
}

type Row = Record<string, number | null | [number, number] | undefined>;

/**
 * All lines merged into one table keyed by x (y0, y1, ... and b0, b1, ... for bands). Recharts is far
 * faster with one chart-level data array than with a `data` prop per line (hundreds of lines register
 * separately otherwise). `aligned` says every line has the same x values, so a missing y is a real gap.
 */
function mergeLines(lines: ChartLine[]): { rows: Row[]; aligned: boolean } {
  const byX = new Map<number, Row>();
  let aligned = true;
  const first = lines[0]?.cols.x;
  lines.forEach((l, i) => {
    const { x, y, lo, hi } = l.cols;
    if (first && (x.length !== first.length || x.some((v, j) => v !== first[j]))) aligned = false;
    const yk = `y${i}`;
    const bk = `b${i}`;
    for (let j = 0; j < x.length; j++) {
      let row = byX.get(x[j]!);
      if (!row) byX.set(x[j]!, (row = { x: x[j]! }));
      row[yk] = Number.isFinite(y[j]!) ? y[j]! : null;
      if (l.band && lo && hi) row[bk] = Number.isFinite(lo[j]!) && Number.isFinite(hi[j]!) ? [lo[j]!, hi[j]!] : null;
    }
  });
  const rows = [...byX.values()].sort((a, b) => (a.x as number) - (b.x as number));
  return { rows, aligned };
}

/**
 * One metric chart. Animations and dots are off; with hundreds of lines they cost more than the
 * drawing itself.
 */
export const MetricChart = memo(function MetricChart({
  title,
  lines,
  xMode,
  height = 260,
  legend = false,
  testId,
}: Props) {
  const [box, width] = useWidth<HTMLDivElement>();
  const fmt = formatX(xMode);
  const empty = lines.every((l) => l.cols.x.length === 0);
  const fast = lines.length > FAST_ABOVE;
  const { rows, aligned } = useMemo(() => (fast ? { rows: [], aligned: true } : mergeLines(lines)), [lines, fast]);
  const domains = useMemo(() => (fast ? { x: extent(lines, 'x'), y: extent(lines, 'y') } : null), [lines, fast]);
  return (
    <figure
      className="chart"
      data-testid={testId}
      data-lines={lines.length}
      data-points={lines.reduce((n, l) => n + l.cols.x.length, 0)}
    >
      <figcaption>{title}</figcaption>
      {empty ? (
        <div className="chart-empty" style={{ height }}>
          No points logged yet.
        </div>
      ) : (
        <div ref={box} style={{ width: '100%', height }}>
          {width !== null && width > 0 && (
            <ComposedChart
              width={width}
              height={height}
              data={fast ? [{ x: domains?.x?.[0] ?? 0 }, { x: domains?.x?.[1] ?? 1 }] : rows}
              margin={{ top: 8, right: 16, bottom: 4, left: 4 }}
            >
              <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
              <XAxis
                type="number"
                dataKey="x"
                domain={domains?.x ?? ['dataMin', 'dataMax']}
                allowDataOverflow={fast}
                allowDecimals={xMode !== 'step'}
                tickFormatter={fmt}
                allowDuplicatedCategory={false}
                fontSize={11}
                label={{ value: X_LABEL[xMode], position: 'insideBottomRight', offset: -2, fontSize: 10 }}
              />
              <YAxis
                type="number"
                domain={domains?.y ?? ['auto', 'auto']}
                allowDataOverflow={fast}
                tickFormatter={(v: number) => formatNumber(v)}
                fontSize={11}
                width={56}
              />
              {!fast && (
                <Tooltip
                  isAnimationActive={false}
                  labelFormatter={(v) => `${X_LABEL[xMode]}: ${fmt(Number(v))}`}
                  formatter={(v) =>
                    Array.isArray(v) ? v.map((n) => formatNumber(n as number)).join(' – ') : formatNumber(v as number)
                  }
                />
              )}
              {legend && <Legend wrapperStyle={{ fontSize: 12 }} />}
              {fast && domains?.x && domains.y && <FastLines lines={lines} x={domains.x} y={domains.y} />}
              {!fast &&
                lines.map((l, i) =>
                  l.band ? (
                    <Area
                      key={`band-${l.id}`}
                      dataKey={`b${i}`}
                      name={`${l.label} min–max`}
                      stroke="none"
                      fill={l.color}
                      fillOpacity={0.15}
                      isAnimationActive={false}
                      activeDot={false}
                      legendType="none"
                      className="band"
                    />
                  ) : null,
                )}
              {!fast &&
                lines.map((l, i) => (
                  <Line
                    key={l.id}
                    dataKey={`y${i}`}
                    name={l.label}
                    stroke={l.color}
                    strokeWidth={1.5}
                    strokeDasharray={l.dashed ? '5 3' : undefined}
                    dot={false}
                    activeDot={{ r: 3 }}
                    isAnimationActive={false}
                    // Unaligned x values leave holes that are not gaps in this line's own data.
                    connectNulls={!aligned}
                    className={`run-line run-line-${l.id}`}
                  />
                ))}
            </ComposedChart>
          )}
        </div>
      )}
    </figure>
  );
});
