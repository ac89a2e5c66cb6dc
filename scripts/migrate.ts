// `npm run db:migrate`: applies prisma/migrations to DATABASE_URL (what `prisma migrate deploy` does).
import { migrate } from '@runboard/server/admin';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set (npm start migrates its embedded database by itself).');
  process.exit(1);
}
const applied = await migrate(url);
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
