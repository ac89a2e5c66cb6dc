-- Back to the default fillfactor (100) for metric_rollups, undoing 20261206124000_metric_rollups_fillfactor.
-- Measured idle side by side (2026-12-06, AMD EPYC, 2 cores): with a third of each page left free, live ingest
-- at 200 trainers was no faster (bench:load p99 60.6 / 55.5 ms against 51.9 / 51.6 ms without; rollup updates
-- 97% HOT against 81-83% without, since page pruning frees room on dense pages too), while everything that
-- reads or bulk-writes rollups paid for the extra pages: bench:query's seed 0.95x points/s and request p99 1.12x,
-- a rollup scan 1.62x, a 4-key chart p99 1.52x. New pages only: pages written at 70 stay so until rewritten.
ALTER TABLE "metric_rollups" RESET (fillfactor);
