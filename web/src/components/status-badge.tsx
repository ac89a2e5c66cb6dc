import type { RunStatus } from '@/gql/graphql';

export function StatusBadge({ status }: { status: RunStatus | string }) {
  return (
    <span className={`badge status-${status.toLowerCase()}`} data-testid="status-badge" data-status={status}>
      {status.toLowerCase()}
    </span>
  );
}

export const ALL_STATUSES: RunStatus[] = ['RUNNING', 'QUEUED', 'FINISHED', 'FAILED', 'CANCELED', 'CRASHED'];
