'use client';

import { useEffect } from 'react';

// Agents and queue counts have no subscription (agents only poll the server), so views re-read them.
export const AGENT_POLL_MS = 5000;

/** Calls `refetch` every `ms` while the page is visible. */
export function usePolling(refetch: () => void, ms = AGENT_POLL_MS) {
  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') refetch();
    }, ms);
    return () => clearInterval(t);
  }, [refetch, ms]);
}
