'use client';

import { useRouter } from 'next/navigation';
import { Suspense, use, useEffect, useMemo, useRef, useState } from 'react';
import {
  type RunRowFragment,
  WorkspaceRunsDocument,
  type WorkspaceRunsQuery,
  type WorkspaceRunsQueryVariables,
} from '@/gql/graphql';
import { runColor } from '@/lib/colors';
import { groupChartCols } from '@/lib/compare-groups';
import { type Loaded, type RunSeq, useLoad } from '@/lib/data';
import type { RunGroup } from '@/lib/group-series';
import { toChartCols } from '@/lib/series';
import { unpackSeries } from '@/lib/series-pack';
import { useHydrating } from '@/lib/use-hydrating';
import { type LiveSeries, seriesKey, useLiveSeries } from '@/lib/use-live-series';
import { colorOfRun, sectionsOf, WORKSPACE_WIDTH_PX, workspacePoints } from '@/lib/workspace';
import type { WorkspacePrefetch, WorkspaceRun } from '@/lib/workspace-prefetch';
import { CanvasChart } from '../charts/canvas-chart';
import type { ChartLine } from '../charts/chart-geometry';

/**
 * Every run the filter selects (ids, names, seqs only), in pages of 500, fetched again when the number of
 * matching runs changes (the table's live count): runs created or deleted join or leave the panels. The
 * table keeps its own pages of 100, so opening the workspace does not render 1,000 table rows.
 */
function useWorkspaceRuns(
  experimentId: string,
  where: string,
  archived: boolean | null,
  count: number | null,
  /** The list the server prefetched for this view: shown at once, fetched again only when the count changes. */
  initial: WorkspaceRun[] | null,
): { runs: WorkspaceRun[] | null; error: string | null } {
  const load = useLoad();
  const [state, setState] = useState<{ runs: WorkspaceRun[] | null; error: string | null }>({
    runs: initial,
    error: null,
  });
  const skip = useRef(initial !== null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: count is the trigger (a run joined or left)
  useEffect(() => {
    if (skip.current) return void (skip.current = false);
    let cancelled = false;
    (async () => {
      const all: WorkspaceRun[] = [];
      let after: string | null = null;
      do {
        const vars: WorkspaceRunsQueryVariables = { experimentId, where: where || null, archived, after };
        const res: Loaded<WorkspaceRunsQuery, WorkspaceRunsQueryVariables> = await load(WorkspaceRunsDocument, vars);
        if (cancelled) return;
        if (res.error || !res.data) return setState({ runs: null, error: res.error?.message ?? 'No data' });
        all.push(...res.data.runs.nodes);
        after = res.data.runs.pageInfo.hasNextPage ? (res.data.runs.pageInfo.endCursor ?? null) : null;
      } while (after);
      setState({ runs: all, error: null });
    })();
    return () => void (cancelled = true);
  }, [load, experimentId, where, archived, count]);
  return state;
}

/**
 * Null until the run list is complete (`complete`): one series request, not one per page.
 * Each run's seq as first seen: the subscription replays from there. Later seqs (the row moves on with
 * every logged point) must not change the list, or every point would reload every series.
 */
function useRunSeqs(rows: readonly WorkspaceRun[], complete: boolean): RunSeq[] | null {
  const first = useRef(new Map<string, number>());
  const ids = complete ? rows.map((r) => r.id).join(',') : '';
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the id list on purpose (see above)
  return useMemo(() => {
    if (!ids) return null;
    for (const r of rows) if (!first.current.has(r.id)) first.current.set(r.id, r.seq);
    return rows.map((r) => ({ runId: r.id, seq: first.current.get(r.id)! }));
  }, [ids]);
}

/** One line per run, or per group (mean with band) when the table is grouped. */
function panelLines(
  key: string,
  rows: readonly WorkspaceRun[],
  groups: RunGroup<RunRowFragment>[] | null,
  series: LiveSeries['series'],
  band: 'minmax' | 'std',
): ChartLine[] {
  if (groups)
    return groups.flatMap((g, i) => {
      const cols = groupChartCols(
        g.runs.map((r) => series.get(seriesKey(r.id, key))),
        band,
      );
      return cols ? [{ id: g.key, label: `${g.label} (${g.runs.length})`, color: runColor(i), cols, band: true }] : [];
    });
  return rows.flatMap((r) => {
    const s = series.get(seriesKey(r.id, key));
    return s?.step.length
      ? [{ id: r.id, label: r.name, color: colorOfRun(r.id), cols: toChartCols(s, 'step', 0, false) }]
      : [];
  });
}

function PanelPicker({ keys, panels, onAdd }: { keys: string[]; panels: string[]; onAdd: (k: string) => void }) {
  const [text, setText] = useState('');
  const free = useMemo(() => keys.filter((k) => !panels.includes(k)), [keys, panels]);
  const add = (k: string) => {
    if (!free.includes(k)) return;
    onAdd(k);
    setText('');
  };
  return (
    <form
      className="toolbar workspace-picker"
      onSubmit={(e) => {
        e.preventDefault();
        add(text);
      }}
    >
      <input
        type="search"
        list="workspace-keys"
        value={text}
        placeholder={`add a panel: search ${keys.length} metrics…`}
        aria-label="Metric to add as a panel"
        data-testid="workspace-add"
        onChange={(e) => {
          setText(e.target.value);
          // Picking from the list fills the whole key: add it at once.
          if (free.includes(e.target.value)) add(e.target.value);
        }}
      />
      {/* The browser filters a datalist as the user types: usable with 1,500 metrics. */}
      <datalist id="workspace-keys">
        {free.map((k) => (
          <option key={k} value={k} />
        ))}
      </datalist>
    </form>
  );
}

interface WorkspaceProps {
  experimentId: string;
  where: string;
  archived: boolean | null;
  /** How many runs match (the table's live count): a change reloads the run list. */
  count: number | null;
  /** The table's rows: grouping needs their configs, so grouped panels use them (and wait for the last page). */
  tableRows: readonly RunRowFragment[];
  tableComplete: boolean;
  groups: RunGroup<RunRowFragment>[] | null;
  metricKeys: string[];
  panels: string[];
  band: 'minmax' | 'std';
  onPanels: (next: string[] | null) => void;
  /** The page's server-side fetch of the run list and series (the view in the URL when the page loaded). */
  prefetch?: Promise<WorkspacePrefetch | null>;
}

/**
 * The experiment's workspace: a panel per chosen metric, drawing every run the table's filter selects
 * (each group's mean and band when the table is grouped), in sections by metric prefix. Runs keep the
 * table's colours; hovering names a run, clicking opens it; a drag zooms every panel's x axis together.
 * Series come from useLiveSeries, so new points (and runs the table lists) appear without a reload.
 */
export function Workspace({ prefetch, ...props }: WorkspaceProps) {
  if (!prefetch) return <WorkspaceLoaded {...props} initial={null} />;
  return (
    <Suspense fallback={<p className="muted small">Loading series…</p>}>
      <WithPrefetch {...props} prefetch={prefetch} />
    </Suspense>
  );
}

/**
 * How long after the page loaded its prefetch may still stand in (the workspace can mount twice while the
 * table settles); later, a reopened workspace fetches afresh. Live points replay from the prefetch's seqs
 * either way; what could age is the run list, so the run count must also still match.
 */
const PREFETCH_FRESH_MS = 15_000;

/**
 * Waits for the data the server started fetching (streamed with the page). Hydrating, the prefetch always stands
 * in, as it did on the server: the age check read the server's performance.now() (the web server's uptime, past
 * 15 s on any server up for a while), so the server rendered "0 runs" and the browser "6 runs", and React threw
 * the HTML away with error #418.
 */
function WithPrefetch({ prefetch, ...props }: WorkspaceProps & { prefetch: Promise<WorkspacePrefetch | null> }) {
  const data = use(prefetch);
  const hydrating = useHydrating();
  const [initial] = useState(() => {
    const f = data?.for;
    const fits =
      !!data &&
      (hydrating || performance.now() < PREFETCH_FRESH_MS) &&
      (props.count === null || props.count === data.runs.length) &&
      !props.groups &&
      f!.where === props.where &&
      f!.archived === props.archived &&
      f!.panels.join('\u0000') === props.panels.join('\u0000');
    return fits ? data : null;
  });
  return <WorkspaceLoaded {...props} initial={initial} />;
}

function WorkspaceLoaded({
  experimentId,
  where,
  archived,
  count,
  tableRows,
  tableComplete,
  groups,
  metricKeys,
  panels,
  band,
  onPanels,
  initial,
}: Omit<WorkspaceProps, 'prefetch'> & { initial: WorkspacePrefetch | null }) {
  const router = useRouter();
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  const own = useWorkspaceRuns(experimentId, where, archived, count, initial?.runs ?? null);
  const rows: readonly WorkspaceRun[] = groups ? tableRows : (own.runs ?? []);
  const complete = groups ? tableComplete : own.runs !== null;
  const runs = useRunSeqs(rows, complete);
  useEffect(() => {
    if (complete) performance.mark('runboard:workspace-runs'); // for bench/web-workspace.ts
  }, [complete]);
  // No more points per run than a panel is wide, fewer the more runs there are (workspacePoints).
  const maxPoints = workspacePoints(rows.length, panels.length, WORKSPACE_WIDTH_PX);
  const [initialSeries] = useState(() => (initial ? unpackSeries(initial.series) : null));
  const data = useLiveSeries(runs, panels.length ? panels : null, maxPoints, initialSeries, true);
  const sections = useMemo(() => sectionsOf(panels), [panels]);
  const lines = useMemo(
    () => new Map(panels.map((k) => [k, panelLines(k, rows, groups, data.series, band)])),
    // data.series is a new Map whenever points arrived (useLiveSeries).
    [panels, rows, groups, data.series, band],
  );
  return (
    <section className="panel workspace" data-testid="workspace" data-runs={rows.length}>
      <div className="toolbar">
        <h2 style={{ margin: 0 }}>Workspace</h2>
        <span className="muted small">
          {groups ? `${groups.length} groups` : `${rows.length} runs`} · drag to zoom all panels · click a line to open
          its run
        </span>
        <span className="spacer" />
        <button type="button" onClick={() => onPanels(null)} data-testid="workspace-close">
          Close workspace
        </button>
      </div>
      <PanelPicker keys={metricKeys} panels={panels} onAdd={(k) => onPanels([...panels, k])} />
      {own.error && <p className="field-error">{own.error}</p>}
      {data.problem && <p className="field-error">{data.problem.message}</p>}
      {(data.loading || !complete) && <p className="muted small">Loading series…</p>}
      {sections.map((s) => (
        <div key={s.prefix || 'main'} data-testid="workspace-section" data-prefix={s.prefix}>
          {s.prefix && <h3 className="small muted">{s.prefix}</h3>}
          <div className="charts">
            {s.keys.map((k) => (
              <div key={k} className="workspace-panel" data-testid="workspace-panel" data-key={k}>
                <CanvasChart
                  title={k}
                  lines={lines.get(k) ?? []}
                  xMode="step"
                  testId={`panel-${k}`}
                  zoom={zoom}
                  onZoom={setZoom}
                  onOpen={groups ? undefined : (id) => router.push(`/runs/${id}`)}
                  tools={
                    <button
                      type="button"
                      className="chip"
                      onClick={() => onPanels(panels.filter((p) => p !== k))}
                      data-testid="workspace-remove"
                      aria-label={`Remove the ${k} panel`}
                    >
                      remove
                    </button>
                  }
                />
              </div>
            ))}
          </div>
        </div>
      ))}
    </section>
  );
}
