-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "owner_key_id" UUID;

-- AddForeignKey
ALTER TABLE "agents" ADD CONSTRAINT "agents_owner_key_id_fkey" FOREIGN KEY ("owner_key_id") REFERENCES "api_keys"("id") ON DELETE SET NULL ON UPDATE CASCADE;
