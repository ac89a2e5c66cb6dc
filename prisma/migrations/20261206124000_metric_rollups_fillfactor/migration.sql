-- Every forward batch updates one metric_rollups row per key and level (13 per key): rows are created dense
-- (fillfactor 100), so an update found no room on its page and wrote a new version elsewhere plus a new primary
-- key entry (bench:load: 20 of 7,930 updates were HOT). A third of each page left free keeps the new version on
-- the same page, a HOT update, with no index entry; page pruning reclaims the old ones. New pages only: a table
-- filled before this migration keeps its dense pages until it is rewritten (VACUUM FULL).
ALTER TABLE "metric_rollups" SET (fillfactor = 70);
