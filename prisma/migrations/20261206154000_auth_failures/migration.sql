-- Issue #20: wrong keys per client address, shared by every server on this database, so two servers behind a
-- balancer allow one address AUTH_FAILURES_PER_MINUTE wrong keys a window between them, not that many each.
-- One row per address with failures in its current window; only failures write here (one upsert each, which also
-- deletes up to 10 windows that have ended), so a correct key never reads or writes this table.
CREATE TABLE "auth_failures" (
    "address" TEXT NOT NULL,
    "failures" INTEGER NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "auth_failures_pkey" PRIMARY KEY ("address")
);

CREATE INDEX "auth_failures_ends_at_idx" ON "auth_failures"("ends_at");
