import type pg from 'pg';
import { badInput } from '../../graphql/errors.js';
import { ROLLUP_LEVELS } from './aggregate.js';

export interface SeriesColumns {
  step: number[];
  value: number[];
  min: (number | null)[];
  max: (number | null)[];
  wallTime: number[];
}

export interface Series {
  runId: string;
  key: string;
  downsampled: boolean;
  bucketSize: number;
  totalPoints: number;
  columns: SeriesColumns;
}

interface Plan {
  runId: string;
  key: string;
  count: number;
  level: number | null; // null: raw points
}

const MAX_POINTS = 100_000;
const MAX_PAIRS = 100_000;

/** Finest rollup level whose bucket count fits maxPoints; raw when the whole series fits. */
function chooseLevel(count: number, firstStep: number, lastStep: number, maxPoints: number): number | null {
  if (count <= maxPoints) return null;
  for (const level of ROLLUP_LEVELS) {
    const buckets = Math.floor(lastStep / 2 ** level) - Math.floor(firstStep / 2 ** level) + 1;
    if (buckets <= maxPoints) return level;
  }
  return ROLLUP_LEVELS[ROLLUP_LEVELS.length - 1]!;
}

// PostgreSQL's json renders NaN/Infinity as the strings "NaN"/"Infinity"; turn them back into numbers.
const num = (v: number | string | null): number | null =>
  v === null ? null : typeof v === 'number' ? v : v === 'NaN' ? Number.NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : Number(v);

/**
 * metricSeries: the plan comes from metric_latest (counts and step ranges), then one query reads raw
 * history for small series and the chosen rollup level for long ones. Each series comes back as one
 * JSON row of arrays: far cheaper to transfer and parse than a row per point.
 * Each pair is read by its own ordered index range (LATERAL), so the aggregates consume rows already in
 * step/bucket order: no GROUP BY sort of every row (it spilled to disk at 400 series) and no per-aggregate
 * ORDER BY sorts. date_part (float8) instead of extract (numeric) for the wall times: same JSON, cheaper.
 * A series with fewer raw points than maxPoints is never downsampled; a rollup level can return fewer
 * than maxPoints buckets (down to half, the levels being powers of two) but never more.
 */
export async function metricSeries(db: pg.Pool, runIds: string[], keys: string[], maxPoints: number): Promise<Series[]> {
  if (!Number.isInteger(maxPoints) || maxPoints < 2 || maxPoints > MAX_POINTS) throw badInput('maxPoints', `must be between 2 and ${MAX_POINTS}`);
  const ids = runIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (ids.length * keys.length > MAX_PAIRS) throw badInput('runIds', `at most ${MAX_PAIRS} (run, key) pairs per request`);
  if (ids.length === 0 || keys.length === 0) return [];
  const { rows: summaries } = await db.query<{ runId: string; key: string; count: number; firstStep: number; lastStep: number }>(
    `SELECT run_id AS "runId", key, count, first_step AS "firstStep", last_step AS "lastStep"
       FROM metric_latest WHERE run_id = ANY($1::uuid[]) AND key = ANY($2::text[])`,
    [ids, keys],
  );
  const plans: Plan[] = summaries.map((s) => ({ ...s, level: chooseLevel(s.count, s.firstStep, s.lastStep, maxPoints) }));
  const raw = plans.filter((p) => p.level === null);
  const rolled = plans.filter((p) => p.level !== null);
  type Row = { runId: string; key: string; s: number[]; v: (number | string)[]; mn: (number | string | null)[]; mx: (number | string | null)[]; w: number[] };
  const [rawRows, rollRows] = await Promise.all([
    raw.length === 0
      ? []
      : db
          .query<Row>(
            `SELECT q.run_id AS "runId", q.key, a.s, a.v, NULL AS mn, NULL AS mx, a.w
               FROM unnest($1::uuid[], $2::text[]) AS q(run_id, key)
               CROSS JOIN LATERAL (
                 SELECT json_agg(m.step) AS s, json_agg(m.value) AS v,
                        json_agg(round(date_part('epoch', m.wall_time) * 1000)) AS w
                   FROM (SELECT step, value, wall_time FROM metrics
                          WHERE run_id = q.run_id AND key = q.key ORDER BY step) m
               ) a
              WHERE a.s IS NOT NULL`,
            [raw.map((p) => p.runId), raw.map((p) => p.key)],
          )
          .then((r) => r.rows),
    rolled.length === 0
      ? []
      : db
          .query<Row>(
            `SELECT q.run_id AS "runId", q.key, a.s, a.v, a.mn, a.mx, a.w
               FROM unnest($1::uuid[], $2::text[], $3::int2[]) AS q(run_id, key, level)
               CROSS JOIN LATERAL (
                 SELECT json_agg(m.last_step) AS s, json_agg(m.last_value) AS v, json_agg(m.min_value) AS mn,
                        json_agg(m.max_value) AS mx, json_agg(round(date_part('epoch', m.last_wall_time) * 1000)) AS w
                   FROM (SELECT last_step, last_value, min_value, max_value, last_wall_time FROM metric_rollups
                          WHERE run_id = q.run_id AND key = q.key AND level = q.level ORDER BY bucket) m
               ) a
              WHERE a.s IS NOT NULL`,
            [rolled.map((p) => p.runId), rolled.map((p) => p.key), rolled.map((p) => p.level)],
          )
          .then((r) => r.rows),
  ]);
  const byPair = new Map<string, Row>();
  for (const r of [...rawRows, ...rollRows]) byPair.set(`${r.runId}\u0000${r.key}`, r);
  // Keep the caller's order: runs as given, keys as given.
  const planByPair = new Map(plans.map((p) => [`${p.runId}\u0000${p.key}`, p]));
  const out: Series[] = [];
  for (const runId of ids) {
    for (const key of keys) {
      const plan = planByPair.get(`${runId}\u0000${key}`);
      const row = byPair.get(`${runId}\u0000${key}`);
      if (!plan || !row) continue;
      const value = row.v.map((x) => num(x)!);
      out.push({
        runId,
        key,
        downsampled: plan.level !== null,
        bucketSize: plan.level === null ? 1 : 2 ** plan.level,
        totalPoints: plan.count,
        columns: {
          step: row.s,
          value,
          min: row.mn ? row.mn.map(num) : value.map((v) => (Number.isNaN(v) ? null : v)),
          max: row.mx ? row.mx.map(num) : value.map((v) => (Number.isNaN(v) ? null : v)),
          wallTime: row.w,
        },
      });
    }
  }
  return out;
}
