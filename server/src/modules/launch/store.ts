import type { EntryPointInfo } from '@runboard/contract/entry-point';
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
  /** The programs it runs, as it registered them. */
  entryPoints: EntryPointInfo[];
  startedAt: Date;
  lastSeenAt: Date;
  /** The API key that registered it (actsFor in service.ts says who may act for it); null: registered without a key id. */
  ownerKeyId: string | null;
}

const AGENT_COLUMNS = `id, name, host, coalesce(labels, '{}') AS labels, coalesce(gpus, '{}') AS gpus, concurrency, info,
  entry_points AS "entryPoints", started_at AS "startedAt", last_seen_at AS "lastSeenAt", owner_key_id AS "ownerKeyId"`;

/**
 * Registers an agent owned by `owner.keyId`, or refreshes a known one (an agent restarting keeps its id) when the
 * caller owns it or is ADMIN; the owner never changes. null when the agent exists and the caller may not touch it.
 */
export async function upsertAgent(
  db: pg.Pool,
  a: Omit<AgentRow, 'startedAt' | 'lastSeenAt' | 'ownerKeyId'>,
  owner: { keyId: string | null; admin: boolean },
): Promise<AgentRow | null> {
  const { rows } = await db.query<AgentRow>(
    `INSERT INTO agents (id, name, host, labels, gpus, concurrency, info, entry_points, owner_key_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, host = EXCLUDED.host, labels = EXCLUDED.labels, gpus = EXCLUDED.gpus,
       concurrency = EXCLUDED.concurrency, info = EXCLUDED.info, entry_points = EXCLUDED.entry_points, last_seen_at = now()
       WHERE $10 OR agents.owner_key_id = $9::uuid
     RETURNING ${AGENT_COLUMNS}`,
    [
      a.id,
      a.name,
      a.host,
      a.labels,
      a.gpus,
      a.concurrency,
      a.info,
      JSON.stringify(a.entryPoints),
      owner.keyId,
      owner.admin,
    ],
  );
  return rows[0] ?? null;
}

/** The key owning the agent that holds (or held) a run; null when the run does not exist. */
export async function runAgentOwner(
  db: pg.Pool,
  runId: string,
): Promise<{ agentId: string | null; ownerKeyId: string | null } | null> {
  const { rows } = await db.query<{ agentId: string | null; ownerKeyId: string | null }>(
    `SELECT r.agent_id AS "agentId", a.owner_key_id AS "ownerKeyId"
       FROM runs r LEFT JOIN agents a ON a.id = r.agent_id WHERE r.id = $1`,
    [runId],
  );
  return rows[0] ?? null;
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
