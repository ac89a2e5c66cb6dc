-- CreateTable
CREATE TABLE "metric_chunks" (
    "run_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "first_step" BIGINT NOT NULL,
    "last_step" BIGINT NOT NULL,
    "count" INTEGER NOT NULL,
    "min_value" DOUBLE PRECISION,
    "max_value" DOUBLE PRECISION,
    "min_seq" BIGINT NOT NULL,
    "max_seq" BIGINT NOT NULL,
    "data" BYTEA NOT NULL,
    "rollup" BYTEA NOT NULL,

    CONSTRAINT "metric_chunks_pkey" PRIMARY KEY ("run_id","key","first_step")
);

-- AddForeignKey
ALTER TABLE "metric_chunks" ADD CONSTRAINT "metric_chunks_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Chunks are packed bit streams already: keep them out of line (TOAST) but skip pglz, which would only
-- cost CPU on every write and read (Prisma's schema has no way to say this).
ALTER TABLE "metric_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;
