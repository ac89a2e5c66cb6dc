'use client';

import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { type LogStream, RunLogsDocument, RunLogsTailDocument } from '@/gql/graphql';
import { useLiveSubscription, useLoad } from '@/lib/data';
import { type ApiProblem, describeError } from '@/lib/errors';
import { Notice } from '../notice';

interface Line {
  line: number;
  stream: LogStream;
  text: string;
  time: string;
}

const PAGE = 2000;
// Pages loaded on open before asking; beyond it the tail would replay too much at once.
const AUTO_LINES = 10_000;
// Lines kept in the page; older ones are dropped (the server keeps them all).
const KEEP = 20_000;

/**
 * Trainer output: paged with Run.logs until caught up, then tailed live with runLogs from the last line
 * held (also after a reconnect, so no line is missed or shown twice). Sticks to the bottom while the
 * reader is there; scrolling up stops following until they come back down.
 */
export function RunLogs({ runId }: { runId: string }) {
  const fetchLogs = useLoad();
  const lines = useRef<Line[]>([]);
  const last = useRef(0);
  const dropped = useRef(0);
  // Bumped when lines (a mutable ref) change, to re-render.
  const [, setVersion] = useState(0);
  const [hasMore, setHasMore] = useState(true);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [streams, setStreams] = useState<'all' | LogStream>('all');
  const [follow, setFollow] = useState(true);
  const view = useRef<HTMLDivElement>(null);

  const append = useCallback((more: Line[]) => {
    const fresh = more.filter((l) => l.line > last.current);
    if (!fresh.length) return;
    last.current = fresh.at(-1)!.line;
    lines.current.push(...fresh);
    if (lines.current.length > KEEP) {
      const cut = lines.current.length - KEEP;
      lines.current.splice(0, cut);
      dropped.current += cut;
    }
    setVersion((v) => v + 1);
  }, []);

  const load = useCallback(
    async (budget: number) => {
      setLoading(true);
      setProblem(null);
      let more = true;
      for (let got = 0; more && got < budget; ) {
        const r = await fetchLogs(RunLogsDocument, { id: runId, after: last.current, first: PAGE });
        if (r.error || !r.data?.run) {
          setProblem(describeError(r.error) ?? { message: 'The run no longer exists.' });
          break;
        }
        append(r.data.run.logs.lines);
        got += r.data.run.logs.lines.length;
        more = r.data.run.logs.hasMore;
      }
      setHasMore(more);
      setLoading(false);
    },
    [fetchLogs, runId, append],
  );
  useEffect(() => void load(AUTO_LINES), [load]);

  // Tail only once caught up: the subscription replays everything after afterLine in one go.
  const caughtUp = !hasMore && !problem;
  const live = useLiveSubscription(
    RunLogsTailDocument,
    caughtUp ? { runId } : null,
    () => undefined,
    ({ runLogs }) => append(runLogs.lines),
    () => ({ afterLine: last.current }),
  );

  // After every render (new lines, another stream filter): keep the end in view while following.
  useLayoutEffect(() => {
    const el = view.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  });
  const onScroll = () => {
    const el = view.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    if (atBottom !== follow) setFollow(atBottom);
  };

  const shown = streams === 'all' ? lines.current : lines.current.filter((l) => l.stream === streams);
  const errCount = lines.current.reduce((n, l) => n + (l.stream === 'STDERR' ? 1 : 0), 0);
  return (
    <div className="panel logs-panel" data-testid="logs-panel">
      <div className="toolbar">
        <h2 style={{ margin: 0 }}>Logs</h2>
        <span className="muted small" data-testid="log-count">
          {last.current} line{last.current === 1 ? '' : 's'}
          {errCount ? `, ${errCount} on stderr` : ''}
        </span>
        <span className="spacer" />
        <span className="muted small" data-testid="log-live" data-state={caughtUp ? live.state : 'paging'}>
          {caughtUp ? (live.state === 'live' ? '● live' : live.state) : loading ? 'loading…' : 'paused'}
        </span>
        <select
          value={streams}
          onChange={(e) => setStreams(e.target.value as typeof streams)}
          aria-label="Streams"
          data-testid="log-streams"
        >
          <option value="all">stdout + stderr</option>
          <option value="STDOUT">stdout only</option>
          <option value="STDERR">stderr only</option>
        </select>
        {!follow && (
          <button type="button" onClick={() => setFollow(true)} data-testid="log-follow">
            ↓ Follow
          </button>
        )}
      </div>
      {problem && <Notice title="Could not load the logs." problem={problem} onRetry={() => void load(AUTO_LINES)} />}
      {live.state === 'error' && (
        <Notice kind="warning" title="Live log tail failed." problem={{ message: live.error ?? '' }} />
      )}
      {dropped.current > 0 && <p className="muted small">{dropped.current} earlier lines not shown.</p>}
      <div className="log-view" ref={view} onScroll={onScroll} data-testid="run-logs" role="log" aria-live="off">
        {shown.length === 0 && !loading && <div className="muted log-empty">No output yet.</div>}
        {shown.map((l) => (
          <div
            key={l.line}
            className={`log-line log-${l.stream.toLowerCase()}`}
            data-line={l.line}
            data-stream={l.stream}
            title={`${l.stream.toLowerCase()} · ${new Date(l.time).toLocaleTimeString()}`}
          >
            <span className="log-no">{l.line}</span>
            <span className="log-text">{l.text}</span>
          </div>
        ))}
      </div>
      {hasMore && !loading && !problem && (
        <div className="toolbar">
          <span className="muted small">More output follows.</span>
          <button type="button" onClick={() => void load(AUTO_LINES)} data-testid="log-more">
            Load {AUTO_LINES.toLocaleString()} more lines
          </button>
        </div>
      )}
    </div>
  );
}
