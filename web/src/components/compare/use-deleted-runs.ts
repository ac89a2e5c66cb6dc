'use client';

import { useRef, useState } from 'react';
import { CompareRunChangedDocument } from '@/gql/graphql';
import { type RunSeq, SeqTracker, useLiveSubscription } from '@/lib/data';

/**
 * Which of the compared runs were deleted while the page is open, from their runChanged by id (as the run page
 * does). `runs` carries the seqs the page read: on every (re)subscribe the server replays a run given there that
 * is gone as DELETED, so a run deleted while the page was away from the API leaves it after the reconnect too.
 * `listening` turns true at the server's RESYNC, once its subscription is registered (browser tests wait for it).
 */
export function useDeletedRuns(runs: RunSeq[] | null): { deleted: ReadonlySet<string>; listening: boolean } {
  const [deleted, setDeleted] = useState<ReadonlySet<string>>(() => new Set());
  const [listening, setListening] = useState(false);
  const tracker = useRef<SeqTracker | null>(null);
  // From the seqs the page read (once: the compare view is keyed by its runs).
  if (runs && !tracker.current) tracker.current = new SeqTracker(runs);
  useLiveSubscription(
    CompareRunChangedDocument,
    runs ? { runIds: runs.map((r) => r.runId), startWithResync: true } : null,
    () => tracker.current?.since(),
    ({ runChanged: ev }) => {
      if (ev.kind === 'RESYNC') return setListening(true);
      if (ev.runId == null || ev.seq == null || !tracker.current?.accept(ev.runId, ev.seq)) return;
      if (ev.kind === 'DELETED') setDeleted((d) => new Set(d).add(ev.runId!));
    },
  );
  return { deleted, listening };
}
