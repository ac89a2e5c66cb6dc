-- Agents run named entry points (the built-in VGG16 trainer, or any program the agent declares); a launched
-- run names the one it needs, and only an agent that registered it may claim the run.
ALTER TABLE "agents" ADD COLUMN     "entry_points" JSONB NOT NULL DEFAULT '[]';

ALTER TABLE "runs" ADD COLUMN     "entry_point" TEXT;

-- Every run launched before entry points existed ran the built-in trainer.
UPDATE "runs" SET "entry_point" = 'vgg16' WHERE "job_id" IS NOT NULL;
