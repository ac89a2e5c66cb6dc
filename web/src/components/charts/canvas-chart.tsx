'use client';

import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import './charts.css';
import { formatNumber } from '@/lib/metric-value';
import { makeScale, type Scale, type ScaleKind } from '@/lib/scale';
import type { XAxisMode } from '@/lib/series';
import { Axes, formatX, MARGIN as M, tickCounts, X_LABEL } from './axes';
import {
  type ChartLine,
  lowerBound,
  type Nearest,
  nearestLine,
  pathOf,
  upperBound,
  xExtent,
  yDomainOf,
  yExtent,
} from './chart-geometry';
import { MIN_DRAG_PX } from './metric-chart';
import { useWidth } from './use-width';

interface Props {
  title: string;
  lines: ChartLine[];
  xMode: XAxisMode;
  height?: number;
  testId?: string;
  /** The x range shown, owned by the caller so sibling panels zoom together (null = everything). */
  zoom: [number, number] | null;
  onZoom: (range: [number, number] | null) => void;
  /** Clicking a hovered line (a run) opens it. */
  onOpen?: (id: string) => void;
  /** The caller's own buttons, in the header next to "log y" (the plot's corners hold tick and axis labels). */
  tools?: React.ReactNode;
}

/**
 * Above this many lines, runs are stroked 1 px wide: Chromium's rasteriser draws 1 px strokes on its hairline
 * path and wider ones as filled outlines, which measured 5-10x slower (4 canvases x 1,000 runs x 32 points:
 * 250-560 ms at 1.2 px, 22-96 ms at 1 px, software raster, load ~15). A thousand overlapping lines read as
 * a texture either way; a few lines keep the heavier pen.
 */
const HAIRLINE_ABOVE = 50;

/** Lines (bands first, then strokes) on a 2-D canvas: one path per line, no DOM node per run. */
function paint(canvas: HTMLCanvasElement, lines: ChartLine[], sx: Scale, sy: Scale) {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  const pen = lines.length > HAIRLINE_ABOVE ? 1 : 1.2;
  for (const l of lines) {
    const { x, y, lo, hi } = l.cols;
    const from = Math.max(0, lowerBound(x, sx.domain[0]) - 1);
    const to = Math.min(x.length, upperBound(x, sx.domain[1]) + 1);
    if (l.band && lo && hi) {
      ctx.globalAlpha = 0.15;
      ctx.fillStyle = l.color;
      ctx.beginPath();
      for (let i = from; i < to; i++) {
        if (i === from) ctx.moveTo(sx.map(x[i]!), sy.map(hi[i]!));
        else ctx.lineTo(sx.map(x[i]!), sy.map(hi[i]!));
      }
      for (let i = to - 1; i >= from; i--) ctx.lineTo(sx.map(x[i]!), sy.map(lo[i]!));
      ctx.fill();
    }
    ctx.globalAlpha = l.band ? 1 : 0.8;
    ctx.strokeStyle = l.color;
    ctx.lineWidth = l.band ? 2 : pen;
    ctx.beginPath();
    let down = false;
    for (let i = from; i < to; i++) {
      const px = sx.map(x[i]!);
      const py = sy.map(y[i]!);
      if (!Number.isFinite(px) || !Number.isFinite(py)) {
        down = false;
        continue;
      }
      if (down) ctx.lineTo(px, py);
      else {
        ctx.moveTo(px, py);
        ctx.lineTo(px, py); // a lone point still shows as a dot (round caps)
        down = true;
      }
    }
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
}

/**
 * A metric chart for dense overlays (the workspace: up to thousands of runs per panel): the lines on a
 * canvas, the axes, hovered line, tooltip and pointer surface in SVG/HTML as in MetricChart, with the
 * same scales, ticks, margins and theme. Drag zooms x through `onZoom` (shared by sibling panels),
 * double-click resets, clicking a hovered run opens it; "log y" per panel.
 */
export const CanvasChart = memo(function CanvasChart({
  title,
  lines,
  xMode,
  height = 220,
  testId,
  zoom,
  onZoom,
  onOpen,
  tools,
}: Props) {
  const [box, width] = useWidth<HTMLDivElement>();
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const [logY, setLogY] = useState(false);
  const [hover, setHover] = useState<(Nearest & { px: number; py: number }) | null>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const [drawn, setDrawn] = useState(0);
  const frame = useRef<number | null>(null);
  useEffect(() => () => void (frame.current !== null && cancelAnimationFrame(frame.current)), []);
  const yKind: ScaleKind = logY ? 'log' : 'linear';
  const w = Math.max(10, (width ?? 0) - M.left - M.right);
  const h = Math.max(10, height - M.top - M.bottom);
  const geo = useMemo(() => {
    const full = xExtent(lines, 'linear');
    if (!full) return null;
    const xd = zoom ?? full;
    const ye = yExtent(lines, xd, yKind);
    if (!ye) return null;
    const sx = makeScale('linear', xd, [0, w]);
    const sy = makeScale(yKind, yDomainOf(ye, yKind, tickCounts(w, h).y), [h, 0]);
    return { sx, sy };
  }, [lines, zoom, yKind, w, h]);

  // Hovering never repaints the canvas (at 1,000 runs that is the cost of a hover): the hovered line is
  // drawn over it in the SVG layer.
  useLayoutEffect(() => {
    const c = canvas.current;
    if (!c || !geo) return;
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(w * dpr)) c.width = Math.round(w * dpr);
    if (c.height !== Math.round(h * dpr)) c.height = Math.round(h * dpr);
    paint(c, lines, geo.sx, geo.sy);
    setDrawn(lines.length);
  }, [geo, lines, w, h]);

  const at = (e: React.PointerEvent) => {
    const r = (e.currentTarget as Element).getBoundingClientRect();
    return [Math.min(w, Math.max(0, e.clientX - r.left)), Math.min(h, Math.max(0, e.clientY - r.top))] as const;
  };
  const onMove = (e: React.PointerEvent) => {
    const [px, py] = at(e);
    if (drag) return setDrag({ a: drag.a, b: px });
    if (!geo || frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const n = nearestLine(lines, geo.sx, geo.sy, px, py);
      setHover(n ? { ...n, px: geo.sx.map(n.x), py: geo.sy.map(n.y) } : null);
    });
  };
  const onUp = () => {
    if (drag && geo && Math.abs(drag.b - drag.a) >= MIN_DRAG_PX) {
      onZoom([geo.sx.invert(Math.min(drag.a, drag.b)), geo.sx.invert(Math.max(drag.a, drag.b))]);
      setHover(null);
    } else if (drag && hover && onOpen) onOpen(hover.id);
    setDrag(null);
  };

  const hovered = hover ? lines.find((l) => l.id === hover.id) : undefined;
  const fmtX = formatX(xMode);
  const empty = lines.every((l) => l.cols.x.length === 0);
  return (
    <figure
      className="chart canvas-chart"
      data-testid={testId}
      data-lines={lines.length}
      data-drawn={drawn}
      data-bands={lines.filter((l) => l.band).length}
      data-x-domain={geo ? geo.sx.domain.join(',') : ''}
      data-y-domain={geo ? geo.sy.domain.join(',') : ''}
      data-y-scale={yKind}
      data-zoomed={zoom ? 'true' : 'false'}
      data-hover-id={hovered?.id ?? ''}
    >
      <figcaption className="chart-head">
        <span className="chart-title">{title}</span>
        <span className="chart-tools">
          {zoom && (
            <button type="button" className="chip" onClick={() => onZoom(null)} data-testid="zoom-reset">
              reset zoom
            </button>
          )}
          <button
            type="button"
            className="chip"
            aria-pressed={logY}
            onClick={() => setLogY((v) => !v)}
            data-testid="log-y"
            title="Logarithmic y axis"
          >
            log y
          </button>
          {tools}
        </span>
      </figcaption>
      {empty ? (
        <div className="chart-empty" style={{ height }}>
          No points logged yet.
        </div>
      ) : (
        <div ref={box} className="chart-box" style={{ height }}>
          {width !== null && width > 0 && geo && (
            <>
              <canvas
                ref={canvas}
                style={{ position: 'absolute', left: M.left, top: M.top, width: w, height: h, pointerEvents: 'none' }}
              />
              <svg width={width} height={height} role="img" aria-label={`${title} chart`}>
                <g transform={`translate(${M.left},${M.top})`}>
                  <Axes sx={geo.sx} sy={geo.sy} w={w} h={h} xMode={xMode} />
                  {hovered && (
                    <g className="hover-line" pointerEvents="none">
                      <path
                        d={pathOf(hovered.cols.x, hovered.cols.y, geo.sx, geo.sy, 0, hovered.cols.x.length)}
                        fill="none"
                        stroke={hovered.color}
                        strokeWidth={2.6}
                      />
                      <circle cx={hover!.px} cy={hover!.py} r={3.5} fill={hovered.color} />
                    </g>
                  )}
                  {drag && Math.abs(drag.b - drag.a) > 0 && (
                    <rect
                      className="zoom-brush"
                      x={Math.min(drag.a, drag.b)}
                      width={Math.abs(drag.b - drag.a)}
                      height={h}
                      fill="var(--accent, #2563eb)"
                      fillOpacity={0.12}
                    />
                  )}
                  {/* biome-ignore lint/a11y/noStaticElementInteractions: a pointer surface (drag-zoom, hover, open); its actions are also buttons and the runs table's links */}
                  <rect
                    className="plot-overlay"
                    aria-label="Drag to zoom the x axis of every panel; double-click to reset; click a line to open its run"
                    data-testid={testId ? `${testId}-plot` : undefined}
                    width={w}
                    height={h}
                    fill="transparent"
                    style={{ cursor: hovered && onOpen ? 'pointer' : 'crosshair', touchAction: 'none' }}
                    onPointerMove={onMove}
                    onPointerDown={(e) => {
                      if (e.button !== 0) return;
                      (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
                      const [px] = at(e);
                      setDrag({ a: px, b: px });
                    }}
                    onPointerUp={onUp}
                    onPointerLeave={() => !drag && setHover(null)}
                    onDoubleClick={() => onZoom(null)}
                  />
                </g>
              </svg>
            </>
          )}
          {hovered && hover && (
            <div
              className="tooltip chart-tooltip"
              data-testid="chart-tooltip"
              data-run-id={hovered.id}
              style={{
                left: Math.min(M.left + hover.px + 12, Math.max(0, (width ?? 0) - 190)),
                top: Math.max(0, M.top + hover.py - 44),
              }}
            >
              <div>
                <span className="swatch" style={{ background: hovered.color }} />
                <strong>{hovered.label}</strong>
              </div>
              <div>
                {X_LABEL[xMode]}: {fmtX(hover.x)}
              </div>
              <div>
                {title}: {formatNumber(hover.y)}
              </div>
            </div>
          )}
        </div>
      )}
    </figure>
  );
});
