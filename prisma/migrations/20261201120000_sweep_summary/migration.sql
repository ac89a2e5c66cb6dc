-- A sweep ranks its runs by their LAST value of the metric (what the saved model scored) or their BEST
-- over epochs; existing sweeps keep LAST, the value their final models have.
ALTER TABLE "sweeps" ADD COLUMN "summary" TEXT NOT NULL DEFAULT 'LAST';
