'use client';

import { useCallback, useEffect, useRef } from 'react';
import { ExperimentActivityDocument } from '@/gql/graphql';
import { useLiveSubscription } from '@/lib/data';
import { usePolling } from './agents/use-polled';

/** Experiments whose run events the home page follows (the most recently active first). */
export const LIVE_EXPERIMENTS = 100;
/** New experiments have no event of their own: the list is also re-read this often while visible. */
export const EXPERIMENTS_POLL_MS = 5000;
/** Run events arrive in bursts (a sweep queues 16 runs): one re-read per this many ms at most. */
const REFRESH_MS = 500;

/** Calls `onEvent` on every run event of one experiment; renders nothing. */
function ExperimentActivity({ id, onEvent }: { id: string; onEvent: () => void }) {
  useLiveSubscription(ExperimentActivityDocument, { experimentId: id }, () => undefined, onEvent);
  return null;
}

/**
 * Keeps the experiments list current: a run created, finished or deleted in a listed experiment re-reads
 * the list within REFRESH_MS (runChanged per experiment, over the one shared socket), and a poll brings
 * in experiments created since the page loaded. Returns the subscriptions to render.
 */
export function useLiveExperiments(ids: readonly string[], refetch: () => void): React.ReactNode {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refetchRef = useRef(refetch);
  refetchRef.current = refetch;
  const onEvent = useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      refetchRef.current();
    }, REFRESH_MS);
  }, []);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  usePolling(refetch, EXPERIMENTS_POLL_MS);
  return ids.slice(0, LIVE_EXPERIMENTS).map((id) => <ExperimentActivity key={id} id={id} onEvent={onEvent} />);
}
