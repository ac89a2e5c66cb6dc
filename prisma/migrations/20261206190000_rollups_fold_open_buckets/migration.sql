-- Issue #24, "fold on close" (server/src/modules/metric/aggregate.ts OPEN_LEVEL): the levels above 4 of
-- metric_rollups now hold only the points before a pair's open level-4 bucket (last_step >> 4). Rows written
-- before held that bucket's points too, and its first fold would add them again: the extremes and last points
-- merge the same however often they are merged, but the upper buckets' counts would be too high. So each upper
-- bucket that covers an open bucket is rebuilt here from the closed level-4 buckets below it.
-- Pairs without an open level-4 row (compaction dropped levels 4-7 of an ended run) hold every point above,
-- which is what the new code expects of them, and are left as they are.

DELETE FROM metric_rollups r
 USING (SELECT ml.run_id, ml.key, ml.last_step >> 4 AS ob
          FROM metric_latest ml
          JOIN metric_rollups r4
            ON r4.run_id = ml.run_id AND r4.key = ml.key AND r4.level = 4 AND r4.bucket = ml.last_step >> 4) o,
       generate_series(5, 16) AS l(level)
 WHERE r.run_id = o.run_id AND r.key = o.key AND r.level = l.level AND r.bucket = o.ob >> (l.level - 4);

INSERT INTO metric_rollups (run_id, key, level, bucket, min_value, max_value, last_step, last_value,
                            last_wall_time, count)
SELECT o.run_id, o.key, l.level, o.ob >> (l.level - 4),
       min(r4.min_value), max(r4.max_value), max(r4.last_step),
       (array_agg(r4.last_value ORDER BY r4.last_step DESC))[1],
       (array_agg(r4.last_wall_time ORDER BY r4.last_step DESC))[1], sum(r4.count)::int4
  FROM (SELECT ml.run_id, ml.key, ml.last_step >> 4 AS ob
          FROM metric_latest ml
          JOIN metric_rollups r4
            ON r4.run_id = ml.run_id AND r4.key = ml.key AND r4.level = 4 AND r4.bucket = ml.last_step >> 4) o
  CROSS JOIN generate_series(5, 16) AS l(level)
  JOIN metric_rollups r4
    ON r4.run_id = o.run_id AND r4.key = o.key AND r4.level = 4
   AND r4.bucket >= (o.ob >> (l.level - 4)) << (l.level - 4) AND r4.bucket < o.ob
 GROUP BY o.run_id, o.key, l.level, o.ob >> (l.level - 4);
