'use client';

import { useEffect, useState } from 'react';
import { useApiUrl } from '@/lib/data';
import type { ApiProblem } from '@/lib/errors';

/** A visible message in place of content: errors, not-found, empty states. Never a blank page. */
export function Notice({
  kind = 'error',
  title,
  problem,
  children,
  onRetry,
}: {
  kind?: 'error' | 'info' | 'warning';
  title?: string;
  problem?: ApiProblem | null;
  children?: React.ReactNode;
  onRetry?: () => void;
}) {
  return (
    <div
      className={`notice notice-${kind}`}
      role={kind === 'error' ? 'alert' : 'status'}
      data-testid={`notice-${kind}`}
    >
      {title && <strong>{title}</strong>}
      {problem && <p className="notice-message">{problem.message}</p>}
      {children}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** A loading line that says so when the API is slow, rather than spinning silently forever. */
export function Loading({ what }: { what: string }) {
  const apiUrl = useApiUrl();
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setSlow(true), 8000);
    return () => clearTimeout(t);
  }, []);
  return (
    <div className="loading" data-testid="loading">
      Loading {what}…
      {slow && (
        <Notice kind="warning" title="This is taking long.">
          <p>
            The API at {apiUrl} has not answered for 8 seconds.{' '}
            <button type="button" onClick={() => window.location.reload()}>
              Reload
            </button>
          </p>
        </Notice>
      )}
    </div>
  );
}
