'use client';

import { useMemo } from 'react';
import { groupChartCols } from '@/lib/compare-groups';
import { ema } from '@/lib/series';
import { type LiveSeries, seriesKey } from '@/lib/use-live-series';
import { type ChartLine, MetricChart } from '../charts/metric-chart';
import type { CompareRun } from './compare-charts';

export interface CompareGroup {
  key: string;
  label: string;
  color: string;
  runs: CompareRun[];
}

/** The groups with their colours and run counts (the runs legend above still hides single runs). */
export function GroupLegend({ groups }: { groups: CompareGroup[] }) {
  return (
    <div className="run-legend" data-testid="group-legend">
      {groups.map((g) => (
        <span
          key={g.key}
          className="legend-entry"
          data-testid="group-legend-item"
          data-group={g.label}
          data-count={g.runs.length}
        >
          <span className="swatch" style={{ background: g.color }} />
          {g.label}
          {/* A margin, not a space: the legend entries are flex boxes, which drop spaces between items. */}
          <span className="muted" style={{ marginLeft: 4 }}>
            ({g.runs.length})
          </span>
        </span>
      ))}
    </div>
  );
}

/**
 * One chart per metric with a line per group: the mean of its runs, with the min/max or ±std band
 * behind it. Always by step: runs' clocks do not line up, so a per-time mean would mix epochs.
 */
export function CompareGroupCharts({
  groups,
  keys,
  data,
  smoothing,
  band,
}: {
  groups: CompareGroup[];
  keys: string[];
  data: LiveSeries;
  smoothing: number;
  band: 'minmax' | 'std';
}) {
  const { series } = data;
  const smooth = useMemo(() => (smoothing > 0 ? (v: number[]) => ema(v, smoothing) : undefined), [smoothing]);
  const charts = useMemo(
    () =>
      keys.map((key) => ({
        key,
        lines: groups.flatMap<ChartLine>((g) => {
          const cols = groupChartCols(
            g.runs.map((r) => series.get(seriesKey(r.id, key))),
            band,
            smooth,
          );
          return cols ? [{ id: g.key, label: `${g.label} (${g.runs.length})`, color: g.color, cols, band: true }] : [];
        }),
      })),
    // `series` is a new Map whenever live points were merged (see useLiveSeries).
    [groups, keys, series, smooth, band],
  );
  return (
    <div className="charts" data-testid="group-charts" data-groups={groups.length} data-band={band}>
      {charts.map((c) => (
        <MetricChart key={c.key} title={c.key} lines={c.lines} xMode="step" testId={`chart-${c.key}`} />
      ))}
    </div>
  );
}
