'use client';

import { BUILTIN_ENTRY_POINT } from '@runboard/contract/entry-point';
import Link from 'next/link';
import type { RunLaunchInfoFragment } from '@/gql/graphql';
import { useApiUrl } from '@/lib/data';
import { formatDate } from '@/lib/format';
import { Notice } from '../notice';

/** Why a run is not moving: no online agent has its entry point or carries its labels. Says how to start one. */
export function WaitingForAgent({ launch }: { launch: RunLaunchInfoFragment }) {
  const apiUrl = useApiUrl();
  const labels = launch.labels.length ? ` --labels ${launch.labels.join(',')}` : '';
  if (launch.entryPoint !== BUILTIN_ENTRY_POINT)
    return (
      <Notice kind="warning" title="Waiting for an agent">
        <p data-testid="waiting-for-agent">
          This run is queued, but {launch.waitingReason ?? 'no online agent can run it'}, so nothing will pick it up
          yet. Start one that declares it with{' '}
          <code>
            npm run agent -- --server {apiUrl}
            {labels} --entry-point {launch.entryPoint}=&quot;python3 train.py&quot;
          </code>{' '}
          (your command; see docs/own-script.md) or see <Link href="/agents">Agents</Link>.
        </p>
      </Notice>
    );
  return (
    <Notice kind="warning" title="Waiting for an agent">
      <p data-testid="waiting-for-agent">
        This run is queued, but no online agent{' '}
        {launch.labels.length ? (
          <>
            carries the labels <code>{launch.labels.join(', ')}</code>
          </>
        ) : (
          'is connected'
        )}
        , so nothing will pick it up yet. Start one with{' '}
        <code>
          npm run agent -- --server {apiUrl}
          {labels}
        </code>{' '}
        or see <Link href="/agents">Agents</Link>.
      </p>
    </Notice>
  );
}

/** How the run came through the queue: its agent, attempt and retries, labels and sweep. */
export function LaunchInfo({ launch }: { launch: RunLaunchInfoFragment | null }) {
  if (!launch)
    return (
      <p className="muted" data-testid="launch-info">
        Registered by its trainer, not launched through the queue.
      </p>
    );
  return (
    <dl className="kv" data-testid="launch-info">
      <dt>agent</dt>
      <dd data-testid="launch-agent">
        {launch.agent ? (
          <>
            {launch.agent.name} @ {launch.agent.host}{' '}
            <span className={launch.agent.online ? 'online' : 'muted'}>
              ({launch.agent.online ? 'online' : 'offline'})
            </span>
          </>
        ) : (
          'not claimed yet'
        )}
      </dd>
      <dt>entry point</dt>
      <dd data-testid="launch-entry-point">{launch.entryPoint}</dd>
      <dt>attempt</dt>
      <dd>
        {launch.attempt + 1} of {launch.retries + 1}
      </dd>
      <dt>labels</dt>
      <dd>{launch.labels.length ? launch.labels.join(', ') : 'any agent'}</dd>
      {launch.sweep && (
        <>
          <dt>sweep</dt>
          <dd>
            <Link href={`/sweeps/${launch.sweep.id}`}>{launch.sweep.name}</Link>
          </dd>
        </>
      )}
      {launch.cancelRequestedAt && (
        <>
          <dt>cancel requested</dt>
          <dd>{formatDate(launch.cancelRequestedAt)}</dd>
        </>
      )}
    </dl>
  );
}
