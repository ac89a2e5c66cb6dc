'use client';

import Link from 'next/link';
import { useCallback } from 'react';
import type { SweepDetailQuery } from '@/gql/graphql';
import { formatJsonValue, timeAgo } from '@/lib/format';
import { formatNumber, type NumberStyle, numberStyle } from '@/lib/metric-value';
import { type SortValue, sortRows } from '@/lib/typed-sort';
import { useUrlSynced } from '@/lib/use-url-synced';
import { StatusBadge } from '../status-badge';

type Sweep = NonNullable<SweepDetailQuery['sweep']>;
type SweepRun = Sweep['runs'][number];

/** Reads a dotted path out of a config (how sweep parameters address nested fields). */
const valueAt = (config: unknown, path: string) =>
  path
    .split('.')
    .reduce<unknown>(
      (node, k) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined),
      config,
    );

const numberOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** A parameter's cell: numbers in the column's style, anything else (true, "adam", [32, 32]) as JSON. */
const paramText = (v: unknown, style: NumberStyle | undefined) =>
  typeof v === 'number' ? formatNumber(v, style) : formatJsonValue(v);

const asSortValue = (v: unknown): SortValue =>
  typeof v === 'number' || typeof v === 'string' ? v : v == null ? null : JSON.stringify(v);

/** The table's sort as kept in the URL: `?sort=<column>&desc=1`; by default the runs' names, naturally. */
interface TableSort {
  column: string;
  desc: boolean;
}
const readSort = (p: Pick<URLSearchParams, 'get'>): TableSort => ({
  column: p.get('sort') || 'name',
  desc: p.get('desc') === '1',
});
const sameSort = (a: TableSort, b: TableSort) => a.column === b.column && a.desc === b.desc;

/** Sort state in the URL (pushState, which Next's router follows): Back undoes it, a shared link keeps it. */
function useTableSort(): [TableSort, (column: string) => void] {
  const [sort, setSort] = useUrlSynced(readSort, sameSort);
  const toggle = useCallback(
    (column: string) => {
      const next = { column, desc: sort.column === column ? !sort.desc : false };
      setSort(next);
      const url = new URL(window.location.href);
      url.searchParams.set('sort', column);
      if (next.desc) url.searchParams.set('desc', '1');
      else url.searchParams.delete('desc');
      window.history.pushState(null, '', url);
    },
    [sort, setSort],
  );
  return [sort, toggle];
}

function SortHeader({
  id,
  label,
  sort,
  onSort,
  numeric,
}: {
  id: string;
  label: string;
  sort: TableSort;
  onSort: (column: string) => void;
  numeric?: boolean;
}) {
  const active = sort.column === id;
  return (
    <th
      className={numeric ? 'num' : undefined}
      scope="col"
      aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : undefined}
      data-testid={`sweep-col-${id}`}
    >
      <button type="button" className="sort-button" onClick={() => onSort(id)} title={`Sort by ${label}`}>
        {label}
        {active ? (sort.desc ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
}

/**
 * The sweep's runs: status (live), each swept value and the run's best metric value. Every header sorts
 * by the column's type (numbers numerically, names naturally: run-2 before run-10), kept in the URL.
 */
export function SweepRunsTable({
  sweep,
  statusOf,
  only,
}: {
  sweep: Sweep;
  statusOf: (runId: string, fallback: string) => string;
  /** Show only these runs (the parallel-coordinates brush); null shows all. */
  only?: Set<string> | null;
}) {
  const params = sweep.parameters.map((p) => p.name);
  const metricOf = new Map(sweep.parameters[0]?.points.map((p) => [p.runId, p.metric]) ?? []);
  const bestId = sweep.bestRun?.id;
  const [sort, onSort] = useTableSort();
  const metricLabel = `${sweep.summary === 'LAST' ? 'last' : sweep.goal === 'MINIMIZE' ? 'min' : 'max'} ${sweep.metric}`;
  const keyOf = (column: string): ((r: SweepRun) => SortValue) => {
    if (column === 'status') return (r) => statusOf(r.id, r.status);
    if (column === 'metric') return (r) => asSortValue(metricOf.get(r.id));
    if (column === 'started') return (r) => (r.startedAt ? Date.parse(r.startedAt) : null);
    if (column.startsWith('param:')) return (r) => asSortValue(valueAt(r.config, column.slice(6)));
    return (r) => r.name;
  };
  // One number style per column, as in the runs table: 5.370e-5 next to 4.950e-3, never next to 0.00495.
  const paramStyle = new Map(
    params.map((p) => [p, numberStyle(sweep.runs.map((r) => numberOrNull(valueAt(r.config, p))))]),
  );
  const metricStyle = numberStyle(metricOf.values());
  const shown = only ? sweep.runs.filter((r) => only.has(r.id)) : sweep.runs;
  const rows = sortRows(shown, keyOf(sort.column), sort.desc);
  const head = { sort, onSort };
  return (
    <div className="table-scroll">
      <table className="grid" data-testid="sweep-runs">
        <thead>
          <tr>
            <SortHeader id="name" label="Run" {...head} />
            <SortHeader id="status" label="Status" {...head} />
            {params.map((p) => (
              <SortHeader key={p} id={`param:${p}`} label={p} numeric {...head} />
            ))}
            <SortHeader id="metric" label={metricLabel} numeric {...head} />
            <SortHeader id="started" label="Started" {...head} />
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={r.id}
              data-testid="sweep-run-row"
              data-run-id={r.id}
              data-run-name={r.name}
              className={r.id === bestId ? 'selected' : undefined}
            >
              <td>
                <Link href={`/runs/${r.id}`}>{r.name}</Link>
                {r.id === bestId && (
                  <span className="best-mark" title="best so far">
                    {' '}
                    ★
                  </span>
                )}
              </td>
              <td>
                <StatusBadge status={statusOf(r.id, r.status)} errorMessage={r.errorSummary} />
              </td>
              {params.map((p) => (
                <td key={p} className="num" data-col={`param:${p}`}>
                  {paramText(valueAt(r.config, p), paramStyle.get(p))}
                </td>
              ))}
              <td className="num">{formatNumber(metricOf.get(r.id), metricStyle)}</td>
              <td title={r.startedAt ?? ''}>{timeAgo(r.startedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
