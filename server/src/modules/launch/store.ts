import type pg from 'pg';

/** All of the launch module's SQL: agents, the queue counts, and trainer output (run_logs). */

export interface AgentRow {
  id: string;
  name: string;
  host: string;
  labels: string[];
  gpus: string[];
  concurrency: number;
  info: Record<string, unknown>;
  startedAt: Date;
  lastSeenAt: Date;
}

const AGENT_COLUMNS = `id, name, host, coalesce(labels, '{}') AS labels, coalesce(gpus, '{}') AS gpus, concurrency, info,
  started_at AS "startedAt", last_seen_at AS "lastSeenAt"`;

/** Registers an agent, or refreshes a known one (an agent restarting keeps its id). */
export async function upsertAgent(db: pg.Pool, a: Omit<AgentRow, 'startedAt' | 'lastSeenAt'>): Promise<AgentRow> {
  const { rows } = await db.query<AgentRow>(
    `INSERT INTO agents (id, name, host, labels, gpus, concurrency, info) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, host = EXCLUDED.host, labels = EXCLUDED.labels, gpus = EXCLUDED.gpus,
       concurrency = EXCLUDED.concurrency, info = EXCLUDED.info, last_seen_at = now()
     RETURNING ${AGENT_COLUMNS}`,
    [a.id, a.name, a.host, a.labels, a.gpus, a.concurrency, a.info],
  );
  return rows[0]!;
}

/** The agent was heard from now; null when it is not registered. */
export async function touchAgent(db: pg.Pool, id: string): Promise<AgentRow | null> {
  const { rows } = await db.query<AgentRow>(
    `UPDATE agents SET last_seen_at = now() WHERE id = $1 RETURNING ${AGENT_COLUMNS}`,
    [id],
  );
  return rows[0] ?? null;
}

/** Agents seen within the last `seconds` (every agent when null), most recently seen first. */
export async function agentsSeenWithin(db: pg.Pool, seconds: number | null): Promise<AgentRow[]> {
  const { rows } = await db.query<AgentRow>(
    `SELECT ${AGENT_COLUMNS} FROM agents
      WHERE $1::float8 IS NULL OR last_seen_at > now() - make_interval(secs => $1::float8) ORDER BY last_seen_at DESC`,
    [seconds],
  );
  return rows;
}

export async function agentsByIds(db: pg.Pool, ids: readonly string[]): Promise<AgentRow[]> {
  const { rows } = await db.query<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE id = ANY($1::uuid[])`, [ids]);
  return rows;
}

/** Launched runs waiting, launched runs held by agents, and agents seen within `onlineSeconds`. */
export async function queueCounts(
  db: pg.Pool,
  onlineSeconds: number,
): Promise<{ queued: number; running: number; agentsOnline: number }> {
  const { rows } = await db.query<{ queued: number; running: number; agentsOnline: number }>(
    `SELECT (SELECT count(*)::int FROM runs WHERE job_id IS NOT NULL AND status = 'QUEUED' AND agent_id IS NULL) AS queued,
            (SELECT count(*)::int FROM runs WHERE job_id IS NOT NULL AND agent_id IS NOT NULL AND status IN ('QUEUED', 'RUNNING')) AS running,
            (SELECT count(*)::int FROM agents WHERE last_seen_at > now() - make_interval(secs => $1)) AS "agentsOnline"`,
    [onlineSeconds],
  );
  return rows[0]!;
}

// Trainer output.

export interface LogLine {
  line: number;
  stream: 'STDOUT' | 'STDERR';
  text: string;
  time: Date;
}

/**
 * Takes the next `count` line numbers of the run: the counter on the run row numbers lines gap-free and
 * serialises concurrent appends. Returns the last number taken, or null when the run does not exist.
 */
export async function reserveLogLines(c: pg.ClientBase, runId: string, count: number): Promise<number | null> {
  const { rows } = await c.query<{ last: number }>(
    `UPDATE runs SET log_lines = log_lines + $2 WHERE id = $1 RETURNING log_lines AS last`,
    [runId, count],
  );
  return rows[0]?.last ?? null;
}

/** Stores lines numbered from `first` on. */
export async function insertLogLines(
  c: pg.ClientBase,
  runId: string,
  first: number,
  lines: { stream: LogLine['stream']; text: string; time: Date }[],
): Promise<void> {
  await c.query(
    `INSERT INTO run_logs (run_id, line, stream, text, time)
     SELECT $1, $2 + i - 1, s::"LogStream", t, w FROM unnest($3::text[], $4::text[], $5::timestamptz[]) WITH ORDINALITY AS u(s, t, w, i)`,
    [runId, first, lines.map((l) => l.stream), lines.map((l) => l.text), lines.map((l) => l.time)],
  );
}

/** Up to `limit` lines of a run after line `after`, in order. */
export async function logLinesAfter(db: pg.Pool, runId: string, after: number, limit: number): Promise<LogLine[]> {
  const { rows } = await db.query<LogLine>(
    `SELECT line, stream::text AS stream, text, time FROM run_logs WHERE run_id = $1 AND line > $2 ORDER BY line LIMIT $3`,
    [runId, after, limit],
  );
  return rows;
}
