'use client';

import Link from 'next/link';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  ExperimentHeaderDocument,
  type ExperimentHeaderQuery,
  ExperimentMetricKeysDocument,
  type ExperimentPageQuery,
  type RunOrder,
  type RunRowFragment,
} from '@/gql/graphql';
import { useApiUrl, useLoad, useQuery } from '@/lib/data';
import { describeError } from '@/lib/errors';
import { download, toCsv } from '@/lib/export';
import { latestTime, timeAgo } from '@/lib/format';
import { groupRuns } from '@/lib/group-series';
import { useNow } from '@/lib/use-now';
import { parseSort, viewStateParams } from '@/lib/view-state';
import { defaultPanels } from '@/lib/workspace';
import type { WorkspacePrefetch } from '@/lib/workspace-prefetch';
import { Loading, Notice } from '../notice';
import { useCan } from '../session';
import { StatusBadge } from '../status-badge';
import { BulkActions } from './bulk-actions';
import { ColumnPicker } from './column-picker';
import {
  BASE_COLUMNS,
  type Column,
  chosenColumns,
  columnIds,
  configColumn,
  configPaths,
  metricColumns,
  metricKeysToFetch,
} from './columns';
import { ExperimentActions } from './experiment-actions';
import { ExperimentSweeps } from './experiment-sweeps';
import { FilterBox } from './filter-box';
import { GroupChart } from './group-chart';
import { GroupPicker } from './group-picker';
import { RunsTable } from './runs-table';
import { SavedViews } from './saved-views';
import { fetchAllRuns, useRuns } from './use-runs';
import { useViewState } from './use-view-state';
import { Workspace } from './workspace';

const EMPTY: string[] = [];
const sortText = (o: RunOrder) => `${o.field}:${o.direction ?? 'ASC'}`;

/**
 * An experiment's page. Filter, sort, columns, grouping, archived toggle, chart settings and the saved
 * view in use all live in the URL (useViewState); selection is the only state kept in memory.
 */
export function ExperimentView({
  id,
  initial,
  initialMetricKeys,
  workspacePrefetch,
}: {
  id: string;
  initial?: ExperimentPageQuery | null;
  /** The keys the server chose the first page's metric columns from: the client starts from the same choice. */
  initialMetricKeys?: string[] | null;
  /** The open workspace's data, fetched by the page on the server (see prefetchWorkspace). */
  workspacePrefetch?: Promise<WorkspacePrefetch | null>;
}) {
  const apiUrl = useApiUrl();
  const canLaunch = useCan('LAUNCH');
  const page = useExperimentPage(id, initial, initialMetricKeys);
  const { view, setView, refetchHeader, headerData, runs, metricKeys, chosen } = page;
  const now = useNow();
  const selection = useSelection(runs.rows);
  const { selected, setSelected } = selection;
  const exp = headerData?.experiment;
  const exporter = useExport(page, exp?.name ?? 'runs');

  const gate = experimentGate(id, page, apiUrl);
  if (gate || !exp) return gate;

  const filterProblem = runs.problem?.code === 'INVALID_FILTER' ? runs.problem : null;
  const chartMetric = view.chart || chosen.metrics[0] || metricKeys[0] || '';
  return (
    <section className="experiment-page">
      <ExperimentHeader
        exp={exp}
        lastActivity={timeAgo(latestTime(exp.lastActivityAt, runs.activityAt), now)}
        canLaunch={canLaunch}
        onRenamed={() => refetchHeader({ requestPolicy: 'network-only' })}
      />
      <ExperimentSweeps experimentId={exp.id} />
      <SavedViews experimentId={exp.id} state={view} onApply={setView} />
      <FilterBox
        experimentId={id}
        metricKeys={metricKeys}
        value={view.where}
        onApply={(w) => setView({ where: w })}
        problem={filterProblem}
        keep={viewStateParams({ ...view, where: '' })}
      />
      <RunsToolbar page={page} selected={selected} onClearSelection={() => setSelected(new Set())} {...exporter} />
      {selected.size > 0 && (
        <BulkActions
          ids={[...selected]}
          showingArchived={view.archived}
          onDone={(what) => {
            if (what === 'deleted') setSelected(new Set());
            runs.reload();
          }}
        />
      )}
      <RunsNotices runs={runs} where={view.where} filterProblem={filterProblem !== null} />
      <RunsViews
        page={page}
        experimentId={exp.id}
        selection={selection}
        workspacePrefetch={workspacePrefetch}
        chartMetric={chartMetric}
      />
    </section>
  );
}

/** The runs as the view shows them: the workspace's panels, the per-group chart, the table. */
function RunsViews({
  page,
  experimentId,
  selection,
  workspacePrefetch,
  chartMetric,
}: {
  page: ExperimentPage;
  experimentId: string;
  selection: ReturnType<typeof useSelection>;
  workspacePrefetch?: Promise<WorkspacePrefetch | null>;
  chartMetric: string;
}) {
  const { view, setView, runs, groups, metricKeys, columns } = page;
  const { selected, onToggle, onToggleMany } = selection;
  return (
    <>
      {view.panels !== null && runs.rows.length > 0 && (
        <Workspace
          experimentId={experimentId}
          where={view.where}
          archived={page.archived}
          count={runs.totalCount}
          tableRows={runs.rows}
          tableComplete={!runs.hasNext}
          groups={groups}
          metricKeys={metricKeys}
          panels={view.panels}
          band={view.band}
          onPanels={(panels) => setView({ panels })}
          prefetch={workspacePrefetch}
        />
      )}
      {groups && groups.length > 0 && chartMetric && (
        <GroupChart
          groups={groups}
          metric={chartMetric}
          metricKeys={metricKeys}
          band={view.band}
          onChange={(c) => setView(c)}
        />
      )}
      {runs.rows.length > 0 && (
        <RunsTable
          rows={runs.rows}
          groups={groups}
          columns={columns}
          orderBy={page.orderBy}
          onSort={page.onSort}
          selected={selected}
          onToggle={onToggle}
          onToggleMany={onToggleMany}
          hasNext={runs.hasNext}
          loading={runs.loading}
          onLoadMore={runs.loadMore}
        />
      )}
    </>
  );
}

/**
 * What the page shows before the experiment is known: why it could not be loaded (retry unless it does not
 * exist), or that it is loading. Null once the header has the experiment.
 */
function experimentGate(id: string, page: ExperimentPage, apiUrl: string) {
  const { header, headerData, refetchHeader } = page;
  const headerProblem = describeError(header.error, apiUrl);
  if (headerProblem) {
    const notFound = headerProblem.code === 'NOT_FOUND';
    return (
      <Notice
        title={notFound ? 'No such experiment.' : 'Could not load the experiment.'}
        problem={headerProblem}
        onRetry={notFound ? undefined : () => refetchHeader({ requestPolicy: 'network-only' })}
      >
        <BackToExperiments />
      </Notice>
    );
  }
  if (!headerData) return <Loading what="experiment" />;
  if (!headerData.experiment) {
    return (
      <Notice title="No such experiment." problem={{ message: `There is no experiment with id “${id}”.` }}>
        <BackToExperiments />
      </Notice>
    );
  }
  return null;
}

const BackToExperiments = () => (
  <p>
    <Link href="/">Back to experiments</Link>
  </p>
);

type ExperimentPage = ReturnType<typeof useExperimentPage>;

/**
 * The page's data as the URL's view state asks for it: the header and metric keys, the runs (live), and what the
 * table shows of them (config and metric columns, groups, sort).
 */
function useExperimentPage(id: string, initial?: ExperimentPageQuery | null, initialMetricKeys?: string[] | null) {
  const [view, setView] = useViewState();
  const orderBy: RunOrder[] = useMemo(() => parseSort(view.sort), [view.sort]);
  const archived = view.archived ? null : false;
  const { header, refetchHeader, keysResult, onActivity } = useExperimentHeader(id);
  // Until the client's keys query answers, the server's keys stand in, so the first page it rendered stays.
  const headerKeys = keysResult.data?.metricKeys ?? initialMetricKeys ?? undefined;
  const fetchKeys = useMemo(() => metricKeysToFetch(view.cols, headerKeys), [view.cols, headerKeys]);
  const runs = useRuns(id, view.where, orderBy, onActivity, archived, fetchKeys, initial?.runs);
  // Until the client's own header query answers, the server's prefetch stands in (same fields).
  const headerData = header.data ?? (initial ? { experiment: initial.experiment } : undefined);
  const metricKeys = headerKeys ?? EMPTY;
  const paths = useMemo(() => configPaths(runs.rows), [runs.rows]);
  const chosen = useMemo(() => chosenColumns(view.cols, runs.rows, metricKeys), [view.cols, runs.rows, metricKeys]);
  const columns: Column[] = useMemo(
    () => [...BASE_COLUMNS, ...chosen.config.map(configColumn), ...chosen.metrics.flatMap(metricColumns)],
    [chosen],
  );
  const groups = useMemo(() => (view.group.length ? groupRuns(runs.rows, view.group) : null), [runs.rows, view.group]);
  // Group counts must cover every matching run, not the first page: load the rest while grouping.
  const { hasNext, loading, loadBigPage } = runs;
  useEffect(() => {
    if (view.group.length && hasNext && !loading) loadBigPage();
  }, [view.group.length, hasNext, loading, loadBigPage]);
  const onSort = useCallback(
    (field: string) => {
      const c = orderBy[0];
      const next: RunOrder =
        c?.field === field
          ? { field, direction: c.direction === 'DESC' ? 'ASC' : 'DESC' }
          : { field, direction: field.startsWith('config.') || field === 'name' ? 'ASC' : 'DESC' };
      setView({ sort: sortText(next) });
    },
    [orderBy, setView],
  );
  return {
    id,
    view,
    setView,
    orderBy,
    archived,
    header,
    refetchHeader,
    headerData,
    runs,
    fetchKeys,
    metricKeys,
    paths,
    chosen,
    columns,
    groups,
    onSort,
  };
}

/** Export of every matching run (not only the loaded pages) with the table's columns; `exporting`: the format. */
function useExport(page: ExperimentPage, name: string) {
  const load = useLoad();
  const [exporting, setExporting] = useState<string | null>(null);
  const onExport = async (format: 'csv' | 'json') => {
    setExporting(format);
    try {
      const { id, view, orderBy, archived, fetchKeys } = page;
      const all = await fetchAllRuns(load, id, view.where, orderBy, archived, fetchKeys);
      downloadRuns(all, page.columns, `${name}-runs`, format);
    } catch (e) {
      alert(`Export failed: ${(e as Error).message}`);
    } finally {
      setExporting(null);
    }
  };
  return { exporting, onExport };
}

/** Columns, grouping, workspace, archived toggle, compare and selection, the count shown, export. */
function RunsToolbar({
  page,
  selected,
  onClearSelection,
  exporting,
  onExport,
}: {
  page: ExperimentPage;
  selected: Set<string>;
  onClearSelection: () => void;
  exporting: string | null;
  onExport: (format: 'csv' | 'json') => void;
}) {
  const { view, setView, paths, metricKeys, chosen, runs } = page;
  const compareHref = `/compare?runs=${[...selected].join(',')}`;
  return (
    <div className="toolbar">
      <ColumnPicker
        configPaths={paths}
        metricKeys={metricKeys}
        config={chosen.config}
        metrics={chosen.metrics}
        onChange={(c) => setView({ cols: columnIds(c) })}
      />
      <GroupPicker paths={paths} group={view.group} onChange={(group) => setView({ group })} />
      {view.panels === null && (
        <button
          type="button"
          onClick={() => setView({ panels: defaultPanels(chosen.metrics, metricKeys) })}
          data-testid="workspace-open"
        >
          Workspace
        </button>
      )}
      <label className="small">
        <input
          type="checkbox"
          checked={view.archived}
          onChange={(e) => setView({ archived: e.target.checked })}
          data-testid="show-archived"
        />{' '}
        Show archived
      </label>
      <Link
        href={selected.size ? compareHref : '#'}
        aria-disabled={selected.size < 1}
        data-testid="compare-link"
        tabIndex={-1}
      >
        <button type="button" className="primary" disabled={selected.size < 1}>
          Compare selected ({selected.size})
        </button>
      </Link>
      {selected.size > 0 && (
        <button type="button" onClick={onClearSelection}>
          Clear selection
        </button>
      )}
      <span className="spacer" />
      <span className="muted" data-testid="run-count">
        {runs.problem || runs.totalCount === null
          ? ''
          : `${Math.min(runs.rows.length, runs.totalCount)} of ${runs.totalCount} shown`}
      </span>
      <button type="button" onClick={() => onExport('csv')} disabled={!!exporting} data-testid="export-csv">
        {exporting === 'csv' ? 'Exporting…' : 'Export CSV'}
      </button>
      <button type="button" onClick={() => onExport('json')} disabled={!!exporting} data-testid="export-json">
        {exporting === 'json' ? 'Exporting…' : 'Export JSON'}
      </button>
    </div>
  );
}

/** What the table cannot show itself: new runs to load, a failed live stream, a bad filter, loading, no runs. */
function RunsNotices({
  runs,
  where,
  filterProblem,
}: {
  runs: ExperimentPage['runs'];
  where: string;
  filterProblem: boolean;
}) {
  return (
    <>
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
      {filterProblem && (
        <p className="muted small" data-testid="filter-cleared">
          No runs are shown until the filter is fixed or cleared.
        </p>
      )}
      {runs.problem && !filterProblem && (
        <Notice title="Could not load runs." problem={runs.problem} onRetry={runs.reload} />
      )}
      {runs.loading && runs.rows.length === 0 && !runs.problem && <Loading what="runs" />}
      {!runs.loading && runs.rows.length === 0 && !runs.problem && (
        <Notice kind="info">{where ? 'No run matches the filter.' : 'This experiment has no runs yet.'}</Notice>
      )}
    </>
  );
}

/**
 * The header (name, counts) and the experiment's metric keys, and `onActivity` for run events: the counts change,
 * so the header is read again at most every 2 s, the keys (a scan of every summary) at most every 30 s.
 */
function useExperimentHeader(id: string) {
  const [header, refetchHeader] = useQuery({ query: ExperimentHeaderDocument, variables: { id } });
  const [keysResult, refetchKeys] = useQuery({ query: ExperimentMetricKeysDocument, variables: { id } });
  const headerTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const keysFetchedAt = useRef(0);
  const onActivity = useCallback(() => {
    if (headerTimer.current) return;
    headerTimer.current = setTimeout(() => {
      headerTimer.current = null;
      refetchHeader({ requestPolicy: 'network-only' });
      if (Date.now() - keysFetchedAt.current > 30_000) {
        keysFetchedAt.current = Date.now();
        refetchKeys({ requestPolicy: 'network-only' });
      }
    }, 2000);
  }, [refetchHeader, refetchKeys]);
  useEffect(() => () => void (headerTimer.current && clearTimeout(headerTimer.current)), []);
  return { header, refetchHeader, keysResult, onActivity };
}

/** The runs ticked in the table; a run that leaves the list (deleted, archived, filtered out) is unticked. */
function useSelection(rows: RunRowFragment[]) {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  useEffect(() => {
    setSelected((s) => {
      if (!s.size) return s;
      const present = new Set(rows.map((r) => r.id));
      const next = new Set([...s].filter((x) => present.has(x)));
      return next.size === s.size ? s : next;
    });
  }, [rows]);
  const onToggle = useCallback((rid: string) => {
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(rid)) n.delete(rid);
      else n.add(rid);
      return n;
    });
  }, []);
  const onToggleMany = useCallback((ids: string[], select: boolean) => {
    setSelected((s) => {
      const n = new Set(s);
      for (const x of ids) {
        if (select) n.add(x);
        else n.delete(x);
      }
      return n;
    });
  }, []);
  return { selected, setSelected, onToggle, onToggleMany };
}

/** The rows with the table's columns, as the file the browser saves. */
function downloadRuns(all: RunRowFragment[], columns: Column[], base: string, format: 'csv' | 'json') {
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
}

type Experiment = NonNullable<ExperimentHeaderQuery['experiment']>;

/** Name, last activity, launch links and actions, description and the runs per status. */
function ExperimentHeader({
  exp,
  lastActivity,
  canLaunch,
  onRenamed,
}: {
  exp: Experiment;
  lastActivity: string;
  canLaunch: boolean;
  onRenamed: () => void;
}) {
  return (
    <>
      <div className="crumbs">
        <Link href="/">Experiments</Link> /
      </div>
      <div className="page-head">
        <h1 data-testid="experiment-name">{exp.name}</h1>
        <span className="muted" suppressHydrationWarning data-testid="last-activity">
          last activity {lastActivity}
        </span>
        {canLaunch && (
          <>
            <Link href={`/launch?experiment=${encodeURIComponent(exp.name)}`}>Launch run…</Link>
            <Link href={`/launch?tab=sweep&experiment=${encodeURIComponent(exp.name)}`}>Launch sweep…</Link>
          </>
        )}
        <ExperimentActions id={exp.id} name={exp.name} runCount={exp.runCount} onRenamed={onRenamed} />
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
    </>
  );
}
