-- Which config keys a launch was given, so the dashboard's default columns leave the trainer's defaults out.
-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "user_config_keys" JSONB;
