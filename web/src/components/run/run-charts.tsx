'use client';

import { useMemo, useState } from 'react';
import { type Series, toChartCols, type XAxisMode } from '@/lib/series';
import { type LiveSeries, seriesKey } from '@/lib/use-live-series';
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

/**
 * A run's charts. Standalone (run page) it has its own x-axis and smoothing controls; in compare's
 * per-run panels (`compact`) those come from the page, with y ranges shared across panels.
 */
export function RunCharts({
  runId,
  data,
  compact = false,
  xMode: xModeProp,
  smoothing: smoothingProp,
  yDomains,
}: {
  runId: string;
  data: LiveSeries;
  compact?: boolean;
  xMode?: XAxisMode;
  smoothing?: number;
  yDomains?: Record<string, [number, number] | null>;
}) {
  const [ownXMode, setXMode] = useState<XAxisMode>('step');
  const [ownSmoothing, setSmoothing] = useState(0);
  const xMode = xModeProp ?? ownXMode;
  const smoothing = smoothingProp ?? ownSmoothing;
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
            <select value={xMode} onChange={(e) => setXMode(e.target.value as XAxisMode)}>
              <option value="step">step</option>
              <option value="relative">time since start</option>
              <option value="wall">wall time</option>
            </select>
          </label>
          <SmoothingSlider value={smoothing} onChange={setSmoothing} />
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
          />
        ))}
      </div>
    </>
  );
}
