'use client';

import { memo, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import './charts.css';
import { formatNumber } from '@/lib/metric-value';
import { makeScale, type Scale, type ScaleKind } from '@/lib/scale';
import type { XAxisMode } from '@/lib/series';
import { Axes, formatX, MARGIN, tickCounts, X_LABEL } from './axes';
import {
  bandOf,
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
import { useWidth } from './use-width';

export type { ChartLine } from './chart-geometry';

interface Props {
  title: string;
  lines: ChartLine[];
  xMode: XAxisMode;
  height?: number;
  /** A legend under the chart whose entries hide/show their line (for charts of a few named lines). */
  legend?: boolean;
  testId?: string;
  /** A y range shared with sibling charts (per-run panels); used while the chart is linear and not zoomed. */
  yDomain?: [number, number] | null;
  /** The log-scale switches (off in the per-run panels, whose y ranges are shared). */
  scaleTools?: boolean;
  /**
   * A zoom owned by the page (with onZoom): sibling charts zoom together and the page may keep it in its
   * URL. Without onZoom each chart keeps its own.
   */
  zoom?: [number, number] | null;
  onZoom?: (range: [number, number] | null) => void;
  /** A log y switch owned by the page (with onLogY), e.g. kept in the URL. */
  logY?: boolean;
  onLogY?: (on: boolean) => void;
}

const M = MARGIN;
/** Drags shorter than this are clicks, not zooms. */
export const MIN_DRAG_PX = 5;

interface Built {
  id: string;
  color: string;
  dashed?: boolean;
  d: string;
  raw: string;
  band: string;
}

function build(lines: ChartLine[], sx: Scale, sy: Scale): Built[] {
  return lines.map((l) => {
    const { x, y, raw, lo, hi } = l.cols;
    const from = lowerBound(x, sx.domain[0]);
    const to = upperBound(x, sx.domain[1]);
    return {
      id: l.id,
      color: l.color,
      dashed: l.dashed,
      d: pathOf(x, y, sx, sy, from, to),
      raw: raw ? pathOf(x, raw, sx, sy, from, to) : '',
      band: l.band && lo && hi ? bandOf(x, lo, hi, sx, sy, from, to) : '',
    };
  });
}

/**
 * The lines, memoised apart from the hover state so moving the mouse never rebuilds paths. Each run is a
 * `.run-line` group: the faint raw series (when smoothed), the band, then the smoothed line.
 */
const Paths = memo(function Paths({ built }: { built: Built[] }) {
  return (
    <>
      {built.map((b) => (
        <g key={b.id} className={`run-line run-line-${b.id}`} data-line-id={b.id}>
          {b.band && <path className="band" d={b.band} fill={b.color} fillOpacity={0.12} stroke="none" />}
          {b.raw && (
            <path className="raw-curve" d={b.raw} fill="none" stroke={b.color} strokeOpacity={0.25} strokeWidth={1} />
          )}
          <path
            className="line-curve"
            d={b.d}
            fill="none"
            stroke={b.color}
            strokeWidth={1.4}
            strokeLinecap="round"
            strokeLinejoin="round"
            strokeDasharray={b.dashed ? '5 3' : undefined}
          />
        </g>
      ))}
    </>
  );
});

/**
 * One metric chart in plain SVG: drag on the plot to zoom x (double-click or "reset" to undo), log or
 * linear per axis, the nearest line highlighted with a tooltip at any number of lines, the raw series
 * faint behind a smoothed one. State is mirrored in data-* attributes (domains, scales, hovered line)
 * for tests and tools.
 */
export const MetricChart = memo(function MetricChart({
  title,
  lines,
  xMode,
  height = 260,
  legend = false,
  testId,
  yDomain,
  scaleTools = true,
  zoom: pageZoom,
  onZoom,
  logY: pageLogY,
  onLogY,
}: Props) {
  const [box, width] = useWidth<HTMLDivElement>();
  const [zoomed, setZoom] = useState<{ key: string; range: [number, number] } | null>(null);
  const [logX, setLogX] = useState(false);
  const [ownLogY, setOwnLogY] = useState(false);
  const logY = onLogY ? !!pageLogY : ownLogY;
  const setLogY = (f: (v: boolean) => boolean) => (onLogY ? onLogY(f(logY)) : setOwnLogY(f));
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const clipId = `clip${useId().replace(/[^\w-]/g, '')}`;
  // A zoom belongs to one x axis (step/time, linear/log): another makes it meaningless.
  const zoomKey = `${xMode}|${logX}`;
  const ownZoom = zoomed?.key === zoomKey ? zoomed.range : null;
  const zoom = onZoom ? (pageZoom ?? null) : ownZoom;
  const setZoomed = (range: [number, number] | null) =>
    onZoom ? onZoom(range) : setZoom(range && { key: zoomKey, range });

  const xKind: ScaleKind = logX ? 'log' : 'linear';
  const yKind: ScaleKind = logY ? 'log' : 'linear';
  const visible = useMemo(() => (hidden.size ? lines.filter((l) => !hidden.has(l.id)) : lines), [lines, hidden]);
  const w = Math.max(10, (width ?? 0) - M.left - M.right);
  const h = Math.max(10, height - M.top - M.bottom);
  const geo = useMemo(() => {
    const full = xExtent(visible, xKind);
    if (!full) return null;
    const xd = zoom ?? full;
    const shared = !zoom && yKind === 'linear' && yDomain ? yDomain : null;
    const ye = shared ?? yExtent(visible, xd, yKind);
    if (!ye) return null;
    const yd = shared ?? yDomainOf(ye, yKind, tickCounts(w, h).y);
    const sx = makeScale(xKind, xd, [0, w]);
    const sy = makeScale(yKind, yd, [h, 0]);
    return { sx, sy, built: build(visible, sx, sy) };
  }, [visible, zoom, xKind, yKind, yDomain, w, h]);

  const { hover, setHover, drag, onMove, onDown, onUp } = usePlotPointer(geo, visible, w, h, setZoomed);
  const toggle = useCallback(
    (id: string) =>
      setHidden((s) => {
        const n = new Set(s);
        if (!n.delete(id)) n.add(id);
        return n;
      }),
    [],
  );

  const hovered = hover ? visible.find((l) => l.id === hover.id) : undefined;
  const empty = lines.every((l) => l.cols.x.length === 0);
  return (
    <figure
      className="chart"
      data-testid={testId}
      data-lines={visible.length}
      data-points={visible.reduce((n, l) => n + l.cols.x.length, 0)}
      data-x-domain={geo ? geo.sx.domain.join(',') : ''}
      data-y-domain={geo ? geo.sy.domain.join(',') : ''}
      data-x-scale={xKind}
      data-y-scale={yKind}
      data-zoomed={zoom ? 'true' : 'false'}
      data-hover-id={hovered?.id ?? ''}
    >
      <figcaption className="chart-head">
        <span className="chart-title">{title}</span>
        <ChartTools
          zoomed={!!zoom}
          onReset={() => setZoomed(null)}
          scaleTools={scaleTools}
          logX={logX}
          onLogX={() => setLogX((v) => !v)}
          logY={logY}
          onLogY={() => setLogY((v) => !v)}
        />
      </figcaption>
      {empty ? (
        <div className="chart-empty" style={{ height }}>
          No points logged yet.
        </div>
      ) : (
        <div ref={box} className="chart-box" style={{ height }}>
          {width !== null && width > 0 && geo && (
            <svg width={width} height={height} role="img" aria-label={`${title} chart`}>
              <defs>
                <clipPath id={clipId}>
                  <rect width={w} height={h} />
                </clipPath>
              </defs>
              <g transform={`translate(${M.left},${M.top})`}>
                <Axes sx={geo.sx} sy={geo.sy} w={w} h={h} xMode={xMode} />
                <g clipPath={`url(#${clipId})`} className={hovered ? 'lines hovering' : 'lines'}>
                  <Paths built={geo.built} />
                  {hovered && (
                    <g className="hover-line" pointerEvents="none">
                      <path
                        d={geo.built.find((b) => b.id === hovered.id)?.d}
                        fill="none"
                        stroke={hovered.color}
                        strokeWidth={2.6}
                      />
                      <circle cx={hover!.px} cy={hover!.py} r={3.5} fill={hovered.color} />
                    </g>
                  )}
                </g>
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
                {/* biome-ignore lint/a11y/noStaticElementInteractions: a pointer surface (drag-zoom, hover); its actions are also buttons */}
                <rect
                  className="plot-overlay"
                  aria-label="Drag to zoom the x axis; double-click to reset"
                  data-testid={testId ? `${testId}-plot` : undefined}
                  width={w}
                  height={h}
                  fill="transparent"
                  style={{ cursor: 'crosshair', touchAction: 'none' }}
                  onPointerMove={onMove}
                  onPointerDown={onDown}
                  onPointerUp={onUp}
                  onPointerLeave={() => !drag && setHover(null)}
                  onDoubleClick={() => setZoomed(null)}
                />
              </g>
            </svg>
          )}
          {hovered && hover && (
            <ChartTooltip line={hovered} hover={hover} title={title} xMode={xMode} width={width ?? 0} />
          )}
        </div>
      )}
      {legend && <ChartLegend lines={lines} hidden={hidden} onToggle={toggle} />}
    </figure>
  );
});

type Geometry = { sx: Scale; sy: Scale; built: Built[] };
type Hover = Nearest & { px: number; py: number };

/** Hover (the nearest line, once per frame) and drag-to-zoom on the plot area, in plot pixels. */
function usePlotPointer(
  geo: Geometry | null,
  visible: ChartLine[],
  w: number,
  h: number,
  setZoomed: (range: [number, number] | null) => void,
) {
  const [hover, setHover] = useState<Hover | null>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const frame = useRef<number | null>(null);
  useEffect(() => () => void (frame.current !== null && cancelAnimationFrame(frame.current)), []);
  const plotX = (e: React.PointerEvent) => {
    const r = (e.currentTarget as Element).getBoundingClientRect();
    return [Math.min(w, Math.max(0, e.clientX - r.left)), Math.min(h, Math.max(0, e.clientY - r.top))] as const;
  };
  const onMove = (e: React.PointerEvent) => {
    const [px, py] = plotX(e);
    if (drag) {
      setDrag({ a: drag.a, b: px });
      return;
    }
    if (!geo || frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const n = nearestLine(visible, geo.sx, geo.sy, px, py);
      setHover(n ? { ...n, px: geo.sx.map(n.x), py: geo.sy.map(n.y) } : null);
    });
  };
  const onDown = (e: React.PointerEvent) => {
    if (e.button !== 0) return;
    (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
    const [px] = plotX(e);
    setDrag({ a: px, b: px });
  };
  const onUp = () => {
    if (drag && geo && Math.abs(drag.b - drag.a) >= MIN_DRAG_PX) {
      const a = geo.sx.invert(Math.min(drag.a, drag.b));
      const b = geo.sx.invert(Math.max(drag.a, drag.b));
      setZoomed([a, b]);
      setHover(null);
    }
    setDrag(null);
  };
  return { hover, setHover, drag, onMove, onDown, onUp };
}

/** Reset zoom (when zoomed) and the log-scale toggles. */
function ChartTools(p: {
  zoomed: boolean;
  onReset: () => void;
  scaleTools: boolean;
  logX: boolean;
  onLogX: () => void;
  logY: boolean;
  onLogY: () => void;
}) {
  return (
    <span className="chart-tools">
      {p.zoomed && (
        <button type="button" className="chip" onClick={p.onReset} data-testid="zoom-reset">
          reset zoom
        </button>
      )}
      {p.scaleTools && (
        <>
          <button
            type="button"
            className="chip"
            aria-pressed={p.logX}
            onClick={p.onLogX}
            data-testid="log-x"
            title="Logarithmic x axis"
          >
            log x
          </button>
          <button
            type="button"
            className="chip"
            aria-pressed={p.logY}
            onClick={p.onLogY}
            data-testid="log-y"
            title="Logarithmic y axis"
          >
            log y
          </button>
        </>
      )}
    </span>
  );
}

/** The hovered line's name and point (and the raw value behind a smoothed one), beside the pointer. */
function ChartTooltip({
  line,
  hover,
  title,
  xMode,
  width,
}: {
  line: ChartLine;
  hover: Hover;
  title: string;
  xMode: Props['xMode'];
  width: number;
}) {
  return (
    <div
      className="tooltip chart-tooltip"
      data-testid="chart-tooltip"
      data-run-id={line.id}
      style={{
        left: Math.min(M.left + hover.px + 12, Math.max(0, width - 190)),
        top: Math.max(0, M.top + hover.py - 44),
      }}
    >
      <div>
        <span className="swatch" style={{ background: line.color }} />
        <strong>{line.label}</strong>
      </div>
      <div>
        {X_LABEL[xMode]}: {formatX(xMode)(hover.x)}
      </div>
      <div>
        {title}: {formatNumber(hover.y)}
        {line.cols.raw && (
          <span className="muted"> (raw {formatNumber(line.cols.raw[hover.index] ?? Number.NaN)})</span>
        )}
      </div>
    </div>
  );
}

/** One button per line: click hides or shows it. */
function ChartLegend({
  lines,
  hidden,
  onToggle,
}: {
  lines: ChartLine[];
  hidden: ReadonlySet<string>;
  onToggle: (id: string) => void;
}) {
  return (
    <div className="chart-legend">
      {lines.map((l) => (
        <button
          key={l.id}
          type="button"
          className="legend-item"
          aria-pressed={!hidden.has(l.id)}
          data-testid="chart-legend-item"
          data-line-id={l.id}
          data-hidden={hidden.has(l.id) ? 'true' : 'false'}
          onClick={() => onToggle(l.id)}
        >
          <span className="swatch" style={{ background: l.color, opacity: hidden.has(l.id) ? 0.3 : 1 }} />
          {l.label}
        </button>
      ))}
    </div>
  );
}
