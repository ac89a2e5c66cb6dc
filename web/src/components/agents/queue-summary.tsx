'use client';

import Link from 'next/link';
import { useCallback } from 'react';
import { QueueStatusDocument } from '@/gql/graphql';
import { useQuery } from '@/lib/data';
import { usePolling } from './use-polled';

/** One line for page headers: queued and running launched runs, agents online; links to /agents. */
export function QueueSummary() {
  const [{ data }, refetch] = useQuery({ query: QueueStatusDocument, requestPolicy: 'network-only' });
  usePolling(useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]));
  if (!data) return null;
  const q = data.queueStatus;
  return (
    <Link href="/agents" className="queue-summary" data-testid="queue-summary" title="Launch queue and trainer agents">
      <span>{q.queued} queued</span> · <span>{q.running} on agents</span> ·{' '}
      <span className={q.agentsOnline ? 'online' : 'offline'}>
        {q.agentsOnline} agent{q.agentsOnline === 1 ? '' : 's'} online
      </span>
    </Link>
  );
}
