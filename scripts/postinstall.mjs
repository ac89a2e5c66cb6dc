// After `npm install`: generate the Prisma client into server/src/generated/prisma (`npm run prisma:generate`).
// Skipped when the Prisma CLI is not installed (`npm ci -w @runboard/trainers` for an agent image, or
// `--omit=dev`): only the server needs the client, and nothing else imports it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('node_modules/prisma/package.json') || !existsSync('server/package.json')) {
  console.log('runboard: Prisma CLI not installed here; skipping client generation (not needed without the server)');
  process.exit(0);
}
const r = spawnSync('npm', ['run', '-s', 'prisma:generate'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
