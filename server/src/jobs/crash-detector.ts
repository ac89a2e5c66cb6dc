import type pg from 'pg';
import { CHANNEL } from '../pubsub/topics.js';
import { every } from './periodic.js';

/**
 * Marks RUNNING runs whose heartbeat is older than the timeout as CRASHED. Every server instance runs
 * this; it is still "once" per run because the single UPDATE re-checks `status = 'RUNNING'` on the
 * locked row, so a second instance racing on the same run finds nothing to do. The NOTIFY is in the
 * same statement, so the event is published exactly when the change commits.
 */
export async function sweepCrashedRuns(pool: pg.Pool, timeoutSeconds: number): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `WITH crashed AS (
       UPDATE runs SET status = 'CRASHED', finished_at = now(), updated_at = now(), seq = seq + 1, state_seq = seq + 1,
              error_message = 'No heartbeat for ' || $1::text || ' s (last at ' ||
                              to_char(last_heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ')'
        WHERE status = 'RUNNING' AND last_heartbeat_at < now() - make_interval(secs => $1::float8)
        RETURNING id, experiment_id, seq)
     SELECT id, pg_notify($2, json_build_object('type', 'run', 'runId', id, 'experimentId', experiment_id,
                                                'seq', seq, 'kind', 'UPDATED')::text)
       FROM crashed`,
    [timeoutSeconds, CHANNEL],
  );
  return rows.map((r) => r.id);
}

export function startCrashDetector(
  pool: pg.Pool,
  timeoutSeconds: number,
  intervalMs: number,
  log: (m: string) => void,
) {
  return every(
    intervalMs,
    'crash sweep',
    async () => {
      const ids = await sweepCrashedRuns(pool, timeoutSeconds);
      if (ids.length) log(`marked ${ids.length} silent run(s) CRASHED: ${ids.join(', ')}`);
    },
    log,
  );
}
