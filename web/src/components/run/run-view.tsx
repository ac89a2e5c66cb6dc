'use client';

import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import {
  CancelRunDocument,
  RunChangedByIdDocument,
  type RunChangedByIdSubscription,
  RunDetailDocument,
  type RunLaunchInfoFragment,
  RunLaunchPollDocument,
} from '@/gql/graphql';
import { SeqTracker, useApiUrl, useLiveSubscription, useLoad, useMutation, useQuery } from '@/lib/data';
import { describeError } from '@/lib/errors';
import { formatDuration } from '@/lib/format';
import { maxPointsFor } from '@/lib/series';
import { useLiveSeries } from '@/lib/use-live-series';
import { Loading, Notice } from '../notice';
import { useCan } from '../session';
import { StatusBadge } from '../status-badge';
import { LaunchInfo, WaitingForAgent } from './launch-info';
import { RunBadges } from './run-badges';
import { RunCharts } from './run-charts';
import { RunEditors } from './run-editors';
import { Artifacts, KeyValues, RunTimes } from './run-info';
import { RunLogs } from './run-logs';
import { SystemMetrics } from './system-metrics';

type LiveRun = NonNullable<RunChangedByIdSubscription['runChanged']['run']>;
const ACTIVE = new Set(['RUNNING', 'QUEUED', 'CRASHED']);
// A CRASHED run's message (missing heartbeats) is still worth showing; a revived RUNNING one's is stale.
const SHOW_ERROR = new Set(['FAILED', 'CANCELED', 'CRASHED']);
const POLL_MS = 5000;

/**
 * launch.waitingForAgent flips when agents come and go, which sends no run event: poll it while the run
 * is QUEUED. A newer live event (the run claimed, canceled) replaces the polled value.
 */
function usePolledLaunch(id: string, queued: boolean, liveRun: unknown): RunLaunchInfoFragment | null {
  const load = useLoad();
  const [polled, setPolled] = useState<RunLaunchInfoFragment | null>(null);
  // A newer live event supersedes the polled value (adjusted while rendering, as React recommends).
  const [seenLive, setSeenLive] = useState(liveRun);
  if (seenLive !== liveRun) {
    setSeenLive(liveRun);
    setPolled(null);
  }
  useEffect(() => {
    if (!queued) return;
    const t = setInterval(async () => {
      const r = await load(RunLaunchPollDocument, { id });
      if (r.data?.run?.launch) setPolled(r.data.run.launch);
    }, POLL_MS);
    return () => clearInterval(t);
  }, [load, id, queued]);
  return polled;
}

export function RunView({ id }: { id: string }) {
  const apiUrl = useApiUrl();
  const [{ data, error, fetching }, refetch] = useQuery({
    query: RunDetailDocument,
    variables: { id },
    requestPolicy: 'network-only',
  });
  const [liveRun, setLiveRun] = useState<LiveRun | null>(null);
  const [deleted, setDeleted] = useState(false);
  const tracker = useRef<SeqTracker | null>(null);
  const [cancelState, cancel] = useMutation(CancelRunDocument);
  // A session without these scopes is not offered the controls (the API refuses them anyway).
  const canCancel = useCan('LAUNCH');
  const canEdit = useCan('LOG');
  const run = data?.run;
  const polledLaunch = usePolledLaunch(id, (liveRun ?? run)?.status === 'QUEUED', liveRun);
  if (run && !tracker.current) tracker.current = new SeqTracker([{ runId: run.id, seq: run.seq }]);

  // The seq from RunDetail was read before the series query, so metricsLogged resumes from it.
  // Taken once per run id: a refetch of the run (newer seq) must not reload the series.
  const [runSeqs, setRunSeqs] = useState<{ runId: string; seq: number }[] | null>(null);
  if (run && runSeqs?.[0]?.runId !== run.id) setRunSeqs([{ runId: run.id, seq: run.seq }]);
  const series = useLiveSeries(runSeqs, null, maxPointsFor(900));

  useLiveSubscription(
    RunChangedByIdDocument,
    run ? { runIds: [run.id] } : null,
    () => tracker.current?.since(),
    ({ runChanged: ev }) => {
      if (ev.runId == null || ev.seq == null || !tracker.current?.accept(ev.runId, ev.seq)) return;
      if (ev.kind === 'DELETED') setDeleted(true);
      else if (ev.run) setLiveRun(ev.run);
    },
  );

  const problem = describeError(error, apiUrl);
  if (problem) {
    const notFound = problem.code === 'NOT_FOUND';
    return (
      <Notice
        title={notFound ? 'No such run.' : 'Could not load the run.'}
        problem={problem}
        onRetry={notFound ? undefined : () => refetch({ requestPolicy: 'network-only' })}
      >
        <p>
          <Link href="/">Back to experiments</Link>
        </p>
      </Notice>
    );
  }
  if (!data || (fetching && !run)) return <Loading what="run" />;
  if (!run) {
    return (
      <Notice title="No such run." problem={{ message: `There is no run with id “${id}”.` }}>
        <p>
          <Link href="/">Back to experiments</Link>
        </p>
      </Notice>
    );
  }
  const cur = { ...run, ...(liveRun ?? {}) };
  const elapsed = cur.startedAt
    ? (cur.finishedAt ? Date.parse(cur.finishedAt) : Date.now()) - Date.parse(cur.startedAt)
    : NaN;
  const cancelProblem = describeError(cancelState.error);
  const launch = polledLaunch ?? cur.launch;
  const active = ACTIVE.has(cur.status);
  return (
    <section>
      <div className="crumbs">
        <Link href="/">Experiments</Link> /{' '}
        <Link href={`/experiments/${run.experiment.id}`}>{run.experiment.name}</Link> /
      </div>
      <div className="page-head">
        <h1 data-testid="run-name">{cur.name}</h1>
        <StatusBadge status={cur.status} errorMessage={cur.errorMessage} />
        <RunBadges systemInfo={cur.systemInfo} />
        <span className="muted">{formatDuration(elapsed)}</span>
        <Link href={`/compare?runs=${run.id}`}>Compare…</Link>
        {canCancel && active && !cur.cancelRequested && (
          <button
            type="button"
            className="danger"
            data-testid="cancel-run"
            disabled={cancelState.fetching}
            onClick={() => confirm(`Cancel run ${cur.name}?`) && void cancel({ id: run.id })}
          >
            Cancel run
          </button>
        )}
      </div>
      {deleted && <Notice kind="warning" title="This run was deleted." />}
      {cancelProblem && <Notice title="Could not cancel the run." problem={cancelProblem} />}
      {active && cur.cancelRequested && (
        <Notice kind="info" title="Cancel requested.">
          <p data-testid="cancel-requested">
            {launch
              ? 'Its agent is stopping the trainer (SIGTERM, then SIGKILL after a grace period); the run then ends CANCELED.'
              : 'The trainer registered this run itself: it stops when it next sees cancelRequested, and the run ends CANCELED.'}
          </p>
        </Notice>
      )}
      {cur.status === 'QUEUED' && launch?.waitingForAgent && <WaitingForAgent launch={launch} />}
      {cur.errorMessage && SHOW_ERROR.has(cur.status) && (
        <Notice
          kind={cur.status === 'FAILED' ? 'error' : 'warning'}
          title="Error reported"
          problem={{ message: cur.errorMessage }}
        />
      )}
      {series.problem && <Notice title="Could not load metrics." problem={series.problem} onRetry={series.reload} />}
      {series.live.state === 'error' && (
        <Notice kind="warning" title="Live updates failed." problem={{ message: series.live.error ?? '' }} />
      )}
      {series.loading && series.version === 0 ? (
        <Loading what="metrics" />
      ) : cur.status === 'QUEUED' && series.keys.length === 0 ? (
        // Empty charts say nothing before the trainer starts; they appear with the run's first points.
        <p className="muted" data-testid="no-metrics-yet">
          No metrics yet: the run has not started.
        </p>
      ) : (
        <RunCharts runId={run.id} data={series} />
      )}
      <RunLogs runId={run.id} />
      <div className="two-col" style={{ marginTop: 16 }}>
        <div className="panel">
          <h2>Config</h2>
          <KeyValues obj={run.config} testId="run-config" />
        </div>
        <div className="panel">
          <SystemMetrics runId={run.id} data={series} />
          <h2>Host and engines</h2>
          <KeyValues obj={run.systemInfo} testId="run-system" />
          <h2>Times</h2>
          <RunTimes run={cur} />
          <h2>Launch</h2>
          <LaunchInfo launch={launch} />
        </div>
      </div>
      {canEdit && <RunEditors id={run.id} tags={cur.tags} notes={cur.notes} />}
      <div className="panel">
        <h2>Artifacts</h2>
        <Artifacts run={run} apiUrl={apiUrl} />
      </div>
    </section>
  );
}
