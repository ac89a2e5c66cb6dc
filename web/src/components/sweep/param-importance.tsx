'use client';

import { useMemo } from 'react';
import { formatNumber } from '@/lib/metric-value';
import { type ParamAxis, parameterImportance, type SweepRow } from '@/lib/sweep-analysis';

/**
 * Parameter importance with respect to the metric, as W&B shows it: a random forest's share of the
 * explained variance per parameter, next to the plain correlation (green: higher metric with higher
 * value, red: lower). Computed here from the runs that logged the metric.
 */
export function ParamImportance({ rows, axes, metric }: { rows: SweepRow[]; axes: ParamAxis[]; metric: string }) {
  const done = rows.filter((r) => Number.isFinite(r.metric)).length;
  const items = useMemo(() => parameterImportance(rows, axes), [rows, axes]);
  return (
    <div className="panel" data-testid="param-importance">
      <h2>Parameter importance for {metric}</h2>
      {done < 4 ? (
        <p className="muted">
          Needs at least 4 runs that logged {metric} ({done} so far).
        </p>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>parameter</th>
              <th className="num" title="Share of the metric's variance a random forest attributes to the parameter">
                importance
              </th>
              <th className="num" title="Pearson correlation with the metric (log10 of log-scale parameters)">
                correlation
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((it) => (
              <tr
                key={it.name}
                data-testid="importance-row"
                data-param={it.name}
                data-importance={it.importance}
                data-correlation={it.correlation}
              >
                <td>{it.name}</td>
                <td className="num">
                  <Bar value={it.importance} color="#7c3aed" />
                  {Number.isFinite(it.importance) ? it.importance.toFixed(2) : '—'}
                </td>
                <td className="num">
                  <Bar value={Math.abs(it.correlation)} color={it.correlation >= 0 ? '#16a34a' : '#dc2626'} />
                  {Number.isFinite(it.correlation) ? formatNumber(Number(it.correlation.toFixed(2))) : '—'}
                  {it.level && <span className="muted small"> ({it.level})</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Bar({ value, color }: { value: number; color: string }) {
  const w = Number.isFinite(value) ? Math.round(Math.min(1, value) * 80) : 0;
  return (
    <span
      style={{
        display: 'inline-block',
        width: w,
        height: 8,
        background: color,
        marginRight: 6,
        verticalAlign: 'middle',
        borderRadius: 2,
      }}
    />
  );
}
