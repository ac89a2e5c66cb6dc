'use client';

import { useMemo } from 'react';
import { toChartCols, type XAxisMode } from '@/lib/series';
import { type LiveSeries, seriesKey } from '@/lib/use-live-series';
import { type ChartLine, MetricChart } from '../charts/metric-chart';

export interface CompareRun {
  id: string;
  name: string;
  color: string;
}

/** One chart per metric, every shown run overlaid in its own colour; one zoom for all charts. */
export function CompareCharts({
  runs,
  keys,
  data,
  xMode,
  smoothing,
  bands,
  zoom,
  onZoom,
  logY,
  onLogY,
}: {
  runs: CompareRun[];
  keys: string[];
  data: LiveSeries;
  xMode: XAxisMode;
  smoothing: number;
  bands: boolean;
  /** One x range for every chart (a drag on any chart zooms all), kept in the URL by the page. */
  zoom: [number, number] | null;
  onZoom: (z: [number, number] | null) => void;
  /** Keys drawn on a log y axis (in the URL too). */
  logY: string[];
  onLogY: (key: string, on: boolean) => void;
}) {
  const { series } = data;
  const charts = useMemo(
    () =>
      keys.map((key) => ({
        key,
        lines: runs.flatMap<ChartLine>((r) => {
          const s = series.get(seriesKey(r.id, key));
          if (!s) return [];
          return [
            {
              id: r.id,
              label: r.name,
              color: r.color,
              cols: toChartCols(s, xMode, smoothing, bands && s.downsampled),
              band: bands && s.downsampled,
            },
          ];
        }),
      })),
    // `series` is a new Map whenever live points were merged (see useLiveSeries).
    [runs, keys, series, xMode, smoothing, bands],
  );
  if (!keys.length)
    return (
      <p className="muted" data-testid="no-metrics">
        These runs have not logged any metrics yet; charts appear as soon as they do.
      </p>
    );
  return (
    <div className="charts" data-testid="compare-charts">
      {charts.map((c) => (
        <MetricChart
          key={c.key}
          title={c.key}
          lines={c.lines}
          xMode={xMode}
          testId={`chart-${c.key}`}
          zoom={zoom}
          onZoom={onZoom}
          logY={logY.includes(c.key)}
          onLogY={(on) => onLogY(c.key, on)}
        />
      ))}
    </div>
  );
}
