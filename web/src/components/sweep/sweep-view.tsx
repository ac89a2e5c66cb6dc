'use client';

import Link from 'next/link';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  CancelSweepDocument,
  MetricsLoggedDocument,
  RunChangedByIdDocument,
  SweepDetailDocument,
  type SweepDetailQuery,
} from '@/gql/graphql';
import { SeqTracker, useApiUrl, useLiveSubscription, useMutation, useQuery } from '@/lib/data';
import { describeError } from '@/lib/errors';
import { formatDate } from '@/lib/format';
import { formatNumber, toNumber } from '@/lib/metric-value';
import { type ParamAxis, paramAxis, type SweepRow } from '@/lib/sweep-analysis';
import { Loading, Notice } from '../notice';
import { useCan } from '../session';
import { ALL_STATUSES, StatusBadge } from '../status-badge';
import { ParallelCoordinates } from './parallel-coordinates';
import { ParamImportance } from './param-importance';
import { ParamScatter } from './param-scatter';
import { SweepRunsTable } from './sweep-runs-table';

// Best value and the scatter points are computed by the server; re-read at most this often while runs log.
const REFRESH_MS = 1500;
const ENDED = new Set(['FINISHED', 'FAILED', 'CANCELED']);

type Sweep = NonNullable<SweepDetailQuery['sweep']>;

/** Each run's parameter values and metric, and an axis per parameter (log for those spanning decades). */
function analysisOf(sweep: Sweep): { rows: SweepRow[]; axes: ParamAxis[] } {
  const names = new Map(sweep.runs.map((r) => [r.id, r.name]));
  const byRun = new Map<string, SweepRow>();
  for (const p of sweep.parameters)
    for (const pt of p.points) {
      let row = byRun.get(pt.runId);
      if (!row) {
        row = {
          runId: pt.runId,
          name: names.get(pt.runId) ?? pt.runId,
          values: {},
          metric: pt.metric === null ? Number.NaN : toNumber(pt.metric),
        };
        byRun.set(pt.runId, row);
      }
      row.values[p.name] = pt.value;
    }
  const rows = [...byRun.values()];
  const space = (sweep.space ?? {}) as Record<string, unknown>;
  const axes = sweep.parameters.map((p) =>
    paramAxis(
      p.name,
      p.points.map((pt) => pt.value),
      space[p.name],
    ),
  );
  return { rows, axes };
}

/**
 * /sweeps/[id]: the sweep's runs with live status badges (runChanged on its run ids), the best run so
 * far, and one scatter per swept parameter against the metric. Metric batches (metricsLogged, only the
 * sweep metric) and run changes trigger a throttled re-read of the sweep for the server-side aggregates.
 */
export function SweepView({ id }: { id: string }) {
  const apiUrl = useApiUrl();
  const [{ data, error, fetching }, refetch] = useQuery({
    query: SweepDetailDocument,
    variables: { id },
    requestPolicy: 'network-only',
  });
  const sweep = data?.sweep;
  // Live statuses newer than the last read of the sweep, by run: { status, seq }.
  const [live, setLive] = useState<Map<string, { status: string; seq: number }>>(new Map());
  // Taken once per sweep: the throttled re-reads (newer seqs) must not restart the subscriptions.
  const [runSeqs, setRunSeqs] = useState<{ runId: string; seq: number }[] | null>(null);
  const [seqsOf, setSeqsOf] = useState<string | null>(null);
  if (sweep && seqsOf !== sweep.id) {
    setSeqsOf(sweep.id);
    setRunSeqs(sweep.runs.map((r) => ({ runId: r.id, seq: r.seq })));
  }
  const changes = useRef<SeqTracker | null>(null);
  const metrics = useRef<SeqTracker | null>(null);
  if (runSeqs && !changes.current) {
    changes.current = new SeqTracker(runSeqs);
    metrics.current = new SeqTracker(runSeqs);
  }

  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refresh = useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      refetch({ requestPolicy: 'network-only' });
    }, REFRESH_MS);
  }, [refetch]);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const runIds = runSeqs?.map((r) => r.runId) ?? null;
  const changeLive = useLiveSubscription(
    RunChangedByIdDocument,
    runIds ? { runIds } : null,
    () => changes.current?.since(),
    ({ runChanged: ev }) => {
      const { runId, seq } = ev;
      if (runId == null || seq == null || !changes.current?.accept(runId, seq)) return;
      // Deleted (live, or while the page was away: the replay says so): the sweep's re-read drops the run.
      if (ev.run) {
        const status = ev.run.status;
        setLive((m) => new Map(m).set(runId, { status, seq }));
      }
      refresh();
    },
  );
  useLiveSubscription(
    MetricsLoggedDocument,
    runIds && sweep ? { runIds, keys: [sweep.metric] } : null,
    () => metrics.current?.since(),
    ({ metricsLogged: ev }) => {
      if (metrics.current?.accept(ev.runId, ev.seq)) refresh();
    },
  );

  const analysis = useMemo(() => (sweep ? analysisOf(sweep) : null), [sweep]);
  // Runs inside the parallel-coordinates brushes; null when nothing is brushed.
  const [selected, setSelected] = useState<Set<string> | null>(null);
  const [cancelState, cancelSweep] = useMutation(CancelSweepDocument);
  const [confirming, setConfirming] = useState(false);
  const canCancel = useCan('LAUNCH');

  const statusOf = useCallback(
    (runId: string, fallback: string) => {
      const l = live.get(runId);
      const row = sweep?.runs.find((r) => r.id === runId);
      return l && (!row || l.seq > row.seq) ? l.status : fallback;
    },
    [live, sweep],
  );

  const problem = describeError(error, apiUrl);
  if (problem)
    return (
      <Notice
        title="Could not load the sweep."
        problem={problem}
        onRetry={() => refetch({ requestPolicy: 'network-only' })}
      />
    );
  if (!data || (fetching && !sweep)) return <Loading what="sweep" />;
  if (!sweep) {
    return (
      <Notice title="No such sweep." problem={{ message: `There is no sweep with id “${id}”.` }}>
        <p>
          <Link href="/">Back to experiments</Link>
        </p>
      </Notice>
    );
  }

  const counts = new Map<string, number>();
  for (const r of sweep.runs) {
    const s = statusOf(r.id, r.status);
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const active = sweep.runs.filter((r) => !ENDED.has(statusOf(r.id, r.status))).length;
  const cancelProblem = describeError(cancelState.error, apiUrl);
  return (
    <section>
      <div className="crumbs">
        <Link href="/">Experiments</Link> /{' '}
        <Link href={`/experiments/${sweep.experiment.id}`}>{sweep.experiment.name}</Link> / sweeps /
      </div>
      <div className="page-head">
        <h1 data-testid="sweep-name">{sweep.name}</h1>
        <span className="muted">
          {sweep.method} · {sweep.runs.length} of max {sweep.maxRuns} runs · {sweep.parallelism} at once · launched{' '}
          {formatDate(sweep.createdAt)}
        </span>
        {sweep.runs.length > 0 && (
          <Link href={`/compare?runs=${sweep.runs.map((r) => r.id).join(',')}`} data-testid="sweep-compare">
            Compare all {sweep.runs.length} runs…
          </Link>
        )}
        {active > 0 &&
          canCancel &&
          (confirming ? (
            <span className="toolbar" style={{ margin: 0 }}>
              <button
                type="button"
                className="danger"
                disabled={cancelState.fetching}
                data-testid="sweep-cancel-confirm"
                onClick={async () => {
                  const r = await cancelSweep({ id: sweep.id });
                  if (!r.error) setConfirming(false);
                  refresh();
                }}
              >
                {cancelState.fetching ? 'Cancelling…' : `Cancel ${active} unfinished run${active === 1 ? '' : 's'}`}
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Keep running
              </button>
            </span>
          ) : (
            <button type="button" onClick={() => setConfirming(true)} data-testid="sweep-cancel">
              Cancel sweep…
            </button>
          ))}
      </div>
      <div className="toolbar" data-testid="sweep-counts">
        {ALL_STATUSES.filter((s) => counts.has(s)).map((s) => (
          <span key={s} className="count-chip">
            <StatusBadge status={s} /> {counts.get(s)}
          </span>
        ))}
        <span className="spacer" />
        <span data-testid="sweep-best">
          Best {sweep.summary === 'LAST' ? 'last' : 'best-over-epochs'} {sweep.metric} (
          {sweep.goal === 'MINIMIZE' ? 'lowest' : 'highest'}, each run's {sweep.summary === 'LAST' ? 'final' : 'best'}{' '}
          value):{' '}
          {sweep.bestRun ? (
            <>
              <strong>{formatNumber(sweep.bestValue)}</strong> in{' '}
              <Link href={`/runs/${sweep.bestRun.id}`}>{sweep.bestRun.name}</Link>
            </>
          ) : (
            <span className="muted">no run has logged it yet</span>
          )}
        </span>
      </div>
      {changeLive.state === 'error' && (
        <Notice kind="warning" title="Live updates failed." problem={{ message: changeLive.error ?? '' }} />
      )}
      {cancelProblem && <Notice title="Could not cancel the sweep." problem={cancelProblem} />}
      {cancelState.data && (
        <p className="muted small" data-testid="sweep-cancel-done">
          Sweep cancelled: {cancelState.data.cancelSweep.runs.filter((r) => r.status === 'CANCELED').length} runs
          canceled;{' '}
          {
            cancelState.data.cancelSweep.runs.filter((r) => r.status !== 'CANCELED' && r.launch?.cancelRequestedAt)
              .length
          }{' '}
          running runs asked to stop (their agents end them).
        </p>
      )}
      {analysis && analysis.axes.length > 0 && (
        <>
          <ParallelCoordinates
            rows={analysis.rows}
            axes={analysis.axes}
            metric={sweep.metric}
            minimize={sweep.goal === 'MINIMIZE'}
            onSelect={setSelected}
          />
          <ParamImportance rows={analysis.rows} axes={analysis.axes} metric={sweep.metric} />
          <div className="charts">
            {analysis.axes.map((a) => (
              <ParamScatter
                key={a.name}
                axis={a}
                rows={analysis.rows}
                metric={sweep.metric}
                bestRunId={sweep.bestRun?.id ?? null}
                selected={selected}
              />
            ))}
          </div>
        </>
      )}
      <h2>
        Runs
        {selected && (
          <span className="muted small" data-testid="sweep-runs-filtered">
            {' '}
            · {selected.size} of {sweep.runs.length} in the brushed ranges
          </span>
        )}
      </h2>
      <SweepRunsTable sweep={sweep} statusOf={statusOf} only={selected} />
      <div className="two-col" style={{ marginTop: 16 }}>
        <div className="panel">
          <h2>Search space</h2>
          <pre className="json" data-testid="sweep-space">
            {JSON.stringify(sweep.space, null, 2)}
          </pre>
        </div>
        <div className="panel">
          <h2>Base config</h2>
          <pre className="json">{JSON.stringify(sweep.baseConfig, null, 2)}</pre>
        </div>
      </div>
    </section>
  );
}
