'use client';

import Link from 'next/link';
import { ExperimentSweepsDocument } from '@/gql/graphql';
import { useQuery } from '@/lib/data';
import { timeAgo } from '@/lib/format';
import { StatusBadge } from '../status-badge';

/** The experiment's sweeps as one compact line each; nothing at all when it has none. */
export function ExperimentSweeps({ experimentId }: { experimentId: string }) {
  const [{ data }] = useQuery({ query: ExperimentSweepsDocument, variables: { experimentId } });
  if (!data?.sweeps.length) return null;
  return (
    <details className="panel sweeps-list" data-testid="experiment-sweeps" open={data.sweeps.length <= 5}>
      <summary>
        <strong>Sweeps ({data.sweeps.length})</strong>
      </summary>
      <ul>
        {data.sweeps.map((s) => (
          <li key={s.id}>
            <Link href={`/sweeps/${s.id}`}>{s.name}</Link>{' '}
            <span className="muted small">
              {s.method} on {s.metric}, {timeAgo(s.createdAt)}
            </span>{' '}
            {s.runCounts.map((c) => (
              <span key={c.status} className="count-chip">
                <StatusBadge status={c.status} /> {c.count}
              </span>
            ))}
          </li>
        ))}
      </ul>
    </details>
  );
}
