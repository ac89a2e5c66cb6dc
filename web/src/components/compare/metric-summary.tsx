'use client';

import type { CompareRunsQuery } from '@/gql/graphql';
import { formatNumber } from '@/lib/metric-value';
import type { CompareRun } from './compare-charts';

type Metric = CompareRunsQuery['compareRuns']['metrics'][number];

/** Each run's best and final value per metric, with the step it was reached at; the best run in bold. */
export function MetricSummary({ runs, metrics }: { runs: CompareRun[]; metrics: Metric[] }) {
  if (!metrics.length) return null;
  return (
    <div className="panel">
      <h2>Best and final values</h2>
      <div className="table-scroll">
        <table className="grid" data-testid="metric-summary">
          <thead>
            <tr>
              <th rowSpan={2}>run</th>
              {metrics.map((m) => (
                <th key={m.key} colSpan={2} style={{ textAlign: 'center' }}>
                  {m.key}{' '}
                  <span className="muted">
                    ({m.goal === 'MINIMIZE' ? 'min is best' : m.goal === 'MAXIMIZE' ? 'max is best' : 'not ranked'})
                  </span>
                </th>
              ))}
            </tr>
            <tr>
              {metrics.flatMap((m) => [
                <th key={`${m.key}-b`} className="num">
                  best @ step
                </th>,
                <th key={`${m.key}-f`} className="num">
                  final @ step
                </th>,
              ])}
            </tr>
          </thead>
          <tbody>
            {runs.map((r, i) => (
              <tr key={r.id} data-testid="summary-row" data-run-id={r.id}>
                <td>
                  <span className="swatch" style={{ background: r.color }} />
                  {r.name}
                </td>
                {metrics.flatMap((m) => {
                  const res = m.results[i];
                  const isBest = m.bestRunId === r.id;
                  return [
                    <td
                      key={`${m.key}-b`}
                      className={`num ${isBest ? 'best' : ''}`}
                      title={isBest ? 'best run' : undefined}
                    >
                      {res?.best == null ? '—' : `${formatNumber(res.best)} @ ${res.bestStep}`}
                    </td>,
                    <td key={`${m.key}-f`} className="num">
                      {res?.final == null ? '—' : `${formatNumber(res.final)} @ ${res.finalStep}`}
                    </td>,
                  ];
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
