'use client';

import Link from 'next/link';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { RunOrder, RunRowFragment } from '@/gql/graphql';
import type { RunGroup } from '@/lib/group-series';
import { type NumberStyle, numberStyle, type WireNumber } from '@/lib/metric-value';
import { colorOfRun } from '@/lib/workspace';
import { StatusBadge } from '../status-badge';
import type { Column } from './columns';

interface Props {
  rows: RunRowFragment[];
  /** When grouping: the rows in groups (each group a header row with its count, then its runs). */
  groups: RunGroup<RunRowFragment>[] | null;
  columns: Column[];
  orderBy: RunOrder[];
  onSort: (field: string) => void;
  selected: Set<string>;
  onToggle: (id: string) => void;
  onToggleMany: (ids: string[], select: boolean) => void;
  hasNext: boolean;
  loading: boolean;
  onLoadMore: () => void;
}

function cellClass(c: Column): string {
  if (c.id === 'name') return 'pin-name';
  return c.numeric ? 'num' : '';
}

/**
 * Each numeric column's number style over the loaded rows, so a column writes all its values alike. The
 * result keeps its identity while no style changes, so memoised rows do not re-render for it.
 */
function useNumberStyles(rows: RunRowFragment[], columns: Column[]): Record<string, NumberStyle> {
  const styles = useMemo(() => {
    const out: Record<string, NumberStyle> = {};
    for (const c of columns) {
      if (!c.numeric) continue;
      const values = rows
        .map((r) => c.value(r))
        .filter((v): v is WireNumber => typeof v === 'number' || typeof v === 'string');
      out[c.id] = numberStyle(values.map((v) => (typeof v === 'string' && Number.isNaN(Number(v)) ? null : v)));
    }
    return out;
  }, [rows, columns]);
  const key = JSON.stringify(styles);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the styles' content
  return useMemo(() => styles, [key]);
}

const Row = memo(function Row({
  run,
  columns,
  styles,
  selected,
  onToggle,
}: {
  run: RunRowFragment;
  columns: Column[];
  styles: Record<string, NumberStyle>;
  selected: boolean;
  onToggle: (id: string) => void;
}) {
  return (
    <tr
      className={`${selected ? 'selected' : ''}${run.archived ? ' archived' : ''}`}
      data-testid="run-row"
      data-run-id={run.id}
      data-run-name={run.name}
    >
      <td className="pin-check">
        <input type="checkbox" checked={selected} onChange={() => onToggle(run.id)} aria-label={`Select ${run.name}`} />
      </td>
      {columns.map((c) => (
        // Dates render in the viewer's locale and zone, which server rendering cannot know.
        <td key={c.id} className={cellClass(c)} data-col={c.id} suppressHydrationWarning>
          {c.id === 'name' ? (
            <>
              {/* The run's colour in the workspace's panels (lib/workspace colorOfRun). */}
              <span className="swatch" data-testid="run-swatch" style={{ background: colorOfRun(run.id) }} />
              <Link href={`/runs/${run.id}`}>{run.name}</Link>
              {run.archived && <span className="tag muted"> archived</span>}
            </>
          ) : c.id === 'status' ? (
            <StatusBadge status={run.status} errorMessage={run.errorSummary} />
          ) : c.id === 'tags' ? (
            run.tags.map((t) => (
              <span key={t} className="tag">
                {t}
              </span>
            ))
          ) : (
            c.text(run, styles[c.id])
          )}
        </td>
      ))}
    </tr>
  );
});

function SortHeader({ column, order, onSort }: { column: Column; order?: RunOrder; onSort: (f: string) => void }) {
  const label = `${column.label}${order ? (order.direction === 'DESC' ? ' ▼' : ' ▲') : ''}`;
  return (
    <th
      className={cellClass(column)}
      aria-sort={order ? (order.direction === 'DESC' ? 'descending' : 'ascending') : undefined}
      data-testid={`col-${column.id}`}
      scope="col"
    >
      {column.sortField ? (
        <button
          type="button"
          className="sort-button"
          onClick={() => onSort(column.sortField!)}
          title={`Sort by ${column.sortField}`}
        >
          {label}
        </button>
      ) : (
        label
      )}
    </th>
  );
}

function GroupHeader({
  group,
  span,
  collapsed,
  onCollapse,
  selected,
  onToggleMany,
}: {
  group: RunGroup<RunRowFragment>;
  span: number;
  collapsed: boolean;
  onCollapse: () => void;
  selected: Set<string>;
  onToggleMany: (ids: string[], select: boolean) => void;
}) {
  const ids = group.runs.map((r) => r.id);
  const all = ids.every((id) => selected.has(id));
  return (
    <tr className="group-row" data-testid="group-row" data-group={group.label} data-count={group.runs.length}>
      <td className="pin-check">
        <input
          type="checkbox"
          checked={all}
          onChange={() => onToggleMany(ids, !all)}
          aria-label={`Select the runs of ${group.label}`}
        />
      </td>
      <td colSpan={span} className="pin-name">
        <button type="button" className="link-button" onClick={onCollapse} aria-expanded={!collapsed}>
          {collapsed ? '▸' : '▾'} <strong>{group.label}</strong>
        </button>{' '}
        <span className="muted" data-testid="group-count">
          {group.runs.length} run{group.runs.length === 1 ? '' : 's'}
        </span>
      </td>
    </tr>
  );
}

/**
 * The runs table. Rows arrive a page at a time; reaching the bottom of the scroll area loads the next
 * page. The header row sticks to the top and the selection and name columns to the left of the
 * scroll box, so wide tables scroll inside their box with every row still named.
 */
export function RunsTable({
  rows,
  groups,
  columns,
  orderBy,
  onSort,
  selected,
  onToggle,
  onToggleMany,
  hasNext,
  loading,
  onLoadMore,
}: Props) {
  const styles = useNumberStyles(rows, columns);
  const sentinel = useRef<HTMLDivElement>(null);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
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
  const renderRows = (list: RunRowFragment[]) =>
    list.map((r) => (
      <Row key={r.id} run={r} columns={columns} styles={styles} selected={selected.has(r.id)} onToggle={onToggle} />
    ));
  return (
    <div className="table-scroll" data-testid="runs-scroll">
      <table className="grid runs-grid" data-testid="runs-table">
        <thead>
          <tr>
            <th className="pin-check">
              <input
                type="checkbox"
                checked={allSelected}
                onChange={(e) =>
                  onToggleMany(
                    rows.map((r) => r.id),
                    e.target.checked,
                  )
                }
                aria-label="Select all loaded runs"
              />
            </th>
            {columns.map((c) => (
              <SortHeader key={c.id} column={c} order={sortOf(c.sortField)} onSort={onSort} />
            ))}
          </tr>
        </thead>
        {groups ? (
          groups.map((g) => (
            <tbody key={g.key}>
              <GroupHeader
                group={g}
                span={columns.length}
                collapsed={collapsed.has(g.key)}
                onCollapse={() =>
                  setCollapsed((s) => {
                    const n = new Set(s);
                    if (n.has(g.key)) n.delete(g.key);
                    else n.add(g.key);
                    return n;
                  })
                }
                selected={selected}
                onToggleMany={onToggleMany}
              />
              {!collapsed.has(g.key) && renderRows(g.runs)}
            </tbody>
          ))
        ) : (
          <tbody>{renderRows(rows)}</tbody>
        )}
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
