import { isDivergence } from '@runboard/contract/divergence';
import type { RunStatus } from '@/gql/graphql';

/** A FAILED run stopped by the trainer's non-finite guard says "diverged", its cause in the tooltip. */
export function StatusBadge({ status, errorMessage }: { status: RunStatus | string; errorMessage?: string | null }) {
  if (status === 'FAILED' && isDivergence(errorMessage))
    return (
      <span
        className="badge status-failed"
        data-testid="status-badge"
        data-status={status}
        data-diverged="true"
        title={errorMessage ?? undefined}
      >
        diverged
      </span>
    );
  return (
    <span className={`badge status-${status.toLowerCase()}`} data-testid="status-badge" data-status={status}>
      {status.toLowerCase()}
    </span>
  );
}

export const ALL_STATUSES: RunStatus[] = ['RUNNING', 'QUEUED', 'FINISHED', 'FAILED', 'CANCELED', 'CRASHED'];
