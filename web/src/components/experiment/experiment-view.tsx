'use client';

import Link from 'next/link';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useClient, useQuery } from 'urql';
import { ExperimentHeaderDocument, type RunOrder } from '@/gql/graphql';
import { describeError } from '@/lib/errors';
import { download, toCsv } from '@/lib/export';
import { timeAgo } from '@/lib/format';
import { Loading, Notice } from '../notice';
import { useApi } from '../providers';
import { useCan } from '../session';
import { StatusBadge } from '../status-badge';
import { ColumnPicker } from './column-picker';
import { BASE_COLUMNS, type Column, configColumn, configPaths, metricColumns } from './columns';
import { ExperimentSweeps } from './experiment-sweeps';
import { FilterBox } from './filter-box';
import { RunsTable } from './runs-table';
import { fetchAllRuns, useRuns } from './use-runs';

const DEFAULT_ORDER: RunOrder[] = [{ field: 'createdAt', direction: 'DESC' }];

/** `?sort=field:DESC` <-> RunOrder[] (the filter goes in `?where=`), so a view can be shared by URL. */
function parseSort(sort: string | undefined): RunOrder[] {
  if (!sort) return DEFAULT_ORDER;
  const i = sort.lastIndexOf(':');
  const field = i > 0 ? sort.slice(0, i) : sort;
  const dir = i > 0 ? sort.slice(i + 1).toUpperCase() : 'ASC';
  return field ? [{ field, direction: dir === 'DESC' ? 'DESC' : 'ASC' }] : DEFAULT_ORDER;
}

export function ExperimentView({
  id,
  initialWhere = '',
  initialSort,
}: {
  id: string;
  initialWhere?: string;
  initialSort?: string;
}) {
  const { apiUrl } = useApi();
  const canLaunch = useCan('LAUNCH');
  const client = useClient();
  const [header, refetchHeader] = useQuery({ query: ExperimentHeaderDocument, variables: { id } });
  const [where, setWhere] = useState(initialWhere);
  const [orderBy, setOrderBy] = useState<RunOrder[]>(() => parseSort(initialSort));
  // Keep the URL in step without a navigation (the table state lives here, not in the router).
  useEffect(() => {
    const url = new URL(window.location.href);
    if (where) url.searchParams.set('where', where);
    else url.searchParams.delete('where');
    const o = orderBy[0];
    if (o && JSON.stringify(orderBy) !== JSON.stringify(DEFAULT_ORDER))
      url.searchParams.set('sort', `${o.field}:${o.direction ?? 'ASC'}`);
    else url.searchParams.delete('sort');
    if (url.href !== window.location.href) window.history.replaceState(window.history.state, '', url);
  }, [where, orderBy]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [chosen, setChosen] = useState<{ config: string[]; metrics: string[] } | null>(null);
  const [exporting, setExporting] = useState<string | null>(null);

  // Run events change the status counts; refresh the header at most every 2 s.
  const headerTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const onActivity = useCallback(() => {
    if (headerTimer.current) return;
    headerTimer.current = setTimeout(() => {
      headerTimer.current = null;
      refetchHeader({ requestPolicy: 'network-only' });
    }, 2000);
  }, [refetchHeader]);
  useEffect(() => () => void (headerTimer.current && clearTimeout(headerTimer.current)), []);

  const runs = useRuns(id, where, orderBy, onActivity);
  const exp = header.data?.experiment;
  const metricKeys = header.data?.metricKeys ?? [];
  const paths = useMemo(() => configPaths(runs.rows), [runs.rows]);
  // Until the user picks, show a few config keys and the first metrics.
  const config = chosen?.config ?? paths.slice(0, 6);
  const metrics = chosen?.metrics ?? metricKeys.slice(0, 4);
  const columns: Column[] = useMemo(
    () => [...BASE_COLUMNS, ...config.map(configColumn), ...metrics.flatMap(metricColumns)],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [config.join('\u0000'), metrics.join('\u0000')],
  );

  const onSort = useCallback((field: string) => {
    setOrderBy((cur) => {
      const c = cur[0];
      if (c?.field === field) return [{ field, direction: c.direction === 'DESC' ? 'ASC' : 'DESC' }];
      return [{ field, direction: field.startsWith('config.') || field === 'name' ? 'ASC' : 'DESC' }];
    });
  }, []);
  const onToggle = useCallback((rid: string) => {
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(rid)) n.delete(rid);
      else n.add(rid);
      return n;
    });
  }, []);
  const onToggleAll = (select: boolean) => setSelected(select ? new Set(runs.rows.map((r) => r.id)) : new Set());

  const doExport = async (format: 'csv' | 'json') => {
    setExporting(format);
    try {
      const all = await fetchAllRuns(client, id, where, orderBy);
      const base = `${exp?.name ?? 'runs'}-runs`;
      if (format === 'csv') {
        download(
          `${base}.csv`,
          toCsv(
            ['id', ...columns.map((c) => c.label)],
            all.map((r) => [r.id, ...columns.map((c) => c.value(r))]),
          ),
          'text/csv',
        );
      } else {
        const rows = all.map((r) => Object.fromEntries([['id', r.id], ...columns.map((c) => [c.label, c.value(r)])]));
        download(`${base}.json`, JSON.stringify(rows, null, 2), 'application/json');
      }
    } catch (e) {
      alert(`Export failed: ${(e as Error).message}`);
    } finally {
      setExporting(null);
    }
  };

  const headerProblem = describeError(header.error, apiUrl);
  if (headerProblem) {
    const notFound = headerProblem.code === 'NOT_FOUND';
    return (
      <Notice
        title={notFound ? 'No such experiment.' : 'Could not load the experiment.'}
        problem={headerProblem}
        onRetry={notFound ? undefined : () => refetchHeader({ requestPolicy: 'network-only' })}
      >
        <p>
          <Link href="/">Back to experiments</Link>
        </p>
      </Notice>
    );
  }
  if (!header.data) return <Loading what="experiment" />;
  if (!exp) {
    return (
      <Notice title="No such experiment." problem={{ message: `There is no experiment with id “${id}”.` }}>
        <p>
          <Link href="/">Back to experiments</Link>
        </p>
      </Notice>
    );
  }

  const filterProblem = runs.problem?.code === 'INVALID_FILTER' ? runs.problem : null;
  const compareHref = `/compare?runs=${[...selected].join(',')}`;
  return (
    <section>
      <div className="crumbs">
        <Link href="/">Experiments</Link> /
      </div>
      <div className="page-head">
        <h1 data-testid="experiment-name">{exp.name}</h1>
        <span className="muted">last activity {timeAgo(exp.lastActivityAt)}</span>
        {canLaunch && (
          <>
            <Link href={`/launch?experiment=${encodeURIComponent(exp.name)}`}>Launch run…</Link>
            <Link href={`/launch?tab=sweep&experiment=${encodeURIComponent(exp.name)}`}>Launch sweep…</Link>
          </>
        )}
      </div>
      {exp.description && <p className="muted">{exp.description}</p>}
      <div className="toolbar" data-testid="status-counts">
        <strong>{exp.runCount} runs</strong>
        {exp.runCounts.map((c) => (
          <span key={c.status} className="count-chip">
            <StatusBadge status={c.status} /> {c.count}
          </span>
        ))}
      </div>
      <ExperimentSweeps experimentId={exp.id} />
      <FilterBox value={where} onApply={(w) => setWhere(w)} problem={filterProblem} />
      <div className="toolbar">
        <ColumnPicker
          configPaths={paths}
          metricKeys={metricKeys}
          config={config}
          metrics={metrics}
          onChange={setChosen}
        />
        <Link href={selected.size ? compareHref : '#'} aria-disabled={selected.size < 1} data-testid="compare-link">
          <button type="button" className="primary" disabled={selected.size < 1}>
            Compare selected ({selected.size})
          </button>
        </Link>
        {selected.size > 0 && (
          <button type="button" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        )}
        <span className="spacer" />
        <span className="muted" data-testid="run-count">
          {runs.totalCount === null ? '' : `${runs.rows.length} of ${runs.totalCount} shown`}
        </span>
        <button type="button" onClick={() => doExport('csv')} disabled={!!exporting} data-testid="export-csv">
          {exporting === 'csv' ? 'Exporting…' : 'Export CSV'}
        </button>
        <button type="button" onClick={() => doExport('json')} disabled={!!exporting} data-testid="export-json">
          {exporting === 'json' ? 'Exporting…' : 'Export JSON'}
        </button>
      </div>
      {runs.newRuns > 0 && (
        <Notice kind="info">
          {runs.newRuns} new run{runs.newRuns > 1 ? 's' : ''} since the table loaded.{' '}
          <button type="button" onClick={runs.reload}>
            Show
          </button>
        </Notice>
      )}
      {runs.live.state === 'error' && (
        <Notice kind="warning" title="Live updates failed." problem={{ message: runs.live.error ?? '' }} />
      )}
      {runs.problem && !filterProblem && (
        <Notice title="Could not load runs." problem={runs.problem} onRetry={runs.reload} />
      )}
      {runs.loading && runs.rows.length === 0 && !runs.problem && <Loading what="runs" />}
      {!runs.loading && runs.rows.length === 0 && !runs.problem && (
        <Notice kind="info">{where ? 'No run matches the filter.' : 'This experiment has no runs yet.'}</Notice>
      )}
      {runs.rows.length > 0 && (
        <RunsTable
          rows={runs.rows}
          columns={columns}
          orderBy={orderBy}
          onSort={onSort}
          selected={selected}
          onToggle={onToggle}
          onToggleAll={onToggleAll}
          hasNext={runs.hasNext}
          loading={runs.loading}
          onLoadMore={runs.loadMore}
        />
      )}
    </section>
  );
}
