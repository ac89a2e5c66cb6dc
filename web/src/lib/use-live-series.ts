'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import {
  MetricKeysForRunsDocument,
  MetricSeriesDocument,
  MetricsLoggedDocument,
  WorkspaceSeriesDocument,
} from '@/gql/graphql';
import { type LiveState, type RunSeq, SeqTracker, useApiUrl, useLiveSubscription, useLoad } from './data';
import { type ApiProblem, describeError } from './errors';
import { toNumber } from './metric-value';
import { emptySeries, mergePoint, type Series, seriesFromColumns } from './series';
import type { SeriesWireList } from './series-pack';

export const seriesKey = (runId: string, key: string) => `${runId}\u0000${key}`;

export interface LiveSeries {
  /**
   * (run, key) -> series. A new Map (same Series objects, merged into in place) whenever points arrived,
   * so components can depend on it; `version` counts those changes.
   */
  series: Map<string, Series>;
  version: number;
  loading: boolean;
  problem: ApiProblem | null;
  live: { state: LiveState; error: string | null };
  /** Every metric key seen so far (initial load plus live points), sorted. */
  keys: string[];
  reload: () => void;
}

/** What components see of the mutable map and key set (see LiveSeries.series). */
function snapshot(series: Map<string, Series>, keys: Set<string>) {
  return { series: new Map(series), keys: [...keys].sort() };
}

function loaded(series: Map<string, Series>, keys: Set<string>) {
  return { loading: false, problem: null, ready: true, ...snapshot(series, keys) };
}

/**
 * Metric series of some runs, loaded once with metricSeries (columns, downsampled to maxPoints) and then
 * kept current by metricsLogged. `runs` must carry each run's seq read BEFORE the series were loaded:
 * the subscription replays from there, so nothing logged in between is missed, and replayed points
 * overwrite the same (key, step) instead of duplicating it.
 * `keys: null` means every key (and new keys appear live); otherwise only those keys.
 */
export function useLiveSeries(
  runs: RunSeq[] | null,
  keys: string[] | null,
  maxPoints: number,
  /** Series already fetched (on the server, after `runs`' seqs were read): used once instead of a query. */
  initial?: SeriesWireList | null,
  /** Steps and values only (WorkspaceSeries): no extremes or wall times, which the server then skips. */
  lean = false,
): LiveSeries {
  const load = useLoad();
  const apiUrl = useApiUrl();
  const [state, setState] = useState<{
    loading: boolean;
    problem: ApiProblem | null;
    version: number;
    ready: boolean;
    /** Snapshots of seriesRef / keysRef taken at each change (see LiveSeries.series). */
    series: Map<string, Series>;
    keys: string[];
  }>({ loading: true, problem: null, version: 0, ready: false, series: new Map(), keys: [] });
  const [attempt, setAttempt] = useState(0);
  const seriesRef = useRef(new Map<string, Series>());
  const keysRef = useRef(new Set<string>());
  const tracker = useRef(new SeqTracker());
  const frame = useRef<number | null>(null);
  const initialRef = useRef(initial ?? null);
  const runsKey = runs ? JSON.stringify(runs) : null;
  const keysKey = keys ? JSON.stringify(keys) : null;

  useEffect(() => {
    if (runsKey === null) return;
    const runList = JSON.parse(runsKey) as RunSeq[];
    let cancelled = false;
    (async () => {
      // Only the first attempt may use what the server prefetched; a retry or new runs query again.
      const pre = attempt === 0 ? initialRef.current : null;
      initialRef.current = null;
      if (pre && keysKey) {
        const map = new Map<string, Series>();
        for (const s of pre)
          map.set(seriesKey(s.runId, s.key), seriesFromColumns(s.runId, s.key, s.downsampled, s.columns, s.bucketSize));
        performance.mark('runboard:series-loaded');
        seriesRef.current = map;
        keysRef.current = new Set(JSON.parse(keysKey) as string[]);
        tracker.current = new SeqTracker(runList, 'series');
        setState((s) => ({ ...loaded(seriesRef.current, keysRef.current), version: s.version + 1 }));
        return;
      }
      setState((s) => ({ ...s, loading: true, problem: null, ready: false }));
      let wanted: string[] = keysKey ? (JSON.parse(keysKey) as string[]) : [];
      if (!keysKey) {
        const k = await load(MetricKeysForRunsDocument, { runIds: runList.map((r) => r.runId) });
        if (cancelled) return;
        if (k.error) return setState((s) => ({ ...s, loading: false, problem: describeError(k.error, apiUrl) }));
        wanted = k.data?.metricKeys ?? [];
      }
      const map = new Map<string, Series>();
      if (wanted.length && runList.length) {
        const vars = { runIds: runList.map((r) => r.runId), keys: wanted, maxPoints };
        const res = lean ? await load(WorkspaceSeriesDocument, vars) : await load(MetricSeriesDocument, vars);
        if (cancelled) return;
        if (res.error || !res.data)
          return setState((s) => ({
            ...s,
            loading: false,
            problem: describeError(res.error, apiUrl) ?? { message: 'No data' },
          }));
        for (const s of res.data.metricSeries)
          map.set(seriesKey(s.runId, s.key), seriesFromColumns(s.runId, s.key, s.downsampled, s.columns, s.bucketSize));
      }
      // For bench/web.ts: splits load time into fetching and drawing.
      performance.mark('runboard:series-loaded');
      seriesRef.current = map;
      keysRef.current = new Set(wanted);
      tracker.current = new SeqTracker(runList, 'series');
      setState((s) => ({ ...loaded(seriesRef.current, keysRef.current), version: s.version + 1 }));
    })().catch(
      (e: unknown) =>
        !cancelled && setState((s) => ({ ...s, loading: false, problem: { message: (e as Error).message } })),
    );
    return () => {
      cancelled = true;
    };
  }, [load, apiUrl, runsKey, keysKey, maxPoints, attempt, lean]);

  // Re-render at most once per animation frame however many batches arrive.
  const bump = useCallback(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      setState((s) => ({ ...s, version: s.version + 1, ...snapshot(seriesRef.current, keysRef.current) }));
    });
  }, []);
  useEffect(() => () => void (frame.current !== null && cancelAnimationFrame(frame.current)), []);

  const live = useLiveSubscription(
    MetricsLoggedDocument,
    state.ready && runsKey
      ? {
          runIds: (JSON.parse(runsKey) as RunSeq[]).map((r) => r.runId),
          keys: keysKey ? (JSON.parse(keysKey) as string[]) : null,
        }
      : null,
    () => tracker.current.since(),
    ({ metricsLogged: ev }) => {
      if (!tracker.current.accept(ev.runId, ev.seq)) return; // already applied (overlapping replay)
      for (const p of ev.points) {
        const k = seriesKey(ev.runId, p.key);
        let s = seriesRef.current.get(k);
        if (!s) seriesRef.current.set(k, (s = emptySeries(ev.runId, p.key)));
        keysRef.current.add(p.key);
        mergePoint(s, p.step, toNumber(p.value), Date.parse(p.wallTime));
      }
      bump();
    },
  );

  return {
    series: state.series,
    version: state.version,
    loading: state.loading,
    problem: state.problem,
    live,
    keys: state.keys,
    reload: () => setAttempt((a) => a + 1),
  };
}
