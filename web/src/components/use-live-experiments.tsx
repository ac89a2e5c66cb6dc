'use client';

import { useCallback, useEffect, useRef } from 'react';
import { ExperimentsChangedDocument } from '@/gql/graphql';
import { useLiveSubscription } from '@/lib/data';

/** Changes arrive in bursts (a sweep queues 16 runs): one re-read per this many ms at most. */
const REFRESH_MS = 300;

/**
 * Keeps the experiments list current: experimentsChanged announces experiments created, changed or deleted
 * and runs created, changed or deleted in any experiment the key may read, and each burst re-reads the list
 * within REFRESH_MS. No polling: after the socket reconnects (changes may have been missed meanwhile) or when
 * the server says RESYNC (as every stream's first event, and after an outage), the list is re-read once.
 */
export function useLiveExperiments(refetch: () => void): void {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refetchRef = useRef(refetch);
  refetchRef.current = refetch;
  const onChange = useCallback(() => {
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
  // The list on screen was read before the server subscribed (or before the socket dropped), and there is no seq to
  // replay from: with startWithResync every (re)subscribe's first event is a RESYNC, sent once the server listens,
  // and the re-read it triggers closes that gap.
  useLiveSubscription(ExperimentsChangedDocument, { startWithResync: true }, () => undefined, onChange);
}
