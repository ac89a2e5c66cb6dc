-- The lease of a launched run is kept on the run itself, so the module that owns run state decides when a
-- lease is lost, on its own clock, without reading the queue's internal tables.
ALTER TABLE "runs" ADD COLUMN "lease_expires_at" TIMESTAMPTZ(3);

CREATE INDEX "runs_lease_expires_at_idx" ON "runs"("lease_expires_at");
