'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  ExperimentRunChangedDocument,
  MetricsLoggedDocument,
  type MetricsLoggedSubscription,
  type RunOrder,
  type RunRowFragment,
  RunsCountDocument,
  RunsPageDocument,
  type RunsPageQuery,
  type RunsPageQueryVariables,
} from '@/gql/graphql';
import { type Load, type Loaded, SeqTracker, useApiUrl, useLiveSubscription, useLoad } from '@/lib/data';
import { type ApiProblem, describeError } from '@/lib/errors';
import { toNumber } from '@/lib/metric-value';
import { RUNS_PAGE_SIZE } from '@/lib/view-state';

export const PAGE_SIZE = RUNS_PAGE_SIZE;

/** Runs that may still log metrics, so their table cells need the metricsLogged stream. */
const ACTIVE = new Set(['RUNNING', 'QUEUED', 'CRASHED']);

type LoggedPoint = MetricsLoggedSubscription['metricsLogged']['points'][number];

/** The run's metric summaries with new points folded in (last value, extremes ignoring NaN, count). */
function withPoints(run: RunRowFragment, points: LoggedPoint[]): RunRowFragment {
  const metrics = run.metrics.map((m) => ({ ...m }));
  for (const p of points) {
    let m = metrics.find((x) => x.key === p.key);
    if (!m) metrics.push((m = { key: p.key, lastValue: p.value, lastStep: p.step, min: null, max: null, count: 0 }));
    if (p.step >= m.lastStep) {
      m.lastValue = p.value;
      m.lastStep = p.step;
    }
    const v = toNumber(p.value);
    if (!Number.isNaN(v)) {
      if (m.min === null || v < toNumber(m.min)) m.min = p.value;
      if (m.max === null || v > toNumber(m.max)) m.max = p.value;
    }
    m.count++;
  }
  return { ...run, metrics };
}

interface State {
  rows: RunRowFragment[];
  totalCount: number | null;
  endCursor: string | null;
  hasNext: boolean;
  loading: boolean;
  problem: ApiProblem | null;
}

const INITIAL: State = { rows: [], totalCount: null, endCursor: null, hasNext: false, loading: true, problem: null };

export interface InitialPage {
  totalCount: number;
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
  nodes: RunRowFragment[];
}

function stateOfPage(page: InitialPage): State {
  return {
    rows: page.nodes,
    totalCount: page.totalCount,
    endCursor: page.pageInfo.endCursor ?? null,
    hasNext: page.pageInfo.hasNextPage,
    loading: false,
    problem: null,
  };
}

/** What a runs query asks: the same for pages, counts and the live streams. Keys are JSON, so effects compare by value. */
interface RunsQuery {
  experimentId: string;
  where: string;
  archived: boolean | null;
  orderKey: string;
  /** JSON of the metric keys to summarise per row; null = all. */
  keysKey: string | null;
}

/** Each run's last applied seq, per stream (the two share a run's seq space but are not ordered with each other). */
interface Trackers {
  runs: SeqTracker;
  metrics: SeqTracker;
  /**
   * The newest state of runs that changed while not in the rows: a page being fetched when its run changed is
   * read older than the event (which found no row to update), so the page's row is replaced by this one.
   */
  unseen: Map<string, RunRowFragment>;
}

/** A fetched row, or the newer state a live event brought while the page was on its way. */
function newest(row: RunRowFragment, unseen: Map<string, RunRowFragment>): RunRowFragment {
  const live = unseen.get(row.id);
  unseen.delete(row.id);
  return live && live.seq > row.seq ? live : row;
}

type SetState = React.Dispatch<React.SetStateAction<State>>;

/**
 * The runs of one experiment, server-filtered and server-sorted, loaded a page at a time (cursor),
 * kept current by the runChanged subscription: rows update in place; created runs are counted so
 * the user can reload (inserting them would ignore the filter and order).
 */
export function useRuns(
  experimentId: string,
  where: string,
  orderBy: RunOrder[],
  onActivity: () => void,
  archived: boolean | null = false,
  /** Metric summaries to load per run (the table's metric columns); null = all. */
  metricKeys: string[] | null = null,
  /** The first page as the server component fetched it with these same arguments (no refetch on mount). */
  initialPage?: InitialPage | null,
) {
  const q: RunsQuery = {
    experimentId,
    where,
    archived,
    orderKey: JSON.stringify(orderBy),
    keysKey: metricKeys ? JSON.stringify(metricKeys) : null,
  };
  const trackers = useRef<Trackers>({ runs: new SeqTracker(), metrics: new SeqTracker(), unseen: new Map() });
  const [newRuns, setNewRuns] = useState(0);
  const pages = useRunPages(q, trackers.current, initialPage, () => setNewRuns(0));
  const recount = useRecount(q, pages.generation, pages.setState);
  const { live, activityAt } = useRunChanges(q, trackers.current, pages.state, pages.setState, {
    onActivity,
    recount,
    onCreated: () => setNewRuns((n) => n + 1),
  });
  const { state, reload, loadMore, loadBigPage } = pages;
  return { ...state, newRuns, reload, loadMore, loadBigPage, live, activityAt };
}

/** The rows: the first page (or the server's), the next pages on demand, all again when the query changes. */
function useRunPages(
  q: RunsQuery,
  trackers: Trackers,
  initialPage: InitialPage | null | undefined,
  onReload: () => void,
) {
  const load = useLoad();
  const apiUrl = useApiUrl();
  const { experimentId, where, archived, orderKey, keysKey } = q;
  const [state, setState] = useState<State>(() => (initialPage ? stateOfPage(initialPage) : INITIAL));
  const skipFirstLoad = useRef(!!initialPage);
  const generation = useRef(0);
  /** The cursor after which a page is being fetched to append, if any (see fetchNext). */
  const appending = useRef<string | null>(null);
  const onReloadRef = useRef(onReload);
  onReloadRef.current = onReload;

  const fetchPage = useCallback(
    async (after: string | null, first = PAGE_SIZE) => {
      const gen = generation.current;
      if (after) appending.current = after;
      setState((s) => ({ ...s, loading: true }));
      const res = await load(RunsPageDocument, {
        experimentId,
        where: where || null,
        archived,
        orderBy: JSON.parse(orderKey),
        first,
        after,
        metricKeys: keysKey ? JSON.parse(keysKey) : null,
      });
      if (after && appending.current === after) appending.current = null;
      if (gen !== generation.current) return; // filter or order changed meanwhile
      if (res.error || !res.data) {
        // The rows on screen no longer answer the question asked: show none rather than stale ones.
        setState({ ...INITIAL, loading: false, problem: describeError(res.error, apiUrl) ?? { message: 'No data' } });
        return;
      }
      const runs = res.data.runs;
      const page = { ...runs, nodes: runs.nodes.map((r) => newest(r, trackers.unseen)) };
      for (const r of page.nodes) {
        trackers.runs.set(r.id, r.seq);
        if (trackers.metrics.get(r.id) === undefined) trackers.metrics.set(r.id, r.seq);
      }
      setState((s) => {
        // A page is appended once, right after the page it continues.
        if (after && s.endCursor !== after) return s;
        return {
          rows: after ? [...s.rows, ...page.nodes] : page.nodes,
          totalCount: page.totalCount,
          endCursor: page.pageInfo.endCursor ?? null,
          hasNext: page.pageInfo.hasNextPage,
          loading: false,
          problem: null,
        };
      });
    },
    [load, experimentId, where, orderKey, apiUrl, archived, keysKey, trackers],
  );

  const reload = useCallback(() => {
    generation.current++;
    onReloadRef.current();
    setState((s) => ({ ...INITIAL, rows: s.rows.length && !s.problem ? s.rows : [] }));
    void fetchPage(null);
  }, [fetchPage]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the rows and trackers matter only on the first run
  useEffect(() => {
    if (skipFirstLoad.current) {
      skipFirstLoad.current = false;
      for (const r of state.rows) {
        trackers.runs.set(r.id, r.seq);
        trackers.metrics.set(r.id, r.seq);
      }
      return;
    }
    reload();
  }, [reload]);

  // Checked against a ref, not only state.loading: two calls before React re-rendered (the table's end scrolling into
  // view and a click on "Load more" in the same moment) both saw loading false and appended the same page twice.
  const fetchNext = useCallback(
    (first?: number) => {
      if (state.loading || !state.hasNext || !state.endCursor || appending.current === state.endCursor) return;
      void fetchPage(state.endCursor, first);
    },
    [fetchPage, state.loading, state.hasNext, state.endCursor],
  );
  const loadMore = useCallback(() => fetchNext(), [fetchNext]);
  /** The next page in the API's largest size (grouping needs every matching run). */
  const loadBigPage = useCallback(() => fetchNext(500), [fetchNext]);
  return { state, setState, generation, reload, loadMore, loadBigPage };
}

/**
 * Creates and deletes change how many runs match; the server counts (the filter may or may not match a created run,
 * and a deleted run may never have been loaded). Coalesced without a delay: a burst while a count is in flight costs
 * one more count, started when that one returns (so the last answer is never older than the last event).
 */
function useRecount(q: RunsQuery, generation: React.RefObject<number>, setState: SetState) {
  const load = useLoad();
  const { experimentId, where, archived } = q;
  const busy = useRef(false);
  /** Asked again while a count was in flight. */
  const again = useRef(false);
  const recount = useCallback(() => {
    again.current = true;
    if (busy.current) return;
    busy.current = true;
    void (async () => {
      while (again.current) {
        again.current = false;
        const gen = generation.current;
        const res = await load(RunsCountDocument, { experimentId, where: where || null, archived });
        if (gen !== generation.current || !res.data) continue;
        const n = res.data.runs.totalCount;
        setState((s) => (s.totalCount === null ? s : { ...s, totalCount: n }));
      }
      busy.current = false;
    })();
  }, [load, experimentId, where, archived, generation, setState]);
  return recount;
}

/** runChanged for the rows and the count, metricsLogged for active rows' metric cells; when a run last did either. */
function useRunChanges(
  q: RunsQuery,
  trackers: Trackers,
  state: State,
  setState: SetState,
  on: { onActivity: () => void; recount: () => void; onCreated: () => void },
) {
  const { experimentId, archived, keysKey } = q;
  const { rows } = state;
  const { onActivity, recount, onCreated } = on;
  // When a run of this experiment last changed or logged, as seen live (the header's lastActivityAt is read
  // at most every 2 s, and logging emits no run event at all).
  const [activityAt, setActivityAt] = useState<string | null>(null);
  // Not before the first page is read (or came with the server's render): its seqs are where the stream starts.
  const [read, setRead] = useState(false);
  if (!read && state.totalCount !== null) setRead(true);
  const live = useLiveSubscription(
    ExperimentRunChangedDocument,
    read
      ? {
          experimentId,
          sinceListedOnly: true,
          startWithResync: true,
          metricKeys: keysKey ? (JSON.parse(keysKey) as string[]) : null,
        }
      : null,
    // Every subscribe, the first too, replays from the seqs of the runs read (or changed live) so far: a change
    // committed between the page's read and the server's subscribe is replayed, not lost. Only the listed runs are
    // replayed (sinceListedOnly): the other pages' runs are read later, after the stream is live.
    () => trackers.runs.since(),
    ({ runChanged: ev }) => {
      // The server listens now (first subscribe, resubscribe, or after its database outage): runs created or
      // deleted unread before that are in no replay, so count again, once, with nothing left in between.
      if (ev.kind === 'RESYNC' || ev.runId == null || ev.seq == null) return void recount();
      if (!trackers.runs.accept(ev.runId, ev.seq)) return;
      onActivity();
      setActivityAt(new Date().toISOString());
      if (ev.kind === 'DELETED' || !ev.run) {
        trackers.unseen.delete(ev.runId);
        setState((s) => ({ ...s, rows: s.rows.filter((r) => r.id !== ev.runId) }));
        recount();
        return;
      }
      const run = ev.run;
      if (ev.kind === 'CREATED') {
        onCreated();
        recount();
        return;
      }
      setState((s) => {
        const i = s.rows.findIndex((r) => r.id === run.id);
        if (i < 0) {
          trackers.unseen.set(run.id, run);
          return s;
        }
        const next = s.rows.slice();
        // Archived (or unarchived) elsewhere: it leaves this list; the count follows.
        if (run.archived !== next[i]!.archived && archived !== null) {
          next.splice(i, 1);
          recount();
        } else next[i] = run;
        return { ...s, rows: next };
      });
    },
  );

  // Latest/best metric cells of active runs follow metricsLogged (logging does not emit runChanged).
  const activeKey = useMemo(
    () =>
      rows
        .filter((r) => ACTIVE.has(r.status))
        .map((r) => r.id)
        .sort()
        .join(','),
    [rows],
  );
  useLiveSubscription(
    MetricsLoggedDocument,
    activeKey ? { runIds: activeKey.split(','), keys: keysKey ? (JSON.parse(keysKey) as string[]) : null } : null,
    () => {
      const ids = new Set(activeKey.split(','));
      return trackers.metrics.since().filter((s) => ids.has(s.runId));
    },
    ({ metricsLogged: ev }) => {
      if (!trackers.metrics.accept(ev.runId, ev.seq)) return;
      setActivityAt(new Date().toISOString());
      setState((s) => {
        const i = s.rows.findIndex((r) => r.id === ev.runId);
        if (i < 0) return s;
        const next = s.rows.slice();
        next[i] = withPoints(next[i]!, ev.points);
        return { ...s, rows: next };
      });
    },
  );
  return { live, activityAt };
}

/** Every matching run (for export), fetched in pages of 500. */
export async function fetchAllRuns(
  load: Load,
  experimentId: string,
  where: string,
  orderBy: RunOrder[],
  archived: boolean | null = false,
  metricKeys: string[] | null = null,
): Promise<RunRowFragment[]> {
  const out: RunRowFragment[] = [];
  let after: string | null = null;
  for (;;) {
    const res: Loaded<RunsPageQuery, RunsPageQueryVariables> = await load(RunsPageDocument, {
      experimentId,
      where: where || null,
      archived,
      orderBy,
      first: 500,
      after,
      metricKeys,
    });
    if (res.error || !res.data) throw res.error ?? new Error('No data');
    out.push(...res.data.runs.nodes);
    if (!res.data.runs.pageInfo.hasNextPage) return out;
    after = res.data.runs.pageInfo.endCursor ?? null;
  }
}
