-- Datasets MLflow clients log as run inputs (runs/log-inputs, mlflow.log_input; server/src/modules/mlflow) and
-- which runs used them, as MLflow's datasets and inputs tables. Deleting a run or an experiment deletes its rows.
-- CreateTable
CREATE TABLE "mlflow_datasets" (
    "id" UUID NOT NULL,
    "experiment_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "source_type" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "schema" TEXT,
    "profile" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mlflow_datasets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mlflow_run_inputs" (
    "position" BIGSERIAL NOT NULL,
    "run_id" UUID NOT NULL,
    "dataset_id" UUID NOT NULL,
    "tags" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mlflow_run_inputs_pkey" PRIMARY KEY ("position")
);

-- CreateIndex
CREATE UNIQUE INDEX "mlflow_datasets_experiment_id_name_digest_key" ON "mlflow_datasets"("experiment_id", "name", "digest");

-- CreateIndex
CREATE INDEX "mlflow_run_inputs_dataset_id_idx" ON "mlflow_run_inputs"("dataset_id");

-- CreateIndex
CREATE UNIQUE INDEX "mlflow_run_inputs_run_id_dataset_id_key" ON "mlflow_run_inputs"("run_id", "dataset_id");

-- AddForeignKey
ALTER TABLE "mlflow_datasets" ADD CONSTRAINT "mlflow_datasets_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mlflow_run_inputs" ADD CONSTRAINT "mlflow_run_inputs_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mlflow_run_inputs" ADD CONSTRAINT "mlflow_run_inputs_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "mlflow_datasets"("id") ON DELETE CASCADE ON UPDATE CASCADE;
