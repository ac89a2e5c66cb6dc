'use client';

import { useMemo } from 'react';
import { type CompareState, compareSearch, readCompareState } from '@/lib/compare-state';
import { type Series, toChartCols, type XAxisMode } from '@/lib/series';
import { type LiveSeries, seriesKey } from '@/lib/use-live-series';
import { useUrlSynced } from '@/lib/use-url-synced';
import { type ChartLine, MetricChart } from '../charts/metric-chart';
import { SmoothingSlider } from '../charts/smoothing-slider';

const TRAIN = '#1f77b4';
const VAL = '#ff7f0e';

/** The fixed groups of a run's charts: accuracy (acc, val_acc) and loss (loss, val_loss). */
export const RUN_GROUPS = [
  { id: 'accuracy', title: 'Accuracy (acc, val_acc)', keys: ['acc', 'val_acc'] },
  { id: 'loss', title: 'Loss (loss, val_loss)', keys: ['loss', 'val_loss'] },
];

/** Groups, then one chart per other metric. */
function groups(keys: string[]): { title: string; keys: string[]; id: string }[] {
  const out = [...RUN_GROUPS];
  const used = new Set(out.flatMap((g) => g.keys));
  for (const k of keys) if (!used.has(k)) out.push({ id: k, title: k, keys: [k] });
  return out;
}

/** One run's lines for a group of keys: training solid, validation dashed. */
export function panelLines(
  series: Map<string, Series>,
  runId: string,
  keys: string[],
  xMode: XAxisMode,
  smoothing: number,
): ChartLine[] {
  return keys.map<ChartLine>((k, i) => {
    const s = series.get(seriesKey(runId, k));
    return {
      id: k,
      label: k,
      color: i === 0 ? TRAIN : VAL,
      dashed: k.startsWith('val_'),
      cols: s ? toChartCols(s, xMode, smoothing, s.downsampled) : { x: [], y: [] },
      band: s?.downsampled,
    };
  });
}

type RunChartState = Pick<CompareState, 'xMode' | 'smoothing' | 'zoom'>;
/** The run page's chart settings: the compare page's `x`, `smooth` and `zoom` parameters, read the same way. */
const readRunChartState = (p: Pick<URLSearchParams, 'get'>): RunChartState => {
  const { xMode, smoothing, zoom } = readCompareState(p);
  return { xMode, smoothing, zoom };
};
const sameRunChartState = (a: RunChartState, b: RunChartState) =>
  a.xMode === b.xMode && a.smoothing === b.smoothing && String(a.zoom) === String(b.zoom);

/** The run page's x axis, smoothing and zoom, in its URL (replaceState: settling a slider is not history). */
function useRunChartState(): [RunChartState, (patch: Partial<RunChartState>) => void] {
  const [state, setState] = useUrlSynced(readRunChartState, sameRunChartState);
  const update = (patch: Partial<RunChartState>) => {
    setState((cur) => ({ ...cur, ...patch }));
    const { pathname, search } = window.location;
    const cur = readCompareState(new URLSearchParams(search));
    window.history.replaceState(null, '', `${pathname}${compareSearch(search, { ...cur, ...patch })}`);
  };
  return [state, update];
}

/**
 * A run's charts. Standalone (run page) it has its own x-axis and smoothing controls, kept in the URL with
 * one zoom for all its charts; in compare's per-run panels (`compact`) those come from the page, with y
 * ranges shared across panels unless the page says otherwise.
 */
export function RunCharts({
  runId,
  data,
  compact = false,
  xMode: xModeProp,
  smoothing: smoothingProp,
  yDomains,
  zoom: zoomProp,
  onZoom: onZoomProp,
}: {
  runId: string;
  data: LiveSeries;
  compact?: boolean;
  xMode?: XAxisMode;
  smoothing?: number;
  yDomains?: Record<string, [number, number] | null>;
  zoom?: [number, number] | null;
  onZoom?: (z: [number, number] | null) => void;
}) {
  const [own, setOwn] = useRunChartState();
  const xMode = xModeProp ?? own.xMode;
  const smoothing = smoothingProp ?? own.smoothing;
  const zoom = onZoomProp ? (zoomProp ?? null) : own.zoom;
  const onZoom = onZoomProp ?? ((z: [number, number] | null) => setOwn({ zoom: z }));
  const { series, keys } = data;
  const charts = useMemo(
    () =>
      groups(compact ? [] : keys).map((g) => ({
        ...g,
        lines: panelLines(series, runId, g.keys, xMode, smoothing),
      })),
    [series, keys, compact, runId, xMode, smoothing],
  );
  return (
    <>
      {!compact && (
        <div className="controls">
          <label>
            x-axis
            <select
              value={xMode}
              onChange={(e) => setOwn({ xMode: e.target.value as XAxisMode, zoom: null })}
              data-testid="x-axis"
            >
              <option value="step">step</option>
              <option value="relative">time since start</option>
              <option value="wall">wall time</option>
            </select>
          </label>
          <SmoothingSlider value={smoothing} onChange={(v) => setOwn({ smoothing: v })} />
        </div>
      )}
      <div className={compact ? 'charts charts-compact' : 'charts'}>
        {charts.map((c) => (
          <MetricChart
            key={c.id}
            title={c.title}
            lines={c.lines}
            xMode={xMode}
            legend
            height={compact ? 180 : 260}
            testId={`chart-${c.id}`}
            yDomain={yDomains?.[c.id] ?? null}
            scaleTools={!compact}
            zoom={zoom}
            onZoom={onZoom}
          />
        ))}
      </div>
    </>
  );
}
