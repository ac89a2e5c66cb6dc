/**
 * Every event the server fans out, by topic. Writers never publish directly: they call the notify
 * helpers below inside their transaction, PostgreSQL delivers the NOTIFY when (and only if) it commits,
 * and every server process LISTENing on the channel dispatches it to its local subscribers.
 * Payloads carry ids and the sequence number only; subscribers read the rows they need.
 */

import type pg from 'pg';

/** Also named in the api_keys triggers (prisma/migrations/*_api_key_change_notify). */
export const CHANNEL = 'runboard_events';

export type RunEventKind = 'CREATED' | 'UPDATED' | 'DELETED';

export interface RunNotice {
  type: 'run';
  runId: string;
  experimentId: string;
  seq: number;
  kind: RunEventKind;
}

export interface MetricsNotice {
  type: 'metrics';
  runId: string;
  seq: number;
  /**
   * The batch's points when they fit in the payload (NOTIFY carries at most 8,000 bytes) and are all finite
   * (JSON has no NaN): subscribers then deliver them without reading the batch back. Null otherwise.
   */
  points?: NoticePoint[] | null;
}

export interface NoticePoint {
  key: string;
  step: number;
  value: number;
  /** ISO 8601. */
  wallTime: string;
}

/** New trainer output lines for a run, up to and including `line`. */
export interface LogsNotice {
  type: 'logs';
  runId: string;
  line: number;
}

/**
 * An API key was revoked, deleted, or its scopes or experiments changed (published by a trigger on api_keys, so
 * every writer does). `ended`: the key no longer works at all.
 */
export interface KeyNotice {
  type: 'key';
  keyId: string;
  prefix: string;
  ended: boolean;
}

export type Notice = RunNotice | MetricsNotice | LogsNotice | KeyNotice;

/** Topic name -> payload type. Per-id topics keep dispatch O(subscribers of that id). */
export interface TopicMap {
  [topic: `run:${string}`]: RunNotice;
  [topic: `experiment:${string}`]: RunNotice;
  [topic: `metrics:${string}`]: MetricsNotice;
  [topic: `logs:${string}`]: LogsNotice;
  keys: KeyNotice;
}

export const topics = {
  run: (runId: string) => `run:${runId}` as const,
  experiment: (experimentId: string) => `experiment:${experimentId}` as const,
  metrics: (runId: string) => `metrics:${runId}` as const,
  logs: (runId: string) => `logs:${runId}` as const,
  keys: 'keys' as const,
};

export function topicsOf(notice: Notice): (keyof TopicMap)[] {
  switch (notice.type) {
    case 'run':
      return [topics.run(notice.runId), topics.experiment(notice.experimentId)];
    case 'metrics':
      return [topics.metrics(notice.runId)];
    case 'logs':
      return [topics.logs(notice.runId)];
    case 'key':
      return [topics.keys];
  }
}

/** The one place events are published from: a NOTIFY inside the writing transaction. */
export async function notifyPg(client: pg.ClientBase, notice: Notice): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(notice)]);
}

/**
 * The NOTIFYs of a single-statement ingest as select-list expressions over a CTE row `run` (id, seq,
 * experimentId, revived): its seq is known only inside the statement, so the payloads are built there, in the
 * shapes of RunNotice and MetricsNotice. `points` is a json parameter (NoticePoint[] or null). A revived run's
 * event comes first, as RunState.beginIngest sends it.
 */
export function ingestNoticesSql(points: string): string {
  return `CASE WHEN run.revived THEN pg_notify('${CHANNEL}', json_build_object('type', 'run', 'runId', run.id,
            'experimentId', run."experimentId", 'seq', run.seq, 'kind', 'UPDATED')::text) END,
          pg_notify('${CHANNEL}', json_build_object('type', 'metrics', 'runId', run.id, 'seq', run.seq,
            'points', ${points})::text)`;
}

/** Publishes one run event per row (set-based changes: crash sweep, lease expiry), in one statement. */
export async function notifyRuns(
  client: pg.ClientBase,
  runs: readonly { id: string; experimentId: string; seq: number }[],
  kind: RunEventKind,
): Promise<void> {
  if (runs.length === 0) return;
  const payloads = runs.map((r) =>
    JSON.stringify({ type: 'run', runId: r.id, experimentId: r.experimentId, seq: r.seq, kind } satisfies RunNotice),
  );
  await client.query('SELECT pg_notify($1, unnest($2::text[]))', [CHANNEL, payloads]);
}
