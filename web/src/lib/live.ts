'use client';

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { stringifyDocument } from '@urql/core';
import { useEffect, useRef, useState } from 'react';
import { useApi } from '@/components/providers';

import type { RunSeq } from './seq-tracker';

export type { RunSeq };

export type LiveState = 'connecting' | 'live' | 'retrying' | 'error';

/**
 * A subscription that survives WebSocket drops without gaps or duplicates.
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
  const { ws, socket } = useApi();
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
    const vars = JSON.parse(key) as Record<string, unknown>;
    const query = stringifyDocument(doc);
    let stopped = false;
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let unsubscribe: (() => void) | undefined;
    let starts = 0;

    const retry = () => {
      if (stopped) return;
      setState('retrying');
      // Quick first retry, then back off up to 5 s so a restarting server is not hammered.
      const delay = Math.min(5000, 250 * 2 ** attempt++);
      timer = setTimeout(start, delay);
    };
    const start = () => {
      if (stopped) return;
      setState('connecting');
      unsubscribe = ws.subscribe<TData>(
        { query, variables: { ...vars, ...resumeRef.current?.(), since: sinceRef.current(starts++ > 0) } },
        {
          next: (result) => {
            if (result.errors?.length) {
              setError(result.errors.map((e) => e.message).join('; '));
              setState('error');
              return;
            }
            attempt = 0;
            setState('live');
            setError(null);
            if (result.data) onDataRef.current(result.data as TData);
          },
          error: (err) => {
            // GraphQL errors (bad ids) arrive as an array and will not fix themselves: do not retry.
            if (Array.isArray(err)) {
              setError(err.map((e: { message?: string }) => e.message ?? String(e)).join('; '));
              setState('error');
              return;
            }
            retry();
          },
          complete: () => {
            // The server only completes when the socket is going away; resume.
            retry();
          },
        },
      );
      // Mark live as soon as the socket is up even if no event has arrived yet. When another
      // subscription already opened it, 'connected' will not fire again: the socket state says so.
      if (socket.get() === 'live') setState('live');
      const off = ws.on('connected', () => {
        if (!stopped) {
          attempt = 0;
          setState((s) => (s === 'error' ? s : 'live'));
        }
        off();
      });
    };
    start();
    return () => {
      stopped = true;
      clearTimeout(timer);
      unsubscribe?.();
    };
  }, [key, doc, ws, socket]);

  return { state, error };
}

export { SeqTracker } from './seq-tracker';
