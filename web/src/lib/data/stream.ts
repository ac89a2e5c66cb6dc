'use client';

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { resumableSubscription, type StreamState } from '@runboard/client/live';
import { useEffect, useRef, useState } from 'react';
import type { RunSeq } from '../seq-tracker';
import { useDataClient } from './provider';

export type LiveState = StreamState;

/**
 * The dashboard's one way to stream: a urql subscription (over graphql-ws) that survives WebSocket drops without
 * gaps or duplicates.
 *
 * The caller tracks the last seq it applied per run (`since()`); on every (re)subscribe we pass it, so
 * the server replays exactly the events missed while disconnected. Events at or below a run's known
 * seq are dropped by the caller (`onData` gets them all; see SeqTracker) in case a replay overlaps.
 * Pass `variables: null` to stay unsubscribed (e.g. until the initial query has provided the seqs).
 * `resume` supplies variables that must be fresh on every (re)subscribe for subscriptions that resume by
 * something other than `since` (runLogs resumes by `afterLine`); they are not part of the identity key.
 */
export function useLiveSubscription<TData, TVars extends Record<string, unknown>>(
  doc: TypedDocumentNode<TData, TVars>,
  variables: Omit<TVars, 'since'> | null,
  since: (resuming: boolean) => RunSeq[] | undefined,
  onData: (data: TData) => void,
  resume?: () => Partial<TVars>,
): { state: LiveState; error: string | null } {
  const { streams, socket } = useDataClient();
  const [state, setState] = useState<LiveState>('connecting');
  const [error, setError] = useState<string | null>(null);
  const onDataRef = useRef(onData);
  const sinceRef = useRef(since);
  const resumeRef = useRef(resume);
  onDataRef.current = onData;
  sinceRef.current = since;
  resumeRef.current = resume;
  const key = variables === null ? null : JSON.stringify(variables);

  useEffect(() => {
    if (key === null) return;
    // Resubscribing with fresh `since`/resume variables and backing off is @runboard/client's.
    return resumableSubscription(streams, doc, {
      variables: JSON.parse(key) as Partial<TVars>,
      resume: (resuming) =>
        ({ ...resumeRef.current?.(), since: sinceRef.current(resuming) }) as unknown as Partial<TVars>,
      onData: (data) => onDataRef.current(data),
      onState: (next, message) => {
        setState(next);
        if (next === 'error' || next === 'live') setError(message);
      },
      connected: () => socket.get() === 'live',
    });
  }, [key, doc, streams, socket]);

  return { state, error };
}
