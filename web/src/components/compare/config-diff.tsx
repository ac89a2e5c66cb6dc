'use client';

import type { CompareRunsQuery } from '@/gql/graphql';
import { formatJsonValue } from '@/lib/format';
import type { CompareRun } from './compare-charts';

type Row = CompareRunsQuery['compareRuns']['config'][number];

export function ConfigDiff({
  runs,
  rows,
  differencesOnly,
  onToggle,
  loading,
}: {
  runs: CompareRun[];
  rows: Row[];
  differencesOnly: boolean;
  onToggle: (v: boolean) => void;
  loading: boolean;
}) {
  return (
    <div className="panel">
      <div className="toolbar" style={{ marginTop: 0 }}>
        <h2 style={{ margin: 0 }}>Config</h2>
        <label>
          <input
            type="checkbox"
            checked={differencesOnly}
            onChange={(e) => onToggle(e.target.checked)}
            data-testid="differences-only"
          />{' '}
          differences only
        </label>
        {loading && <span className="muted small">updating…</span>}
      </div>
      {rows.length === 0 ? (
        <p className="muted">{differencesOnly ? 'The configs are identical.' : 'No config keys.'}</p>
      ) : (
        <div className="table-scroll">
          <table className="grid" data-testid="config-diff">
            <thead>
              <tr>
                <th>key</th>
                {runs.map((r) => (
                  <th key={r.id}>
                    <span className="swatch" style={{ background: r.color }} />
                    {r.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr
                  key={row.path}
                  data-testid="config-row"
                  data-path={row.path}
                  className={row.differs ? 'differs' : ''}
                >
                  <td>{row.differs ? <strong>{row.path}</strong> : row.path}</td>
                  {row.values.map((v, i) => (
                    <td key={runs[i]?.id ?? i}>{formatJsonValue(v)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
