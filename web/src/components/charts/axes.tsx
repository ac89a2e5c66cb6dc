import { type Scale, tickLabel } from '@/lib/scale';
import type { XAxisMode } from '@/lib/series';
import { ticksOf } from './chart-geometry';

/**
 * What every chart shares: the plot margins, the x-axis formats and the axis layer. Ticks and the x label
 * sit in the bottom margin (the label on its own row under the ticks), never over the lines.
 */
export const MARGIN = { top: 8, right: 14, bottom: 34, left: 50 } as const;

export function formatX(mode: XAxisMode): (v: number) => string {
  if (mode === 'wall') return (v) => new Date(v).toLocaleTimeString();
  if (mode === 'relative') return (v) => `${tickLabel(v)}s`;
  return tickLabel;
}

export const X_LABEL: Record<XAxisMode, string> = {
  step: 'step',
  wall: 'wall time',
  relative: 'seconds since first point',
};

/** Ticks per axis for a plot of w x h pixels. */
export const tickCounts = (w: number, h: number) => ({
  x: Math.max(2, Math.floor(w / 90)),
  y: Math.max(2, Math.floor(h / 45)),
});

/**
 * Grid, tick labels and the x label of a plot at (0,0)-(w,h). Step axes get integer ticks only. Text is
 * `currentColor` (tick labels) and `--chart-muted` (axis label), so the chart theme in charts.css decides both.
 */
export function Axes({ sx, sy, w, h, xMode }: { sx: Scale; sy: Scale; w: number; h: number; xMode: XAxisMode }) {
  const n = tickCounts(w, h);
  const xt = ticksOf(sx, n.x, xMode === 'step');
  const yt = ticksOf(sy, n.y);
  const fmtX = formatX(xMode);
  return (
    <g className="axes">
      <g className="grid" stroke="var(--chart-grid)" strokeDasharray="3 3">
        {yt.map((t) => (
          <line key={`gy${t}`} x1={0} x2={w} y1={sy.map(t)} y2={sy.map(t)} />
        ))}
        {xt.map((t) => (
          <line key={`gx${t}`} y1={0} y2={h} x1={sx.map(t)} x2={sx.map(t)} />
        ))}
      </g>
      <g className="y-ticks" fontSize={11} textAnchor="end" fill="currentColor">
        {yt.map((t) => (
          <text key={t} x={-6} y={sy.map(t)} dy="0.32em" data-value={t}>
            {tickLabel(t)}
          </text>
        ))}
      </g>
      <g className="x-ticks" fontSize={11} textAnchor="middle" fill="currentColor">
        {xt.map((t) => (
          <text key={t} x={sx.map(t)} y={h + 14} data-value={t}>
            {fmtX(t)}
          </text>
        ))}
      </g>
      <text className="x-label" x={w} y={h + 28} fontSize={10} textAnchor="end" fill="var(--chart-muted)">
        {X_LABEL[xMode]}
      </text>
    </g>
  );
}
