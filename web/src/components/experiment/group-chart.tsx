'use client';

import { useEffect, useMemo, useState } from 'react';
import { useClient } from 'urql';
import { MetricSeriesDocument, type RunRowFragment } from '@/gql/graphql';
import { runColor } from '@/lib/colors';
import { bandOf, type GroupPoint, groupStats, type RunGroup, type StepPoint } from '@/lib/group-series';
import { formatNumber, toNumber } from '@/lib/metric-value';

/** Runs whose series are fetched for the group chart; beyond this the band would not change visibly. */
const MAX_RUNS = 300;
const W = 640;
const H = 240;
const PAD = { l: 56, r: 12, t: 10, b: 28 };

interface GroupLine {
  key: string;
  label: string;
  color: string;
  points: GroupPoint[];
}

/** Series of the groups' runs, fetched once per (runs, metric) and reduced with groupStats. */
function useGroupLines(groups: RunGroup<RunRowFragment>[], metric: string) {
  const client = useClient();
  const runIds = useMemo(() => groups.flatMap((g) => g.runs.map((r) => r.id)).slice(0, MAX_RUNS), [groups]);
  const idsKey = runIds.join(',');
  const [byRun, setByRun] = useState<Map<string, StepPoint[]> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!metric || !idsKey) return;
    let live = true;
    setByRun(null);
    client
      .query(
        MetricSeriesDocument,
        { runIds: idsKey.split(','), keys: [metric], maxPoints: 200 },
        { requestPolicy: 'network-only' },
      )
      .toPromise()
      .then((res) => {
        if (!live) return;
        if (res.error || !res.data) return setError(res.error?.message ?? 'No data');
        const m = new Map<string, StepPoint[]>();
        for (const s of res.data.metricSeries) {
          const steps = s.columns.step;
          m.set(
            s.runId,
            s.columns.value.map((v, i) => ({ step: toNumber(steps[i]), value: toNumber(v) })),
          );
        }
        setError(null);
        setByRun(m);
      });
    return () => {
      live = false;
    };
  }, [client, idsKey, metric]);
  const lines: GroupLine[] = useMemo(
    () =>
      byRun
        ? groups.map((g, i) => ({
            key: g.key,
            label: g.label,
            color: runColor(i),
            points: groupStats(g.runs.map((r) => byRun.get(r.id) ?? [])),
          }))
        : [],
    [byRun, groups],
  );
  return { lines, error, loading: !!metric && !byRun && !error, truncated: runIds.length >= MAX_RUNS };
}

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return [0, 1];
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

/**
 * One metric per group: the mean over the group's runs as a line, with the min/max or ±std band
 * behind it (statistics from lib/group-series). Plain SVG: no chart library in the table page's bundle.
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
  const { lines, error, loading, truncated } = useGroupLines(groups, metric);
  const [x0, x1] = extent(lines.flatMap((l) => l.points.map((p) => p.step)));
  const [y0, y1] = extent(lines.flatMap((l) => l.points.flatMap((p) => bandOf(p, band))));
  const sx = (x: number) => PAD.l + ((x - x0) / (x1 - x0)) * (W - PAD.l - PAD.r);
  const sy = (y: number) => PAD.t + (1 - (y - y0) / (y1 - y0)) * (H - PAD.t - PAD.b);
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => y0 + f * (y1 - y0));
  return (
    <figure className="panel group-chart" data-testid="group-chart">
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
          ±std band (else min/max)
        </label>
        {truncated && <span className="muted small">first {MAX_RUNS} runs</span>}
      </div>
      {error && <p className="field-error">{error}</p>}
      {loading && <p className="muted">Loading series…</p>}
      {!loading && !error && (
        <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${metric} by group`} className="group-svg">
          {yTicks.map((t) => (
            <g key={t}>
              <line x1={PAD.l} x2={W - PAD.r} y1={sy(t)} y2={sy(t)} className="grid-line" />
              <text x={PAD.l - 4} y={sy(t) + 4} textAnchor="end" className="tick">
                {formatNumber(t)}
              </text>
            </g>
          ))}
          <text x={PAD.l} y={H - 8} className="tick">
            {formatNumber(x0)}
          </text>
          <text x={W - PAD.r} y={H - 8} textAnchor="end" className="tick">
            step {formatNumber(x1)}
          </text>
          {lines.map((l) => {
            if (!l.points.length) return null;
            const upper = l.points.map((p) => `${sx(p.step)},${sy(bandOf(p, band)[1])}`);
            const lower = l.points.map((p) => `${sx(p.step)},${sy(bandOf(p, band)[0])}`).reverse();
            return (
              <g key={l.key} data-testid="group-line" data-group={l.label}>
                <polygon
                  points={[...upper, ...lower].join(' ')}
                  fill={l.color}
                  opacity={0.18}
                  data-testid="group-band"
                />
                <polyline
                  points={l.points.map((p) => `${sx(p.step)},${sy(p.mean)}`).join(' ')}
                  fill="none"
                  stroke={l.color}
                  strokeWidth={2}
                />
              </g>
            );
          })}
        </svg>
      )}
      <figcaption className="legend">
        {lines.map((l) => (
          <span key={l.key}>
            <span className="swatch" style={{ background: l.color }} /> {l.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
