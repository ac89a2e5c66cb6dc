-- CreateEnum
CREATE TYPE "SweepMethod" AS ENUM ('GRID', 'RANDOM');

-- CreateEnum
CREATE TYPE "LogStream" AS ENUM ('STDOUT', 'STDERR');

-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "agent_id" UUID,
ADD COLUMN     "attempt" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "cancel_requested_at" TIMESTAMPTZ(3),
ADD COLUMN     "job_id" UUID,
ADD COLUMN     "job_queue" TEXT,
ADD COLUMN     "labels" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "log_lines" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "retries" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "sweep_id" UUID;

-- CreateTable
CREATE TABLE "agents" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "labels" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "gpus" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "concurrency" INTEGER NOT NULL,
    "info" JSONB NOT NULL DEFAULT '{}',
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sweeps" (
    "id" UUID NOT NULL,
    "experiment_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "method" "SweepMethod" NOT NULL,
    "base_config" JSONB NOT NULL,
    "space" JSONB NOT NULL,
    "max_runs" INTEGER NOT NULL,
    "parallelism" INTEGER NOT NULL,
    "metric" TEXT NOT NULL,
    "goal" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sweeps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "run_logs" (
    "run_id" UUID NOT NULL,
    "line" INTEGER NOT NULL,
    "stream" "LogStream" NOT NULL,
    "text" TEXT NOT NULL,
    "time" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "run_logs_pkey" PRIMARY KEY ("run_id","line")
);

-- CreateIndex
CREATE INDEX "runs_sweep_id_idx" ON "runs"("sweep_id");

-- CreateIndex
CREATE INDEX "runs_agent_id_idx" ON "runs"("agent_id");

-- CreateIndex
CREATE INDEX "sweeps_experiment_id_idx" ON "sweeps"("experiment_id");

-- AddForeignKey
ALTER TABLE "runs" ADD CONSTRAINT "runs_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runs" ADD CONSTRAINT "runs_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sweeps" ADD CONSTRAINT "sweeps_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_logs" ADD CONSTRAINT "run_logs_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
