'use client';
import { isUuid } from '@runboard/contract/ids';

import Link from 'next/link';
import { Suspense, use, useEffect, useMemo, useRef, useState } from 'react';
import { CompareRunsDocument, CompareSeqsDocument, type CompareSeqsQuery } from '@/gql/graphql';
import { runColor } from '@/lib/colors';
import { groupCompareRuns } from '@/lib/compare-groups';
import type { ComparePrefetch } from '@/lib/compare-prefetch';
import { type RunSeq, useApiUrl, useLoad, useQuery } from '@/lib/data';
import { type ApiProblem, describeError } from '@/lib/errors';
import { maxPointsForOverlay } from '@/lib/series';
import { unpackSeries } from '@/lib/series-pack';
import { useLiveSeries } from '@/lib/use-live-series';
import { SmoothingSlider } from '../charts/smoothing-slider';
import { GroupPicker } from '../experiment/group-picker';
import { Loading, Notice } from '../notice';
import { CompareCharts, type CompareRun } from './compare-charts';
import { type CompareGroup, CompareGroupCharts, GroupLegend } from './compare-group-charts';
import { ConfigDiff } from './config-diff';
import { MetricSummary } from './metric-summary';
import { RunLegend } from './run-legend';
import { RunPanels } from './run-panels';
import { useCompareState } from './use-compare-state';
import { useDeletedRuns } from './use-deleted-runs';

export function CompareView({ runIds, prefetch }: { runIds: string[]; prefetch?: Promise<ComparePrefetch | null> }) {
  const bad = runIds.filter((id) => !isUuid(id));
  if (!runIds.length) {
    return (
      <Notice kind="info" title="No runs to compare.">
        <p>
          Select runs on an <Link href="/">experiment</Link> page, or open <code>/compare?runs=id1,id2,…</code>.
        </p>
      </Notice>
    );
  }
  if (bad.length) {
    return (
      <Notice title="Some run ids in the URL are not valid." problem={{ message: `Not run ids: ${bad.join(', ')}` }} />
    );
  }
  if (!prefetch) return <CompareLoaded runIds={runIds} initial={null} />;
  return (
    <Suspense fallback={<Loading what="runs" />}>
      <WithPrefetch runIds={runIds} prefetch={prefetch} />
    </Suspense>
  );
}

/** Waits for the data the server started fetching (streamed with the page); null means fetch here. */
function WithPrefetch({ runIds, prefetch }: { runIds: string[]; prefetch: Promise<ComparePrefetch | null> }) {
  const initial = use(prefetch);
  return <CompareLoaded runIds={runIds} initial={initial} />;
}

function CompareLoaded({ runIds, initial }: { runIds: string[]; initial: ComparePrefetch | null }) {
  const apiUrl = useApiUrl();
  const load = useLoad();
  // Every setting lives in the URL (next to runs=), so Back, reload and a shared link keep it.
  const [view, setView] = useCompareState();
  const { differencesOnly, xMode, smoothing, bands, tab } = view;
  const hidden = useMemo<ReadonlySet<string>>(() => new Set(view.hidden), [view.hidden]);
  // About one point per pixel of chart width (charts sit in a grid of >= 480 px columns), within a budget per chart.
  const [maxPoints] = useState(() => {
    if (initial) return initial.maxPoints;
    if (typeof window === 'undefined') return maxPointsForOverlay(500, runIds.length);
    const w = Math.min(window.innerWidth, 1600) - 48;
    return maxPointsForOverlay(w / Math.max(1, Math.floor(w / 480)) - 80, runIds.length);
  });

  // Step 1: seqs and keys (small and fast). The series query follows immediately, before anything
  // heavy renders; config and best/final values load after the charts.
  const [head, setHead] = useState<{ data: CompareSeqsQuery | null; problem: ApiProblem | null }>({
    data: initial?.head ?? null,
    problem: null,
  });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => void performance.mark('runboard:compare-mounted'), []); // for bench/web.ts
  useEffect(() => {
    if (attempt === 0 && initial) return; // the server already fetched it
    let cancelled = false;
    void load(CompareSeqsDocument, { runIds }).then((r) => {
      if (!cancelled)
        setHead({
          data: r.data ?? null,
          problem: describeError(r.error, apiUrl) ?? (r.data ? null : { message: 'No data' }),
        });
    });
    return () => void (cancelled = true);
  }, [load, runIds, apiUrl, attempt, initial]);
  const seqs = useMemo<RunSeq[] | null>(
    () => head.data?.compareRuns.runs.map((r) => ({ runId: r.id, seq: r.seq })) ?? null,
    [head.data],
  );
  // Runs deleted while the page is open leave it (metricsLogged says nothing of a delete).
  const { deleted, listening } = useDeletedRuns(seqs);
  const liveIds = useMemo(
    () => (deleted.size ? runIds.filter((id) => !deleted.has(id.toLowerCase())) : runIds),
    [runIds, deleted],
  );
  // No keys yet: subscribe to every key (null) so metrics appear as soon as the runs log them.
  const keys = useMemo(() => (head.data?.metricKeys.length ? head.data.metricKeys : null), [head.data]);
  const [initialSeries] = useState(() => (initial ? unpackSeries(initial.series) : null));
  // The deleted runs' series stay loaded but undrawn: dropping them from `seqs` would reload every series.
  const series = useLiveSeries(liveIds.length ? seqs : null, keys, maxPoints, initialSeries);

  const chartsReady = series.version > 0 || !!series.problem;
  const [{ data, fetching }, refetch] = useQuery({
    query: CompareRunsDocument,
    variables: { runIds: liveIds, differencesOnly },
    pause: !chartsReady || !liveIds.length,
  });

  // Best/final values come from the server: refresh them 1.5 s after points start streaming in (one
  // refetch per burst, and always one after the last point).
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (series.version < 2 || refreshTimer.current) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = null;
      refetch({ requestPolicy: 'network-only' });
    }, 1500);
  }, [series.version, refetch]);
  useEffect(() => () => void (refreshTimer.current && clearTimeout(refreshTimer.current)), []);

  // Colours are given over every run read, so a run keeps its colour when another one is deleted.
  const allRuns: CompareRun[] = useMemo(
    () => (head.data ? head.data.compareRuns.runs.map((r, i) => ({ id: r.id, name: r.name, color: runColor(i) })) : []),
    [head.data],
  );
  const runs = useMemo(() => allRuns.filter((r) => !deleted.has(r.id)), [allRuns, deleted]);
  // Best/final values and config come by position: until the refetch without a deleted run, they are stale.
  const cmp = sameRuns(data?.compareRuns.runs, runs) ? data?.compareRuns : undefined;

  const shown = useMemo(() => (hidden.size ? runs.filter((r) => !hidden.has(r.id)) : runs), [runs, hidden]);
  // In runs order, so the same hidden runs always give the same URL.
  const setHidden = (next: ReadonlySet<string>) =>
    setView({ hidden: runs.filter((r) => next.has(r.id)).map((r) => r.id) });

  // Grouping needs the config rows, which load after the charts; until then the overlay waits for them.
  const groupPaths = useMemo(() => cmp?.config.filter((r) => r.differs).map((r) => r.path) ?? [], [cmp]);
  const groups = useMemo<CompareGroup[] | null>(() => {
    if (!view.group.length || !cmp) return null;
    const config = { runIds: cmp.runs.map((r) => r.id), rows: cmp.config };
    return groupCompareRuns(shown, view.group, config).map((g, i) => ({ ...g, color: runColor(i) }));
  }, [view.group, cmp, shown]);
  const grouped = view.group.length > 0 && tab === 'overlay';

  const problem = head.problem;
  if (problem) {
    const notFound = problem.code === 'NOT_FOUND';
    return (
      <Notice
        title={notFound ? 'A run in the URL does not exist.' : 'Could not load the comparison.'}
        problem={problem}
        onRetry={notFound ? undefined : () => setAttempt((a) => a + 1)}
      >
        <p>
          <Link href="/">Back to experiments</Link>
        </p>
      </Notice>
    );
  }
  if (!head.data) return <Loading what="runs" />;
  const experiments = [...new Map(head.data.compareRuns.runs.map((r) => [r.experiment.id, r.experiment])).values()];
  return (
    <section data-testid="compare-view" data-runs-live={listening ? 'true' : 'false'}>
      <div className="crumbs">
        <Link href="/">Experiments</Link> /{' '}
        {experiments.map((e) => (
          <Link key={e.id} href={`/experiments/${e.id}`} style={{ marginRight: 8 }} prefetch={false}>
            {e.name}
          </Link>
        ))}
      </div>
      <div className="page-head">
        <h1>
          Compare {runs.length} run{runs.length === 1 ? '' : 's'}
        </h1>
      </div>
      <DeletedNotice runs={allRuns} deleted={deleted} />
      <RunLegend runs={runs} hidden={hidden} onChange={setHidden} />
      <div className="controls panel">
        <label>
          <input
            type="radio"
            checked={tab === 'overlay'}
            onChange={() => setView({ tab: 'overlay' })}
            data-testid="tab-overlay"
          />{' '}
          overlay
        </label>
        <label>
          <input
            type="radio"
            checked={tab === 'panels'}
            onChange={() => setView({ tab: 'panels' })}
            data-testid="tab-panels"
          />{' '}
          per-run panels
        </label>
        <label title={grouped ? 'Group means are drawn by step' : undefined}>
          x-axis
          <select
            value={grouped ? 'step' : xMode}
            disabled={grouped}
            onChange={(e) => setView({ xMode: e.target.value as typeof xMode, zoom: null })}
            data-testid="x-axis"
          >
            <option value="step">step</option>
            <option value="relative">time since start</option>
            <option value="wall">wall time</option>
          </select>
        </label>
        <SmoothingSlider value={smoothing} onChange={(v) => setView({ smoothing: v })} />
        {grouped ? (
          <label title="The band around each group's mean">
            <input
              type="checkbox"
              checked={view.band === 'std'}
              onChange={(e) => setView({ band: e.target.checked ? 'std' : 'minmax' })}
              data-testid="band-std"
            />{' '}
            ±std band (else min/max)
          </label>
        ) : (
          <label title="Shaded min–max of each bucket where the server downsampled">
            <input
              type="checkbox"
              checked={bands}
              onChange={(e) => setView({ bands: e.target.checked })}
              data-testid="bands"
            />{' '}
            min/max band
          </label>
        )}
        {tab === 'panels' && (
          <label title="Each panel on its own y range, so one diverging run does not flatten the others">
            <input
              type="checkbox"
              checked={view.panelY === 'own'}
              onChange={(e) => setView({ panelY: e.target.checked ? 'own' : 'shared' })}
              data-testid="panel-y-own"
            />{' '}
            independent y per panel
          </label>
        )}
        <GroupPicker paths={groupPaths} group={view.group} onChange={(group) => setView({ group })} />
      </div>
      {grouped && groups && <GroupLegend groups={groups} />}
      {series.problem && <Notice title="Could not load metrics." problem={series.problem} onRetry={series.reload} />}
      {series.live.state === 'error' && (
        <Notice kind="warning" title="Live updates failed." problem={{ message: series.live.error ?? '' }} />
      )}
      {!chartsReady ? (
        <Loading what="metrics" />
      ) : grouped && series.keys.length ? (
        groups ? (
          <CompareGroupCharts groups={groups} keys={series.keys} data={series} smoothing={smoothing} band={view.band} />
        ) : (
          <Loading what="groups" />
        )
      ) : tab === 'overlay' ? (
        <CompareCharts
          runs={shown}
          keys={series.keys}
          data={series}
          xMode={xMode}
          smoothing={smoothing}
          bands={bands}
          zoom={view.zoom}
          onZoom={(zoom) => setView({ zoom })}
          logY={view.logY}
          onLogY={(key, on) => setView({ logY: on ? [...view.logY, key] : view.logY.filter((k) => k !== key) })}
        />
      ) : (
        <RunPanels
          runs={shown}
          data={series}
          xMode={xMode}
          smoothing={smoothing}
          sharedY={view.panelY === 'shared'}
          zoom={view.zoom}
          onZoom={(zoom) => setView({ zoom })}
        />
      )}
      {cmp ? (
        <>
          <MetricSummary runs={runs} metrics={cmp.metrics} />
          <ConfigDiff
            runs={runs}
            rows={cmp.config}
            differencesOnly={differencesOnly}
            onToggle={(v) => setView({ differencesOnly: v })}
            loading={fetching}
          />
        </>
      ) : (
        chartsReady && runs.length > 0 && <Loading what="config and summary" />
      )}
    </section>
  );
}

function sameRuns(a: readonly { id: string }[] | undefined, b: readonly { id: string }[]): boolean {
  return !!a && a.length === b.length && a.every((r, i) => r.id === b[i]!.id);
}

/** Names the runs deleted since the page read them, as the run page says "This run was deleted." */
function DeletedNotice({ runs, deleted }: { runs: CompareRun[]; deleted: ReadonlySet<string> }) {
  const gone = runs.filter((r) => deleted.has(r.id));
  if (!gone.length) return null;
  return (
    <div className="notice notice-warning" role="status" data-testid="compare-deleted">
      <strong>{gone.length === 1 ? 'This run was deleted: ' : `These ${gone.length} runs were deleted: `}</strong>
      {gone.map((r) => r.name).join(', ')}
    </div>
  );
}
