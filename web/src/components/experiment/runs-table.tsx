'use client';

import Link from 'next/link';
import { memo, useEffect, useRef } from 'react';
import type { RunOrder, RunRowFragment } from '@/gql/graphql';
import { StatusBadge } from '../status-badge';
import type { Column } from './columns';

interface Props {
  rows: RunRowFragment[];
  columns: Column[];
  orderBy: RunOrder[];
  onSort: (field: string) => void;
  selected: Set<string>;
  onToggle: (id: string) => void;
  onToggleAll: (select: boolean) => void;
  hasNext: boolean;
  loading: boolean;
  onLoadMore: () => void;
}

const Row = memo(function Row({
  run,
  columns,
  selected,
  onToggle,
}: {
  run: RunRowFragment;
  columns: Column[];
  selected: boolean;
  onToggle: (id: string) => void;
}) {
  return (
    <tr className={selected ? 'selected' : ''} data-testid="run-row" data-run-id={run.id} data-run-name={run.name}>
      <td>
        <input type="checkbox" checked={selected} onChange={() => onToggle(run.id)} aria-label={`Select ${run.name}`} />
      </td>
      {columns.map((c) => (
        <td key={c.id} className={c.numeric ? 'num' : ''} data-col={c.id}>
          {c.id === 'name' ? (
            <Link href={`/runs/${run.id}`}>{run.name}</Link>
          ) : c.id === 'status' ? (
            <StatusBadge status={run.status} />
          ) : c.id === 'tags' ? (
            run.tags.map((t) => (
              <span key={t} className="tag">
                {t}
              </span>
            ))
          ) : (
            c.text(run)
          )}
        </td>
      ))}
    </tr>
  );
});

/**
 * The runs table. Rows arrive a page at a time; reaching the bottom of the scroll area loads the next
 * page, so thousands of runs never need to be in the DOM at once unless the user scrolls through them.
 */
export function RunsTable({
  rows,
  columns,
  orderBy,
  onSort,
  selected,
  onToggle,
  onToggleAll,
  hasNext,
  loading,
  onLoadMore,
}: Props) {
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasNext) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && onLoadMore(), {
      rootMargin: '200px',
    });
    io.observe(el);
    return () => io.disconnect();
  }, [hasNext, onLoadMore]);
  const sortOf = (field: string | null) => (field ? orderBy.find((o) => o.field === field) : undefined);
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  return (
    <div className="table-scroll">
      <table className="grid" data-testid="runs-table">
        <thead>
          <tr>
            <th>
              <input
                type="checkbox"
                checked={allSelected}
                onChange={(e) => onToggleAll(e.target.checked)}
                aria-label="Select all loaded runs"
              />
            </th>
            {columns.map((c) => {
              const s = sortOf(c.sortField);
              return (
                <th
                  key={c.id}
                  className={`${c.sortField ? 'sortable' : ''} ${c.numeric ? 'num' : ''}`}
                  onClick={c.sortField ? () => onSort(c.sortField!) : undefined}
                  aria-sort={s ? (s.direction === 'DESC' ? 'descending' : 'ascending') : undefined}
                  title={c.sortField ? `Sort by ${c.sortField}` : undefined}
                  data-testid={`col-${c.id}`}
                >
                  {c.label}
                  {s ? (s.direction === 'DESC' ? ' ▼' : ' ▲') : ''}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <Row key={r.id} run={r} columns={columns} selected={selected.has(r.id)} onToggle={onToggle} />
          ))}
        </tbody>
      </table>
      {hasNext && (
        <div ref={sentinel} className="toolbar" style={{ justifyContent: 'center', padding: 8 }}>
          <button type="button" onClick={onLoadMore} disabled={loading} data-testid="load-more">
            {loading ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </div>
  );
}
