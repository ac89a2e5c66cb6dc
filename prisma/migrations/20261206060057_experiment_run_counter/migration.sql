-- Default run names ("run-<n>") come from a per-experiment counter that only grows, instead of the
-- experiment's run count + 1, which repeated names after a delete and under concurrent creates.
-- AlterTable
ALTER TABLE "experiments" ADD COLUMN     "run_counter" INTEGER NOT NULL DEFAULT 0;

-- Existing experiments continue after the highest default name they already have (or their run count).
UPDATE "experiments" e SET "run_counter" = GREATEST(
  (SELECT count(*) FROM "runs" r WHERE r."experiment_id" = e."id"),
  (SELECT coalesce(max(substring(r."name" FROM '^run-([0-9]{1,9})$')::int), 0)
     FROM "runs" r WHERE r."experiment_id" = e."id")
);
