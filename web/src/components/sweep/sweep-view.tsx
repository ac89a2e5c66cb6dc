'use client';

import Link from 'next/link';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { MetricsLoggedDocument, RunChangedByIdDocument, SweepDetailDocument } from '@/gql/graphql';
import { describeError } from '@/lib/errors';
import { formatDate } from '@/lib/format';
import { SeqTracker, useLiveSubscription } from '@/lib/live';
import { formatNumber } from '@/lib/metric-value';
import { Loading, Notice } from '../notice';
import { useApi } from '../providers';
import { ALL_STATUSES, StatusBadge } from '../status-badge';
import { ParamScatter } from './param-scatter';
import { SweepRunsTable } from './sweep-runs-table';

// Best value and the scatter points are computed by the server; re-read at most this often while runs log.
const REFRESH_MS = 1500;

/**
 * /sweeps/[id]: the sweep's runs with live status badges (runChanged on its run ids), the best run so
 * far, and one scatter per swept parameter against the metric. Metric batches (metricsLogged, only the
 * sweep metric) and run changes trigger a throttled re-read of the sweep for the server-side aggregates.
 */
export function SweepView({ id }: { id: string }) {
  const { apiUrl } = useApi();
  const [{ data, error, fetching }, refetch] = useQuery({
    query: SweepDetailDocument,
    variables: { id },
    requestPolicy: 'network-only',
  });
  const sweep = data?.sweep;
  // Live statuses newer than the last read of the sweep, by run: { status, seq }.
  const [live, setLive] = useState<Map<string, { status: string; seq: number }>>(new Map());
  const runSeqs = useMemo(() => sweep?.runs.map((r) => ({ runId: r.id, seq: r.seq })) ?? null, [sweep?.id]); // eslint-disable-line react-hooks/exhaustive-deps
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
      if (!changes.current?.accept(ev.runId, ev.seq) || !ev.run) return;
      const status = ev.run.status;
      setLive((m) => new Map(m).set(ev.runId, { status, seq: ev.seq }));
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
  const runNames = new Map(sweep.runs.map((r) => [r.id, r.name]));
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
      <div className="charts">
        {sweep.parameters.map((p) => (
          <ParamScatter
            key={p.name}
            param={p}
            metric={sweep.metric}
            bestRunId={sweep.bestRun?.id ?? null}
            runNames={runNames}
          />
        ))}
      </div>
      <h2>Runs</h2>
      <SweepRunsTable sweep={sweep} statusOf={statusOf} />
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
