-- The per-row foreign-key check on the two largest, append-heavy tables cost ~40% of PostgreSQL's CPU
-- on metric ingest (bench:ingest). logMetrics locks the run row while it writes, and deleting a run or an
-- experiment deletes these rows in the same transaction (server/src/modules/run/purge.ts).

-- DropForeignKey
ALTER TABLE "metric_rollups" DROP CONSTRAINT "metric_rollups_run_id_fkey";

-- DropForeignKey
ALTER TABLE "metrics" DROP CONSTRAINT "metrics_run_id_fkey";
