'use client';

import { useMemo } from 'react';
import { MetricSeriesDocument, type RunRowFragment } from '@/gql/graphql';
import { runColor } from '@/lib/colors';
import { groupChartCols, type StepSeries } from '@/lib/compare-groups';
import { useQuery } from '@/lib/data';
import type { RunGroup } from '@/lib/group-series';
import { toNumber } from '@/lib/metric-value';
import { type ChartLine, MetricChart } from '../charts/metric-chart';

/** Runs whose series are fetched for the group chart; beyond this the band would not change visibly. */
const MAX_RUNS = 300;
/** Series of the groups' runs, fetched once per (runs, metric), as mean-and-band chart lines per group. */
function useGroupLines(groups: RunGroup<RunRowFragment>[], metric: string, band: 'minmax' | 'std') {
  const runIds = useMemo(() => groups.flatMap((g) => g.runs.map((r) => r.id)).slice(0, MAX_RUNS), [groups]);
  const idsKey = runIds.join(',');
  const [{ data, error: failed }] = useQuery({
    query: MetricSeriesDocument,
    variables: { runIds: idsKey.split(','), keys: [metric], maxPoints: 200 },
    pause: !metric || !idsKey,
    requestPolicy: 'network-only',
  });
  const byRun = useMemo(() => {
    if (!data) return null;
    const m = new Map<string, StepSeries>();
    for (const s of data.metricSeries)
      m.set(s.runId, { step: s.columns.step.map(toNumber), value: s.columns.value.map(toNumber) });
    return m;
  }, [data]);
  const error = failed ? failed.message : null;
  const lines: ChartLine[] = useMemo(
    () =>
      byRun
        ? groups.flatMap((g, i) => {
            const cols = groupChartCols(
              g.runs.map((r) => byRun.get(r.id)),
              band,
            );
            return cols ? [{ id: g.key, label: g.label, color: runColor(i), cols, band: true }] : [];
          })
        : [],
    [byRun, groups, band],
  );
  return { lines, error, loading: !!metric && !byRun && !error, truncated: runIds.length >= MAX_RUNS };
}

/**
 * One metric per group: the mean over the group's runs as a line, with the min/max or ±std band (clipped
 * to min/max, see bandOf) behind it, drawn by the common MetricChart: the same ticks, tooltip, zoom, log
 * scales and legend as every other chart.
 */
export function GroupChart({
  groups,
  metric,
  metricKeys,
  band,
  onChange,
}: {
  groups: RunGroup<RunRowFragment>[];
  metric: string;
  metricKeys: string[];
  band: 'minmax' | 'std';
  onChange: (next: { chart?: string; band?: 'minmax' | 'std' }) => void;
}) {
  const { lines, error, loading, truncated } = useGroupLines(groups, metric, band);
  return (
    <div className="panel group-chart" data-testid="group-chart" data-band={band}>
      <div className="toolbar">
        <label htmlFor="group-metric" className="small muted">
          Group mean of
        </label>
        <input
          id="group-metric"
          list="group-metric-keys"
          defaultValue={metric}
          key={metric}
          placeholder="search a metric…"
          aria-label="Metric to chart per group"
          data-testid="group-metric"
          onChange={(e) => metricKeys.includes(e.target.value) && onChange({ chart: e.target.value })}
        />
        {/* A datalist filters as the user types: with 1,500 metrics the choice is a search. */}
        <datalist id="group-metric-keys">
          {metricKeys.slice(0, 2000).map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
        <label className="small">
          <input
            type="checkbox"
            checked={band === 'std'}
            onChange={(e) => onChange({ band: e.target.checked ? 'std' : 'minmax' })}
            data-testid="band-std"
          />{' '}
          ±std band, clipped to min/max (else min/max)
        </label>
        {truncated && <span className="muted small">first {MAX_RUNS} runs</span>}
      </div>
      {error && <p className="field-error">{error}</p>}
      {loading && <p className="muted">Loading series…</p>}
      {!loading && !error && (
        <MetricChart title={`${metric} by group`} lines={lines} xMode="step" legend testId="group-metric-chart" />
      )}
    </div>
  );
}
