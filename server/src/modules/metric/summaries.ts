import type pg from 'pg';
import { type BucketSummary, type KeySummary, ROLLUP_LEVELS } from './aggregate.ts';
import { float8Array, int2Array, int4Array, int8Array, textArray } from './pg-arrays.ts';

/**
 * Maintains metric_latest and metric_rollups. The fast path merges a batch's aggregates into the
 * existing rows; when a batch replaced earlier values (or history was truncated) the old extremes may
 * be gone, so those keys are rebuilt from history instead.
 */

const toSeconds = (ms: number) => ms / 1000;

// "first step reaching the extreme" semantics: a tie keeps the earlier step.
const pickExtreme = (col: 'min' | 'max', out: 'value' | 'step') => {
  const better = col === 'min' ? '<' : '>';
  const v = `${col}_value`;
  const target = out === 'value' ? v : `${col}_step`;
  return `CASE WHEN EXCLUDED.${v} IS NULL THEN t.${target}
               WHEN t.${v} IS NULL OR EXCLUDED.${v} ${better} t.${v}
                 OR (EXCLUDED.${v} = t.${v} AND EXCLUDED.${col}_step < t.${col}_step) THEN EXCLUDED.${target}
               ELSE t.${target} END`;
};

export async function mergeLatest(c: pg.ClientBase, runId: string, rows: KeySummary[]): Promise<void> {
  if (rows.length === 0) return;
  await c.query(
    `INSERT INTO metric_latest AS t (run_id, key, first_step, last_step, last_value, last_wall_time,
                                     min_value, min_step, max_value, max_step, count)
     SELECT $1, k, fs, ls, lv, to_timestamp(lw), mnv, mns, mxv, mxs, n
       FROM unnest($2::text[], $3::int8[], $4::int8[], $5::float8[], $6::float8[], $7::float8[], $8::int8[],
                   $9::float8[], $10::int8[], $11::int8[]) AS u(k, fs, ls, lv, lw, mnv, mns, mxv, mxs, n)
     ON CONFLICT (run_id, key) DO UPDATE SET
       first_step = least(t.first_step, EXCLUDED.first_step),
       last_step = greatest(t.last_step, EXCLUDED.last_step),
       last_value = CASE WHEN EXCLUDED.last_step >= t.last_step THEN EXCLUDED.last_value ELSE t.last_value END,
       last_wall_time = CASE WHEN EXCLUDED.last_step >= t.last_step THEN EXCLUDED.last_wall_time ELSE t.last_wall_time END,
       min_value = ${pickExtreme('min', 'value')}, min_step = ${pickExtreme('min', 'step')},
       max_value = ${pickExtreme('max', 'value')}, max_step = ${pickExtreme('max', 'step')},
       count = t.count + EXCLUDED.count`,
    [
      runId,
      textArray(rows.map((r) => r.key)),
      int8Array(rows.map((r) => r.firstStep)),
      int8Array(rows.map((r) => r.lastStep)),
      float8Array(rows.map((r) => r.lastValue)),
      float8Array(rows.map((r) => toSeconds(r.lastWallTime))),
      float8Array(rows.map((r) => r.minValue)),
      int8Array(rows.map((r) => r.minStep)),
      float8Array(rows.map((r) => r.maxValue)),
      int8Array(rows.map((r) => r.maxStep)),
      int8Array(rows.map((r) => r.count)),
    ],
  );
}

export async function mergeRollups(c: pg.ClientBase, runId: string, rows: BucketSummary[]): Promise<void> {
  if (rows.length === 0) return;
  await c.query(
    `INSERT INTO metric_rollups AS t (run_id, key, level, bucket, min_value, max_value, last_step, last_value,
                                      last_wall_time, count)
     SELECT $1, k, l, b, mn, mx, ls, lv, to_timestamp(lw), n
       FROM unnest($2::text[], $3::int2[], $4::int8[], $5::float8[], $6::float8[], $7::int8[], $8::float8[],
                   $9::float8[], $10::int4[]) AS u(k, l, b, mn, mx, ls, lv, lw, n)
     ON CONFLICT (run_id, key, level, bucket) DO UPDATE SET
       min_value = least(t.min_value, EXCLUDED.min_value),
       max_value = greatest(t.max_value, EXCLUDED.max_value),
       last_value = CASE WHEN EXCLUDED.last_step >= t.last_step THEN EXCLUDED.last_value ELSE t.last_value END,
       last_wall_time = CASE WHEN EXCLUDED.last_step >= t.last_step THEN EXCLUDED.last_wall_time ELSE t.last_wall_time END,
       last_step = greatest(t.last_step, EXCLUDED.last_step),
       count = t.count + EXCLUDED.count`,
    [
      runId,
      textArray(rows.map((r) => r.key)),
      int2Array(rows.map((r) => r.level)),
      int8Array(rows.map((r) => r.bucket)),
      float8Array(rows.map((r) => r.minValue)),
      float8Array(rows.map((r) => r.maxValue)),
      int8Array(rows.map((r) => r.lastStep)),
      float8Array(rows.map((r) => r.lastValue)),
      float8Array(rows.map((r) => toSeconds(r.lastWallTime))),
      int4Array(rows.map((r) => r.count)),
    ],
  );
}

/** Recomputes both summary tables for some keys of a run from the history (rare path). */
export async function rebuildSummaries(c: pg.ClientBase, runId: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await c.query(`DELETE FROM metric_latest WHERE run_id = $1 AND key = ANY($2::text[])`, [runId, keys]);
  await c.query(`DELETE FROM metric_rollups WHERE run_id = $1 AND key = ANY($2::text[])`, [runId, keys]);
  await c.query(
    `INSERT INTO metric_latest (run_id, key, first_step, last_step, last_value, last_wall_time,
                                min_value, min_step, max_value, max_step, count)
     SELECT run_id, key, min(step), max(step),
            (array_agg(value ORDER BY step DESC))[1], (array_agg(wall_time ORDER BY step DESC))[1],
            min(value) FILTER (WHERE value <> 'NaN'),
            (array_agg(step ORDER BY value ASC, step ASC) FILTER (WHERE value <> 'NaN'))[1],
            max(value) FILTER (WHERE value <> 'NaN'),
            (array_agg(step ORDER BY value DESC, step ASC) FILTER (WHERE value <> 'NaN'))[1],
            count(*)
       FROM metrics WHERE run_id = $1 AND key = ANY($2::text[]) GROUP BY run_id, key`,
    [runId, keys],
  );
  await c.query(
    `INSERT INTO metric_rollups (run_id, key, level, bucket, min_value, max_value, last_step, last_value,
                                 last_wall_time, count)
     SELECT m.run_id, m.key, l.level, m.step >> l.level AS bucket,
            min(m.value) FILTER (WHERE m.value <> 'NaN'), max(m.value) FILTER (WHERE m.value <> 'NaN'),
            max(m.step), (array_agg(m.value ORDER BY m.step DESC))[1],
            (array_agg(m.wall_time ORDER BY m.step DESC))[1], count(*)
       FROM metrics m CROSS JOIN unnest($3::int2[]) AS l(level)
      WHERE m.run_id = $1 AND m.key = ANY($2::text[])
      GROUP BY m.run_id, m.key, l.level, bucket`,
    [runId, keys, ROLLUP_LEVELS],
  );
}
