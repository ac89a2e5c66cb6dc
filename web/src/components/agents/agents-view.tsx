'use client';

import Link from 'next/link';
import { useCallback } from 'react';
import { AgentsDocument } from '@/gql/graphql';
import { useApiUrl, useQuery } from '@/lib/data';
import { describeError } from '@/lib/errors';
import { timeAgo } from '@/lib/format';
import { Loading, Notice } from '../notice';
import { useCan } from '../session';
import { StatusBadge } from '../status-badge';
import { usePolling } from './use-polled';

/** /agents: the launch queue's state and every agent the server has heard of, online ones first. */
export function AgentsView() {
  const apiUrl = useApiUrl();
  const canLaunch = useCan('LAUNCH');
  const [{ data, error }, refetch] = useQuery({ query: AgentsDocument, requestPolicy: 'network-only' });
  usePolling(useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]));
  const problem = describeError(error, apiUrl);
  if (problem && !data)
    return (
      <Notice
        title="Could not load agents."
        problem={problem}
        onRetry={() => refetch({ requestPolicy: 'network-only' })}
      />
    );
  if (!data) return <Loading what="agents" />;
  const q = data.queueStatus;
  const agents = [...data.agents].sort((a, b) => Number(b.online) - Number(a.online));
  return (
    <section>
      <div className="page-head">
        <h1>Agents</h1>
        {canLaunch && <Link href="/launch">Launch a run…</Link>}
      </div>
      <div className="stats" data-testid="queue-status">
        <div className="stat">
          <span className="stat-value" data-testid="queue-queued">
            {q.queued}
          </span>
          <span className="muted">queued</span>
        </div>
        <div className="stat">
          <span className="stat-value" data-testid="queue-running">
            {q.running}
          </span>
          <span className="muted">on agents</span>
        </div>
        <div className="stat">
          <span className="stat-value" data-testid="queue-agents">
            {q.agentsOnline}
          </span>
          <span className="muted">agents online</span>
        </div>
      </div>
      {agents.length === 0 ? (
        <Notice kind="info" title="No agent has connected yet.">
          <p>
            Queued runs wait until one does. Start one with <code>npm run agent -- --server {apiUrl}</code> (add{' '}
            <code>--labels gpu --gpus 0,1</code> on GPU machines).
          </p>
        </Notice>
      ) : (
        <table className="grid" data-testid="agents-table">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Host</th>
              <th>State</th>
              <th>Labels</th>
              <th>GPUs</th>
              <th className="num">Runs / slots</th>
              <th>Running now</th>
            </tr>
          </thead>
          <tbody>
            {agents.map((a) => (
              <tr key={a.id} data-testid="agent-row" data-agent={a.name}>
                <td>
                  <strong>{a.name}</strong>
                </td>
                <td>{a.host}</td>
                <td>
                  <span className={a.online ? 'online' : 'muted'} data-testid="agent-state">
                    {a.online ? '● online' : 'offline'}
                  </span>
                  <div className="muted small">seen {timeAgo(a.lastSeenAt)}</div>
                </td>
                <td>
                  {a.labels.length ? (
                    a.labels.map((l) => (
                      <span key={l} className="tag">
                        {l}
                      </span>
                    ))
                  ) : (
                    <span className="muted">none</span>
                  )}
                </td>
                <td>{a.gpus.join(', ') || '—'}</td>
                <td className="num">
                  {a.runs.length} / {a.concurrency}
                </td>
                <td className="wrap">
                  {a.runs.length === 0 && <span className="muted">idle</span>}
                  {a.runs.map((r) => (
                    <div key={r.id}>
                      <StatusBadge status={r.status} /> <Link href={`/runs/${r.id}`}>{r.name}</Link>{' '}
                      <span className="muted small">in {r.experiment.name}</span>
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
