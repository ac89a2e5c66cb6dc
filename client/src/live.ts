/**
 * A subscription over graphql-ws that survives dropped sockets and server restarts without gaps or
 * duplicates, by resuming from what the caller has applied: on every (re)subscribe `resume()` supplies
 * fresh variables (`since`: the last seq applied per run; `afterLine` for a log tail), so the server
 * replays exactly what was missed. graphql-ws's own reconnect would replay the first subscribe's stale
 * variables; give the socket `retryAttempts: 0` and let this resubscribe.
 *
 * GraphQL errors (a bad id, a forbidden run) will not fix themselves: they end the stream in state
 * 'error'. Anything else (socket closed, server gone, completed because the server is going away) is
 * retried with backoff: quick at first, then at most every `maxDelayMs`.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { operationOf } from './idempotence.ts';

/**
 * What a stream needs of its socket: graphql-ws's Client has this shape, and so does the dashboard's urql
 * client wrapped by web/src/lib/data (GraphQL errors arrive in `error` as an array; anything else there is a
 * transport problem).
 */
export interface SubscribeTransport {
  subscribe(
    payload: { query: string; variables: Record<string, unknown> },
    sink: {
      next(result: { data?: unknown; errors?: readonly { message: string }[] }): void;
      error(err: unknown): void;
      complete(): void;
    },
  ): () => void;
  on(event: 'connected', listener: () => void): () => void;
}

export type StreamState = 'connecting' | 'live' | 'retrying' | 'error';

export interface ResumableOptions<TData, TVars> {
  /** The variables that identify the stream (without the resume variables). */
  variables: Partial<TVars>;
  /** Fresh variables for each (re)subscribe; `resuming` is false the first time. */
  resume: (resuming: boolean) => Partial<TVars>;
  onData: (data: TData) => void;
  onState?: (state: StreamState, error: string | null) => void;
  /** Whether the socket is already open (another stream opened it, so no 'connected' event will come). */
  connected?: () => boolean;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** Starts the stream; the returned function stops it. */
export function resumableSubscription<TData, TVars extends Record<string, unknown>>(
  ws: SubscribeTransport,
  doc: TypedDocumentNode<TData, TVars>,
  o: ResumableOptions<TData, TVars>,
): () => void {
  const query = operationOf(doc).text;
  let current: StreamState = 'connecting';
  const say = (state: StreamState, error: string | null) => {
    current = state;
    o.onState?.(state, error);
  };
  let stopped = false;
  let attempt = 0;
  let starts = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe: (() => void) | undefined;
  let offConnected: (() => void) | undefined;

  const retry = () => {
    if (stopped) return;
    say('retrying', null);
    const delay = Math.min(o.maxDelayMs ?? 5000, (o.baseDelayMs ?? 250) * 2 ** attempt++);
    timer = setTimeout(start, delay);
  };
  const fail = (message: string) => {
    say('error', message);
  };
  const start = () => {
    if (stopped) return;
    say('connecting', null);
    const variables = { ...o.variables, ...o.resume(starts++ > 0) };
    unsubscribe = ws.subscribe(
      { query, variables },
      {
        next: (result) => {
          if (result.errors?.length) return fail(result.errors.map((e) => e.message).join('; '));
          attempt = 0;
          say('live', null);
          if (result.data) o.onData(result.data as TData);
        },
        // GraphQL errors arrive as an array; a socket problem as an Event or Error.
        error: (err) =>
          Array.isArray(err) ? fail(err.map((e: { message?: string }) => e.message ?? String(e)).join('; ')) : retry(),
        // The server completes a stream only when it is going away: resume.
        complete: retry,
      },
    );
    // Live as soon as the socket is up, even before an event; a stream that failed for good stays failed.
    if (o.connected?.()) say('live', null);
    offConnected?.();
    offConnected = ws.on('connected', () => {
      if (!stopped) {
        attempt = 0;
        if (current !== 'error') say('live', null);
      }
      offConnected?.();
    });
  };
  start();
  return () => {
    stopped = true;
    clearTimeout(timer);
    offConnected?.();
    unsubscribe?.();
  };
}
